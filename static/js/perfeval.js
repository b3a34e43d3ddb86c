// Explanations of computed figures: Bootstrap tooltips on hover and on keyboard focus.
(function () {
  "use strict";
  function initTooltips(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el, { trigger: "hover focus" });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initTooltips(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initTooltips(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function (event) { initTooltips(event.target); });
  window.perfeval = { initTooltips: initTooltips };
})();
