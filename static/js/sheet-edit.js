// The sheet editor: add, remove and reorder indicator rows, switch a row between a
// quantitative and a qualitative target, and fill a known indicator's usual level and target.
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
  });
  function changed() {
    renumber();
    if (window.htmx) window.htmx.trigger(form, "rows-changed");
  }
  function renumber() {
    visibleRows().forEach(function (row, i) {
      row.id = "row-" + i;
      field(row, "ORDER").value = i + 1;
      row.querySelector(".rownum").textContent = i + 1;
    });
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
  function fillKnown(row) {
    var item = known[field(row, "name").value.trim()];
    if (!item) return;
    setIfEmpty(field(row, "level2"), item.level2);
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
  function addRow() {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    var rows = visibleRows();
    var last = rows[rows.length - 1];
    if (last) field(row, "level2").value = field(last, "level2").value;
    body.appendChild(row);
    total.value = index + 1;
    toggle(row);
    changed();
    field(row, "level2").focus();
  }
  function move(row, direction) {
    var rows = visibleRows();
    var i = rows.indexOf(row);
    var other = rows[i + direction];
    if (!other) return;
    if (direction < 0) body.insertBefore(row, other); else body.insertBefore(other, row);
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
  });
  body.addEventListener("change", function (event) {
    var row = event.target.closest("tr.indicator-row");
    if (!row) return;
    if (event.target.name === row.dataset.prefix + "-target_operator" ||
        event.target.name === row.dataset.prefix + "-target_unit") toggle(row);
    if (event.target.name === row.dataset.prefix + "-name") fillKnown(row);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".js-row-link");
    if (!link) return;
    event.preventDefault();
    goToRow(parseInt(link.dataset.row, 10));
  });
  document.getElementById("add-row").addEventListener("click", addRow);
  visibleRows().forEach(toggle);
  body.querySelectorAll("tr.indicator-row").forEach(function (row) {
    if (field(row, "DELETE").checked) row.hidden = true;
  });
  renumber();
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
