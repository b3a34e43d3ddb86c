// The sheet editor's 金额单位: choosing 元 or 万元 converts the typed amounts (the decimal point
// moved four places, exactly, on the text), so what is stored stays the same. The hidden
// amount_unit_shown says which unit the amounts are typed in; the server reads them in that
// unit, so without this script (or when an amount cannot be read) nothing is re-read in the
// other unit. docs/rules.md, "Amounts and units".
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var select = form.querySelector("select.js-amount-unit");
  var shown = form.querySelector('input[name="amount_unit_shown"]');
  var label = document.getElementById("funds-label");
  if (!select || !shown) return;

  // "387664.62" shifted by -4 is "38.766462"; by +4 back again. null when not a plain amount.
  function shift(text, places) {
    var t = text.replace(/[,，\s]/g, "");
    if (t === "") return "";
    var m = /^(\d*)(?:\.(\d*))?$/.exec(t);
    if (!m || (m[1] === "" && !m[2])) return null;
    var whole = m[1] || "0";
    var frac = m[2] || "";
    if (places > 0) {
      while (frac.length < places) frac += "0";
      whole += frac.slice(0, places);
      frac = frac.slice(places);
    } else {
      var k = -places;
      while (whole.length <= k) whole = "0" + whole;
      frac = whole.slice(whole.length - k) + frac;
      whole = whole.slice(0, whole.length - k);
    }
    whole = whole.replace(/^0+(?=\d)/, "");
    frac = frac.replace(/0+$/, "");
    return frac ? whole + "." + frac : whole;
  }

  select.addEventListener("change", function () {
    var from = shown.value || select.dataset.previous;
    var to = select.value;
    if (!from || from === to) return;
    var places = to === "yuan" ? 4 : -4;
    var inputs = form.querySelectorAll("input.js-amount");
    var converted = [];
    for (var i = 0; i < inputs.length; i++) {
      var value = shift(inputs[i].value, places);
      if (value === null) return; // an amount that cannot be read: convert none of them
      converted.push(value);
    }
    inputs.forEach(function (input, j) { input.value = converted[j]; });
    shown.value = to;
    if (label && label.dataset["label" + to.charAt(0).toUpperCase() + to.slice(1)]) {
      label.textContent = label.dataset["label" + to.charAt(0).toUpperCase() + to.slice(1)];
    }
  });
})();
