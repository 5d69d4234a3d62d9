// Paper homework scans: uploads the chosen photos and PDFs one by one into a new batch (each file
// is checked by the server by its content; a refused one is listed and the rest go on), then opens
// the batch report; on the report, polls the batch's status until every page is read.
(function () {
  'use strict';

  function line(list, text, cls) {
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    list.appendChild(li);
    return li;
  }

  async function upload(form) {
    const files = [...document.getElementById('scan-files').files];
    if (files.length === 0) return;
    const list = document.getElementById('upload-list');
    const button = document.getElementById('scan-submit');
    const csrf = form.dataset.csrf;
    button.disabled = true;
    list.textContent = '';
    try {
      const created = await fetch(form.dataset.create, { method: 'POST', headers: { 'x-csrf-token': csrf } });
      if (!created.ok) throw new Error(`HTTP ${created.status}`);
      const batch = await created.json();
      for (const file of files) {
        const item = line(list, `${form.dataset.uploading} ${file.name} …`);
        try {
          const res = await fetch(`${batch.files_url}?name=${encodeURIComponent(file.name)}`, {
            method: 'POST',
            headers: { 'x-csrf-token': csrf, 'content-type': 'application/octet-stream' },
            body: file,
          });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          const done = await res.json();
          item.textContent = `✓ ${file.name} (${done.pages})`;
          item.className = done.failed.length > 0 ? 'upload-warn' : 'upload-ok';
        } catch (e) {
          item.textContent = `✗ ${file.name}: ${form.dataset.failed} (${e.message})`;
          item.className = 'upload-error';
        }
      }
      window.location.assign(batch.report_url);
    } catch (e) {
      line(list, `${form.dataset.failed}: ${e.message}`, 'upload-error');
      button.disabled = false;
    }
  }

  function watch(panel) {
    if (panel.dataset.done === 'true') return;
    const tick = async () => {
      try {
        const res = await fetch(panel.dataset.status, { headers: { accept: 'application/json' } });
        if (res.ok) {
          const s = await res.json();
          const read = s.pages - s.queued;
          const bar = document.getElementById('read-progress');
          bar.max = s.pages;
          bar.value = read;
          document.getElementById('progress-count').textContent = `${read}/${s.pages}`;
          for (const k of ['applied', 'review', 'failed', 'duplicate', 'waiting']) {
            const cell = document.getElementById(`count-${k}`);
            if (cell) cell.textContent = s[k];
          }
          if (s.done) {
            window.location.reload();
            return;
          }
        }
      } catch (e) {
        // The network came and went: try again at the next tick.
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 500);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const form = document.getElementById('scan-upload');
    if (form) {
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        upload(form);
      });
    }
    const panel = document.getElementById('batch-progress');
    if (panel) watch(panel);
  });
})();
