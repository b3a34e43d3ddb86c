// The sheet editor: add, remove and reorder indicator rows, switch a row between a
// quantitative and a qualitative target, and fill a known indicator's usual level and target.
// Rows stay grouped as the form groups them (docs/rules.md §2.1): a row whose 二级指标 changes
// moves into its group at once, as the save would put it, and ↑↓ move a row within its group.
// Every figure is computed on the server (htmx posts the form to the preview URL).
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var body = document.getElementById("rows-body");
  var template = document.getElementById("row-template");
  var total = form.querySelector('input[name="rows-TOTAL_FORMS"]');
  var known = JSON.parse(document.getElementById("known-indicators").textContent || "{}");

  function visibleRows() {
    return Array.prototype.filter.call(body.querySelectorAll("tr.indicator-row"), function (tr) {
      return !tr.hidden;
    });
  }
  function field(row, name) {
    return row.querySelector('[name="' + row.dataset.prefix + "-" + name + '"]');
  }
  // Live scoring: post back the signature of each computed cell shown, so the server sends
  // only the rows whose suggested score, findings or number changed.
  form.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== form || event.detail.verb !== "post") return;
    var sigs = {};
    body.querySelectorAll(".calc[data-sig]").forEach(function (cell) {
      sigs[cell.id.replace(/^calc-/, "")] = cell.dataset.sig;
    });
    event.detail.parameters.live_sigs = JSON.stringify(sigs);
    // Posted as JSON (hx-ext="json-enc"), so Django reads the token from the header.
    event.detail.headers["X-CSRFToken"] = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  });
  function changed() {
    renumber();
    if (window.htmx) window.htmx.trigger(form, "rows-changed");
  }
  function renumber() {
    var rows = visibleRows();
    rows.forEach(function (row, i) {
      row.id = "row-" + i;
      field(row, "ORDER").value = i + 1;
      row.querySelector(".rownum").textContent = i + 1;
      // ↑ and ↓ stop at the edges of the row's group: beyond them the save would move it back.
      edge(row.querySelector(".js-up"), !rows[i - 1] || group(rows[i - 1]) !== group(row));
      edge(row.querySelector(".js-down"), !rows[i + 1] || group(rows[i + 1]) !== group(row));
    });
  }
  function edge(button, atEdge) {
    if (!button) return;
    button.setAttribute("aria-disabled", atEdge ? "true" : "false");
    button.classList.toggle("opacity-50", atEdge);
  }

  // -- rows grouped as the form groups them ------------------------------------------------
  var note = document.getElementById("row-group-note");
  var warning = document.getElementById("row-group-warning");
  function group(row) { return field(row, "level2").value; }
  function groupName(row) {
    var select = field(row, "level2");
    return select.value ? select.options[select.selectedIndex].text : (note ? note.dataset.none : "");
  }
  // The level-2 options are in the catalogue's order (level 1 in the scheme's order, level 2
  // within it), the order the save keeps; a row without a 二级指标 goes last.
  function rank(row) {
    var select = field(row, "level2");
    return select.value ? select.selectedIndex : 1e9;
  }
  function groupedOrder(rows) {
    return rows.map(function (row, i) { return { row: row, i: i, rank: rank(row) }; })
      .sort(function (a, b) { return a.rank - b.rank || a.i - b.i; })
      .map(function (item) { return item.row; });
  }
  function isGrouped() {
    var rows = visibleRows();
    return groupedOrder(rows).every(function (row, i) { return row === rows[i]; });
  }
  function say(text, values) {
    if (!note || !text) return;
    note.textContent = text.replace(/\{(\w+)\}/g, function (whole, key) {
      return values[key] !== undefined ? values[key] : whole;
    });
  }
  // Moving a row takes the focus out of it; put it back where the clerk was.
  function keepFocus(focused) {
    if (focused && focused !== document.activeElement && document.body.contains(focused)) focused.focus();
  }
  function regroup(changedRow) {
    var rows = visibleRows();
    var order = groupedOrder(rows);
    if (order.every(function (row, i) { return row === rows[i]; })) return false;
    var focused = document.activeElement;
    order.forEach(function (row) { body.appendChild(row); });
    keepFocus(focused);
    if (warning) warning.hidden = true;
    if (changedRow) {
      var from = rows.indexOf(changedRow) + 1, to = order.indexOf(changedRow) + 1;
      if (from !== to) {
        say(note.dataset.moved, { from: from, to: to, group: groupName(changedRow) });
        changedRow.classList.add("table-info");
        setTimeout(function () { changedRow.classList.remove("table-info"); }, 2000);
      }
    }
    return true;
  }
  function level2Changed(row) {
    if (regroup(row)) changed(); else renumber();
  }
  function toggle(row) {
    var qualitative = field(row, "target_operator").value === "";
    row.querySelectorAll(".js-quant").forEach(function (el) { el.hidden = qualitative; });
    row.querySelectorAll(".js-qual").forEach(function (el) { el.hidden = !qualitative; });
    var unit = field(row, "target_unit").value;
    field(row, "actual_number").placeholder = unit ? "(" + unit + ")" : "";
  }
  function setIfEmpty(input, value) {
    if (input && !input.value && value !== undefined && value !== null && value !== "") input.value = value;
  }
  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === String(value); });
  }
  function fillKnown(row) {
    var item = known[field(row, "name").value.trim()];
    if (!item) return;
    // The indicator's usual 二级指标, unless the clerk chose this row's one themselves (a new
    // row's, taken over from the row above, was not chosen).
    var level2 = field(row, "level2");
    if (!row.dataset.level2Chosen && item.level2 && hasOption(level2, item.level2) &&
        level2.value !== String(item.level2)) {
      level2.value = item.level2;
      level2Changed(row);
    }
    var operator = field(row, "target_operator");
    var untouched = !field(row, "target_number").value && !field(row, "target_text").value;
    if (untouched) {
      operator.value = item.operator;
      setIfEmpty(field(row, "target_number"), item.number);
      setIfEmpty(field(row, "target_unit"), item.unit);
      setIfEmpty(field(row, "target_text"), item.text);
    }
    toggle(row);
  }
  // A new row at the end, or right below `after` (a row: ＋ or Ctrl+Enter in it), in the
  // same 二级 as the row above it, so the groups stay whole.
  function addRow(after) {
    var below = after && after.nodeType === 1 && after.matches("tr.indicator-row") ? after : null;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    var rows = visibleRows();
    var above = below || rows[rows.length - 1];
    if (above) field(row, "level2").value = field(above, "level2").value;
    if (below) body.insertBefore(row, below.nextElementSibling); else body.appendChild(row);
    total.value = index + 1;
    toggle(row);
    changed();
    field(row, "level2").focus();
  }
  function move(row, direction) {
    var rows = visibleRows();
    var i = rows.indexOf(row);
    var other = rows[i + direction];
    if (!other || group(other) !== group(row)) {
      // The first or last row of its group: another group is chosen by its 二级指标.
      say(direction < 0 ? note.dataset.first : note.dataset.last, { n: i + 1, group: groupName(row) });
      return;
    }
    var focused = document.activeElement;
    if (direction < 0) body.insertBefore(row, other); else body.insertBefore(other, row);
    keepFocus(focused);
    changed();
  }
  function remove(row) {
    var rows = visibleRows();
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    field(row, "DELETE").checked = true;
    row.hidden = true;
    changed();
    if (next) field(next, "name").focus(); else document.getElementById("add-row").focus();
  }
  function goToRow(index) {
    var row = visibleRows()[index];
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    var input = field(row, "score") || field(row, "name");
    input.focus();
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var row = button.closest("tr.indicator-row");
    if (button.classList.contains("js-up")) move(row, -1);
    else if (button.classList.contains("js-down")) move(row, 1);
    else if (button.classList.contains("js-remove")) remove(row);
    else if (button.classList.contains("js-insert")) addRow(row);
  });
  body.addEventListener("change", function (event) {
    var row = event.target.closest("tr.indicator-row");
    if (!row) return;
    if (event.target.name === row.dataset.prefix + "-target_operator" ||
        event.target.name === row.dataset.prefix + "-target_unit") toggle(row);
    if (event.target.name === row.dataset.prefix + "-name") fillKnown(row);
    if (event.target.name === row.dataset.prefix + "-level2") {
      // Emptied, the row takes a known indicator's 二级指标 again, as a new row does.
      row.dataset.level2Chosen = event.target.value ? "1" : "";
      level2Changed(row);
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".js-row-link");
    if (!link) return;
    event.preventDefault();
    goToRow(parseInt(link.dataset.row, 10));
  });
  document.getElementById("add-row").addEventListener("click", addRow);
  var regroupNow = document.getElementById("regroup-now");
  if (regroupNow) regroupNow.addEventListener("click", function () {
    if (regroup(null)) changed();
    say(note.dataset.regrouped, {});
    document.getElementById("add-row").focus();
  });
  visibleRows().forEach(toggle);
  // A row's stored 二级指标 was chosen by whoever saved it; only new rows take a known one's.
  body.querySelectorAll("tr.indicator-row").forEach(function (row) {
    if (field(row, "level2").value) row.dataset.level2Chosen = "1";
  });
  body.querySelectorAll("tr.indicator-row").forEach(function (row) {
    if (field(row, "DELETE").checked) row.hidden = true;
  });
  renumber();
  // A sheet on record from before rows were kept grouped: say the save will group it.
  if (warning && !isGrouped()) warning.hidden = false;
  if (location.hash.indexOf("#row-") === 0) goToRow(parseInt(location.hash.slice(5), 10));

  // For the keeper of unsaved input (static/js/idle-timeout.js): rows in page order, adding
  // rows, putting them back in a saved order, and redrawing after values were put back.
  window.perfevalEditor = {
    addRow: addRow,
    rowOrder: function () {
      return Array.prototype.map.call(body.querySelectorAll("tr.indicator-row"), function (tr) {
        return tr.dataset.prefix;
      });
    },
    restoreOrder: function (prefixes) {
      prefixes.forEach(function (prefix) {
        var row = body.querySelector('tr.indicator-row[data-prefix="' + prefix + '"]');
        if (row) body.appendChild(row);
      });
    },
    refresh: function () {
      body.querySelectorAll("tr.indicator-row").forEach(function (row) {
        row.hidden = field(row, "DELETE").checked;
        toggle(row);
      });
      changed();
    },
  };
})();
