// Explanations of computed figures: Bootstrap tooltips on hover and on keyboard focus; progress
// bars; the language switcher; the print button. No inline script anywhere (Content Security Policy).
(function () {
  "use strict";
  function initTooltips(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el, { trigger: "hover focus" });
    });
  }
  // Progress bars take their width from data-percent: the Content Security Policy refuses
  // style attributes written in HTML, not widths set from script.
  function setProgress(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll(".progress-bar[data-percent]"));
    if (root.matches && root.matches(".progress-bar[data-percent]")) bars.push(root);
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseInt(bar.dataset.percent, 10) || 0));
      bar.style.width = percent + "%";
    });
  }
  // Controls that submit their form when changed (the language switcher), without inline handlers.
  document.addEventListener("change", function (event) {
    var control = event.target.closest && event.target.closest(".js-submit-on-change");
    if (control && control.form) control.form.submit();
    // A department chosen on a form that must not be posted by a change (the batch export):
    // the page reloads with it in the address, and offers its units.
    var reload = event.target.closest && event.target.closest(".js-reload-on-change");
    if (reload) {
      var url = new URL(window.location.href);
      url.searchParams.set(reload.name, reload.value);
      window.location.assign(url.toString());
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".js-print")) window.print();
  });
  // Forms that ask first (审核通过): the question is the form's data-confirm, worded on the
  // server (it names the open comments when there are some).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("js-confirm") && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", function () { initTooltips(document); setProgress(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initTooltips(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function (event) { initTooltips(event.target); });
  document.addEventListener("htmx:load", function (event) { setProgress(event.target); });
  window.perfeval = { initTooltips: initTooltips, setProgress: setProgress };
})();
