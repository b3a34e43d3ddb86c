// The sheet editor's keyboard and leaving: Enter in a single-line field moves to the next field
// and never submits the whole form (while an input method is composing, Enter stays the input
// method's; in a textarea it stays a line break); Ctrl+Enter in a row inserts a row below it;
// "=" in a 得分 field takes the row's suggested score; Ctrl+S / Cmd+S saves the draft; leaving
// the page with unsaved changes asks first (the browser's own prompt).
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var saveButton = form.querySelector('button[type="submit"][name="action"][value="save"]');
  // Input types whose Enter is their own activation (a button), not a field's implicit submit.
  var OWN_ENTER = { submit: true, button: true, reset: true, image: true, file: true };

  // The page was drawn again from a post that was not saved (a conflict, an interrupted save,
  // fields refused): what is in the form is the user's unsaved input.
  var dirty = !!form.querySelector("#stale-warning, #save-interrupted, .invalid-feedback");
  var submitting = false;

  function markDirty() { dirty = true; }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("rows-changed", markDirty);
  form.addEventListener("submit", function () { submitting = true; dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty || submitting) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers show their prompt only when this is set
  });

  // For the keeper of unsaved input (static/js/idle-timeout.js): a reload it makes itself (the
  // time-out, with the input kept in sessionStorage; a draft discarded on purpose) asks nothing.
  window.perfevalLeave = { allow: function () { dirty = false; } };

  function focusable(el) {
    if (el.disabled || el.type === "hidden" || el.tabIndex < 0) return false;
    if (!/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) return false;
    if (el.closest("[hidden], template")) return false;
    return el.getClientRects().length > 0;
  }
  function moveFocus(from, step) {
    var fields = Array.prototype.filter.call(form.elements, focusable);
    var i = fields.indexOf(from);
    var next = i < 0 ? null : fields[i + step];
    if (!next) return;
    next.focus();
    if (next.select && next.tagName === "INPUT" && /^(text|search|number|tel|url|email)$/.test(next.type)) next.select();
  }

  // The suggested score of a row, as its computed cell shows it ("" when there is none).
  function suggestion(row) {
    var cell = document.getElementById("calc-" + row.dataset.prefix);
    var shown = cell && cell.querySelector(".suggested .explain");
    return shown ? shown.textContent.trim() : "";
  }
  function takeSuggestion(input) {
    var value = suggestion(input.closest("tr.indicator-row"));
    if (!value) return;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.select();
  }

  form.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) return;
    var target = event.target;
    var row = target.closest && target.closest("tr.indicator-row");
    // Ctrl+Enter in a row: a new row right below it, in its 二级.
    if (row && event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      if (window.perfevalEditor) window.perfevalEditor.addRow(row);
      return;
    }
    // "=" in a 得分 field: take the suggested score (a score never contains "=").
    if (row && event.key === "=" && /-score$/.test(target.name || "") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      takeSuggestion(target);
      return;
    }
    if (event.key !== "Enter") return;
    if (target.tagName !== "INPUT" || OWN_ENTER[target.type]) return;
    if (event.ctrlKey || event.metaKey || event.altKey) { event.preventDefault(); return; }
    event.preventDefault();
    moveFocus(target, event.shiftKey ? -1 : 1);
  });

  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if ((event.key || "").toLowerCase() !== "s" || event.isComposing) return;
    event.preventDefault();
    if (submitting || !saveButton) return;
    saveButton.click();
  });
})();
