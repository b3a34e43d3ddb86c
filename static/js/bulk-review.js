// The inbox's bulk review: "select all" ticks every sheet of the page, the bar counts the
// ticked sheets, and the buttons wait until at least one is ticked. Without JavaScript the
// boxes still work one by one (the server refuses an empty selection anyway).
(function () {
  "use strict";
  const form = document.getElementById("bulk-form");
  const all = document.getElementById("bulk-all");
  if (!form || !all) {
    return;
  }
  const boxes = Array.from(form.querySelectorAll("input.bulk-sheet"));
  const count = document.getElementById("bulk-count");
  const buttons = [document.getElementById("bulk-approve"), document.getElementById("bulk-return")];
  const hint = count ? count.textContent : "";

  function update() {
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    for (const button of buttons) {
      if (button) {
        button.disabled = ticked === 0;
      }
    }
    if (count) {
      count.textContent = ticked
        ? count.dataset.template.replace("%(n)s", String(ticked))
        : hint;
    }
  }

  all.addEventListener("change", function () {
    for (const box of boxes) {
      box.checked = all.checked;
    }
    update();
  });
  for (const box of boxes) {
    box.addEventListener("change", update);
  }
  update();
})();
