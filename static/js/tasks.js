// The task form: the 管理员 chooses a bureau, and the unit list shows only that bureau's
// units (the server refuses any other). Nothing happens where the bureau is fixed (财政).
(function () {
  "use strict";
  const bureau = document.querySelector("select.task-bureau");
  const units = document.querySelector("select.task-units");
  if (!bureau || !units) {
    return;
  }
  function filter() {
    const chosen = bureau.value;
    for (const option of units.options) {
      const fits = (option.dataset.bureau || "") === chosen;
      option.hidden = !fits;
      if (!fits) {
        option.selected = false;
      }
    }
  }
  bureau.addEventListener("change", filter);
  filter();
})();
