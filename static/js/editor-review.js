// The review inside the sheet editor: the reviewer's open comments on the rows where the clerk
// makes the fix, answered there, and each row's evidence files, attached there. The review
// room draws the panel (GET the URL in #editor-review's data-url); this script puts its general
// block at the top of the editor and each row's block right under its row (matched by the row's
// saved id), keeps it there as rows move, and sends replies, uploads and deletions with fetch,
// drawing the panel again from the answer. Nothing typed here belongs to the sheet's form: its
// fields name no form, and their input events stop here, so they neither mark the sheet as
// changed nor start live scoring.
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  var holder = document.getElementById("editor-review");
  if (!form || !holder) return;
  var body = document.getElementById("rows-body");
  var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;

  // The editor's rows by their saved id.
  function rowsById() {
    var rows = {};
    body.querySelectorAll('tr.indicator-row input[name$="-row_id"]').forEach(function (input) {
      if (input.value) rows[input.value] = input.closest("tr.indicator-row");
    });
    return rows;
  }
  function keepOut(el) {
    ["input", "change"].forEach(function (type) {
      el.addEventListener(type, function (event) { event.stopPropagation(); });
    });
  }
  // Each block under its row; hidden with a removed row; a row with open comments marked.
  function place() {
    var rows = rowsById();
    body.querySelectorAll("tr.review-row").forEach(function (block) {
      var row = rows[block.dataset.rowId];
      if (!row) { block.remove(); return; }
      if (row.nextElementSibling !== block) row.parentNode.insertBefore(block, row.nextElementSibling);
      block.classList.toggle("d-none", row.hidden);
      row.classList.toggle("has-open-comments", block.classList.contains("has-open"));
      var clip = row.querySelector(".js-evidence");
      if (clip) clip.hidden = false;
    });
  }
  function install(html) {
    var holderTemplate = document.createElement("template");
    holderTemplate.innerHTML = html;
    var general = holderTemplate.content.getElementById("editor-review-general");
    if (general) { holder.replaceChildren(general); keepOut(general); }
    holderTemplate.content.querySelectorAll("tr.review-row").forEach(function (block) {
      var old = document.getElementById(block.id);
      if (old) old.replaceWith(block); else body.appendChild(block);
      keepOut(block);
    });
    place();
  }
  function load() {
    return fetch(holder.dataset.url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) install(html); });
  }
  function post(url, data, focusId) {
    data.append("csrfmiddlewaretoken", csrf);
    data.append("in_editor", "1");
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") < 0) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        install(html);
        var next = focusId && document.getElementById(focusId);
        if (next) next.focus();
        var said = document.querySelector(".review-outcome");
        if (said) said.scrollIntoView({ block: "nearest" });
      })
      .catch(function () {
        window.alert(holder.dataset.failed);
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("js-review-reply")) {
      var thread = button.closest(".thread");
      var text = thread.querySelector(".js-review-body");
      var data = new FormData();
      data.append("parent", button.dataset.parent);
      data.append("body", text.value);
      button.disabled = true;
      post(holder.dataset.commentUrl, data, text.id);
    } else if (button.classList.contains("js-review-upload")) {
      var box = button.closest(".upload-box");
      var file = box.querySelector(".js-review-file");
      var upload = new FormData();
      if (file.files.length) upload.append("file", file.files[0]);
      if (button.dataset.indicator) upload.append("indicator", button.dataset.indicator);
      button.disabled = true;
      post(holder.dataset.uploadUrl, upload, file.id);
    } else if (button.classList.contains("js-review-unattach")) {
      var name = button.closest(".evidence").querySelector("a").textContent.trim();
      if (!window.confirm(holder.dataset.confirmDelete.replace("%s", name))) return;
      button.disabled = true;
      post(button.dataset.url, new FormData(), null);
    } else if (button.classList.contains("js-evidence")) {
      var row = button.closest("tr.indicator-row");
      var id = row.querySelector('input[name$="-row_id"]').value;
      var block = document.getElementById("review-row-" + id);
      if (!block) return;
      block.hidden = false;
      var input = block.querySelector(".js-review-file");
      if (input) input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".js-review-jump");
    if (!link) return;
    var block = document.getElementById("review-row-" + link.dataset.rowId);
    if (!block) return;
    event.preventDefault();
    block.scrollIntoView({ block: "center" });
    var reply = block.querySelector(".js-review-body, .js-review-file");
    if (reply) reply.focus({ preventScroll: true });
  });
  form.addEventListener("rows-changed", place);
  load();
})();
