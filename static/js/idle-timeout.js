// The idle time-out in the page (the server ends the session: projects/accounts/middleware.py).
// One minute before the time-out a toast offers to continue (a keep-alive request). When the
// time is up the page reloads, and the server sends the user to the login page with `next`
// back here. Before that, the sheet editor's unsaved input is kept in sessionStorage (also on
// every change and when the page is left), keyed by user, sheet and version, and restored
// after the login, with a way to discard it. Values come from data- attributes on <body>.
(function () {
  "use strict";
  var body = document.body;
  var timeout = parseInt(body.dataset.idleTimeout || "0", 10);
  if (!timeout) return;
  var warning = parseInt(body.dataset.idleWarning || "60", 10);
  var BACKGROUND = { "X-Perfeval-Background": "1" };
  var timer = null;
  var toast = null;

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }
  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }
  function expire() {
    Drafts.save(true);
    if (window.perfevalLeave) window.perfevalLeave.allow();
    window.location.reload();
  }
  function showWarning(remaining) {
    var el = document.getElementById("idle-warning");
    if (el && window.bootstrap) {
      toast = toast || window.bootstrap.Toast.getOrCreateInstance(el, { autohide: false });
      toast.show();
    }
    schedule(remaining + 1);
  }
  function hideWarning() {
    if (toast) toast.hide();
  }
  // Ask the server how long is left (a background request: it does not count as activity).
  function check() {
    fetch(body.dataset.sessionUrl, { headers: BACKGROUND, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var remaining = data.remaining;
        if (remaining === null || remaining === undefined) return;
        if (remaining <= 0) expire();
        else if (remaining <= warning) showWarning(remaining);
        else { hideWarning(); schedule(remaining - warning); }
      })
      .catch(function () { schedule(15); });
  }
  function keepAlive() {
    fetch(body.dataset.keepAliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) { return response.json(); })
      .then(function (data) {
        hideWarning();
        if (data.remaining > 0) schedule(data.remaining - warning); else expire();
      })
      .catch(function () { schedule(5); });
  }

  // The editor's unsaved input, kept in this tab's sessionStorage.
  var Drafts = (function () {
    var form = document.querySelector("form[data-draft-key]");
    var PREFIX = "perfeval-draft:" + body.dataset.user + ":";
    var key = form ? PREFIX + form.dataset.draftKey : null;
    var sheetPrefix = form ? PREFIX + form.dataset.draftKey.split(":")[0] + ":" : null;
    var saved = true;

    function state() {
      var fields = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") return;
        if (el.type === "checkbox" || el.type === "radio") fields.push([el.name, el.checked]);
        else fields.push([el.name, el.value]);
      });
      var editor = window.perfevalEditor;
      return { fields: fields, order: editor ? editor.rowOrder() : [] };
    }
    function same(a, b) { return JSON.stringify(a.fields) === JSON.stringify(b.fields); }

    function save(always) {
      if (!form || (saved && always !== true)) return;
      try { sessionStorage.setItem(key, JSON.stringify(state())); } catch (e) { /* full or off */ }
    }
    function clearSheet() {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var k = sessionStorage.key(i);
        if (k && k.indexOf(sheetPrefix) === 0) sessionStorage.removeItem(k);
      }
    }
    function apply(draft) {
      var editor = window.perfevalEditor;
      var total = form.querySelector('input[name="rows-TOTAL_FORMS"]');
      var wanted = 0;
      draft.fields.forEach(function (f) { if (f[0] === "rows-TOTAL_FORMS") wanted = parseInt(f[1], 10); });
      while (editor && total && parseInt(total.value, 10) < wanted) editor.addRow();
      draft.fields.forEach(function (f) {
        var el = form.elements.namedItem(f[0]);
        if (!el || el.length > 1 && !el.tagName) return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = f[1];
        else el.value = f[1];
      });
      if (editor) { editor.restoreOrder(draft.order || []); editor.refresh(); }
    }
    function restore() {
      var text = null;
      try { text = sessionStorage.getItem(key); } catch (e) { return; }
      // Drafts of older versions of this sheet were saved (or overtaken): forget them.
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var k = sessionStorage.key(i);
        if (k && k.indexOf(sheetPrefix) === 0 && k !== key) sessionStorage.removeItem(k);
      }
      if (!text) return;
      var draft = JSON.parse(text);
      if (same(draft, state())) { sessionStorage.removeItem(key); return; }
      apply(draft);
      saved = false;
      var template = document.getElementById("draft-restored-template");
      if (!template) return;
      var notice = template.content.firstElementChild.cloneNode(true);
      form.parentNode.insertBefore(notice, form);
      notice.querySelector("#draft-discard").addEventListener("click", function () {
        clearSheet();
        saved = true;
        if (window.perfevalLeave) window.perfevalLeave.allow();
        window.location.reload();
      });
    }
    if (form) {
      var pending = null;
      var changed = function () {
        saved = false;
        window.clearTimeout(pending);
        pending = window.setTimeout(save, 300);
      };
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
      form.addEventListener("rows-changed", changed);
      form.addEventListener("submit", function () { saved = false; save(); });
      window.addEventListener("pagehide", save);
      window.addEventListener("beforeunload", save);
      document.addEventListener("DOMContentLoaded", restore);
    }
    return { save: save };
  })();

  // Logging out on purpose forgets this user's drafts in this tab.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches('form[action$="/accounts/logout/"]')) return;
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var k = sessionStorage.key(i);
      if (k && k.indexOf("perfeval-draft:" + body.dataset.user + ":") === 0) sessionStorage.removeItem(k);
    }
  });
  var button = document.getElementById("idle-continue");
  if (button) button.addEventListener("click", keepAlive);
  schedule(timeout - warning);
})();
