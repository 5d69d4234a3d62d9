// Resumable uploads for the resource form: drag and drop or choose a file, send it in chunks
// with the offset each starts at, show progress, and after a lost connection (or a closed tab,
// within the same browser) ask the server where it stands and continue from there.
(function () {
  "use strict";
  var zone = document.getElementById("dropzone");
  if (!zone) return;
  var input = document.getElementById("file-input");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var hash = document.getElementById("file-hash");
  var save = document.getElementById("save-draft");
  var title = document.querySelector("input[name=title]");
  var type = document.getElementById("resource-type");
  var csrf = zone.dataset.csrf;
  var chunk = parseInt(zone.dataset.chunk, 10) || 4194304;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("upload-failed", !!failed);
  }

  function call(method, url, body, contentType) {
    var headers = { "x-csrf-token": csrf, "accept": "application/json" };
    if (contentType) headers["content-type"] = contentType;
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
      });
  }

  // Where uploads of this file started before, so a reload resumes instead of starting over.
  function key(file) { return "zj-upload:" + file.name + ":" + file.size + ":" + file.lastModified; }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function sendFrom(file, id, offset, attempt) {
    bar.hidden = false;
    bar.value = file.size ? Math.floor((offset / file.size) * 100) : 100;
    if (offset >= file.size) return finish(file, id);
    var end = Math.min(offset + chunk, file.size);
    return call("PUT", "/uploads/" + id + "?offset=" + offset, file.slice(offset, end), "application/octet-stream")
      .then(function (r) {
        if (r.ok) return sendFrom(file, id, r.body.received, 0);
        if (r.status === 409 && typeof r.body.expected_offset === "number") {
          return sendFrom(file, id, r.body.expected_offset, attempt);
        }
        throw r;
      }, function () {
        // The network failed: wait, ask where the upload stands, continue from there.
        if (attempt > 20) throw { body: { message: zone.dataset.failed } };
        say(zone.dataset.resuming);
        return sleep(Math.min(1000 * (attempt + 1), 10000))
          .then(function () { return call("GET", "/uploads/" + id); })
          .then(function (r) {
            if (!r.ok) throw r;
            return sendFrom(file, id, r.body.received, attempt + 1);
          }, function () { return sendFrom(file, id, offset, attempt + 1); });
      });
  }

  function finish(file, id) {
    return call("POST", "/uploads/" + id + "/finish").then(function (r) {
      if (!r.ok) throw r;
      localStorage.removeItem(key(file));
      hash.value = r.body.sha256;
      bar.value = 100;
      say(zone.dataset.done + "：" + r.body.file_name + "（" + Math.ceil(r.body.size / 1024) + " KB）");
      if (title && !title.value) title.value = file.name.replace(/\.[^.]+$/, "");
      if (type && r.body.media_type.indexOf("video/") === 0) type.value = "micro_lesson";
      save.disabled = false;
    });
  }

  function upload(file) {
    save.disabled = true;
    hash.value = "";
    say(zone.dataset.waiting + "：" + file.name);
    var known = localStorage.getItem(key(file));
    var start = known
      ? call("GET", "/uploads/" + known).then(function (r) { return r.ok ? { id: known, received: r.body.received } : null; })
      : Promise.resolve(null);
    start
      .then(function (resumed) {
        if (resumed) return resumed;
        return call("POST", "/uploads", JSON.stringify({ file_name: file.name, size: file.size }), "application/json")
          .then(function (r) {
            if (!r.ok) throw r;
            localStorage.setItem(key(file), r.body.id);
            return { id: r.body.id, received: 0 };
          });
      })
      .then(function (u) { return sendFrom(file, u.id, u.received, 0); })
      .catch(function (r) {
        localStorage.removeItem(key(file));
        save.disabled = false;
        say(zone.dataset.failed + "：" + ((r && r.body && r.body.message) || ""), true);
      });
  }

  input.addEventListener("change", function () { if (input.files[0]) upload(input.files[0]); });
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("dragging");
    if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0]);
  });
})();
