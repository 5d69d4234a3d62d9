// School timetable page: follows the solve job (polls its JSON status), moves a lesson by clicking
// it and then a target cell (the server checks with the independent checker and answers with the
// reasons a move is refused), pins lessons, and imports a .fet file.
(function () {
  'use strict';
  const root = document.getElementById('tt');
  if (!root) return;
  const school = root.dataset.school;
  const csrf = root.dataset.csrf;
  const base = '/schools/' + encodeURIComponent(school) + '/timetable';
  const message = document.getElementById('tt-message');
  const say = (text, error, list) => {
    message.hidden = false;
    message.className = error ? 'notice notice-error' : 'notice';
    message.setAttribute('role', error ? 'alert' : 'status');
    message.textContent = text;
    if (list && list.length) {
      const ul = document.createElement('ul');
      for (const item of list) {
        const li = document.createElement('li');
        li.textContent = item;
        ul.appendChild(li);
      }
      message.appendChild(ul);
    }
  };
  // A message kept across the reload that follows a change.
  const kept = sessionStorage.getItem('tt-message');
  if (kept) {
    sessionStorage.removeItem('tt-message');
    try {
      const m = JSON.parse(kept);
      say(m.text, m.error, m.list);
      message.id = m.id || 'tt-message';
    } catch (_) { /* ignore */ }
  }
  const post = async (path, fields) => {
    const body = new URLSearchParams(fields);
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    let json = {};
    try { json = await response.json(); } catch (_) { /* not JSON */ }
    return { ok: response.ok, status: response.status, json };
  };
  const reloadWith = (text, error, list) => {
    sessionStorage.setItem('tt-message', JSON.stringify({ text, error, list }));
    location.reload();
  };

  // Solve progress.
  const bar = document.getElementById('solve-bar');
  const stage = document.getElementById('solve-stage');
  const poll = async () => {
    try {
      const response = await fetch(base + '/status', { headers: { accept: 'application/json' } });
      const s = await response.json();
      if (bar) bar.value = s.percent;
      if (stage) {
        if (s.queued) {
          stage.textContent = root.dataset.msgQueued + ' ' + s.ahead;
        } else {
          let text = s.stopping ? root.dataset.msgStopping : (s.feasible ? root.dataset.msgFeasible : root.dataset.msgSolving);
          text += ' ' + Math.round(s.seconds) + ' / ' + Math.round(s.limit) + ' s (' + s.percent + '%)';
          if (s.feasible && s.soft_penalty !== null) text += ' · ' + root.dataset.msgBest + ' ' + s.soft_penalty.toFixed(2);
          stage.textContent = text;
        }
      }
      if (s.running || s.queued) setTimeout(poll, 500);
      else location.reload();
    } catch (_) {
      setTimeout(poll, 1500);
    }
  };
  if (root.dataset.running === 'true') poll();

  // Moving and pinning.
  if (root.dataset.manage === 'true') {
    const grid = document.getElementById('tt-grid');
    const panel = document.getElementById('tt-move');
    const panelText = document.getElementById('tt-move-text');
    const pinButton = document.getElementById('tt-pin');
    let selected = null;
    const clear = () => {
      if (selected) selected.classList.remove('tt-selected');
      selected = null;
      if (panel) panel.hidden = true;
      if (grid) grid.classList.remove('tt-choosing');
    };
    if (grid) {
      grid.addEventListener('click', async (event) => {
        const lesson = event.target.closest('.tt-lesson');
        if (lesson && (!selected || lesson === selected)) {
          if (lesson === selected) { clear(); return; }
          selected = lesson;
          lesson.classList.add('tt-selected');
          grid.classList.add('tt-choosing');
          panelText.textContent = root.dataset.msgSelected + lesson.querySelector('b').textContent + ' ' +
            lesson.querySelector('.tt-detail').textContent;
          pinButton.textContent = lesson.dataset.pinned === 'true' ? root.dataset.msgUnpin : root.dataset.msgPin;
          panel.hidden = false;
          return;
        }
        const cell = event.target.closest('.tt-cell');
        if (!cell || !selected) return;
        const key = selected.dataset.key;
        const reply = await post('/move', {
          key, day: cell.dataset.day, period: cell.dataset.period, version: root.dataset.version,
        });
        if (reply.ok && reply.json.allowed) {
          const warnings = reply.json.warnings || [];
          const notes = reply.json.notes || [];
          reloadWith(warnings.length ? root.dataset.msgWarning : root.dataset.msgDone, false, notes.concat(warnings));
        } else {
          say(root.dataset.msgRefused, true, reply.json.reasons || [String(reply.status)]);
          message.id = 'tt-message';
          message.dataset.conflict = 'true';
          clear();
        }
      });
    }
    if (pinButton) {
      pinButton.addEventListener('click', async () => {
        if (!selected) return;
        const pinned = selected.dataset.pinned === 'true' ? '0' : '1';
        const reply = await post('/pin', { key: selected.dataset.key, pinned, version: root.dataset.version });
        if (reply.ok) location.reload();
        else say(root.dataset.msgRefused, true, reply.json.reasons || [String(reply.status)]);
      });
    }
    const cancel = document.getElementById('tt-cancel');
    if (cancel) cancel.addEventListener('click', clear);
  }

  // FET import: the file goes as the request body.
  const importForm = document.getElementById('import-form');
  if (importForm) {
    importForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const file = document.getElementById('import-file').files[0];
      const result = document.getElementById('import-result');
      if (!file) return;
      const ignore = document.getElementById('import-ignore-soft').checked ? '1' : '0';
      const response = await fetch(base + '/import?ignore_soft=' + ignore, {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/xml' },
        body: await file.arrayBuffer(),
      });
      let json = {};
      try { json = await response.json(); } catch (_) { /* not JSON */ }
      result.hidden = false;
      if (response.ok) {
        result.className = 'notice';
        result.textContent = root.dataset.msgImported + ' (' + json.activities + ')';
        setTimeout(() => location.reload(), 800);
      } else {
        result.className = 'notice notice-error';
        result.textContent = json.error || String(response.status);
      }
    });
  }
})();
