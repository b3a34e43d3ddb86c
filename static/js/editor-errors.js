// A refused save (templates/projects/sheets/includes/save_errors.html): the focus moves to the
// first offending field, and each line of the summary takes the focus to its own field.
(function () {
  "use strict";
  var summary = document.getElementById("save-errors");
  if (!summary) return;

  function goTo(id) {
    var input = document.getElementById(id);
    if (!input) return false;
    var row = input.closest("tr");
    if (row && row.hidden) return false;
    input.scrollIntoView({ block: "center" });
    input.focus({ preventScroll: true });
    return true;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest(".js-error-link");
    if (!link) return;
    if (goTo(link.dataset.field)) event.preventDefault();
  });

  var links = summary.querySelectorAll(".js-error-link");
  for (var i = 0; i < links.length; i++) {
    if (goTo(links[i].dataset.field)) return;
  }
  summary.focus();
})();
