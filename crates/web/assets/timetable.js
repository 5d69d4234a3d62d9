// School timetable page: follows the solve job (polls its JSON status), moves or exchanges a lesson
// by clicking it (the grid then shows where it can go) and then a target cell (the server checks
// with the independent checker and answers with the reasons a change is refused), pins lessons,
// and imports a .fet file.
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

  // Moving, exchanging and pinning. Selecting a lesson asks the server what every period would
  // allow and marks the grid: green takes it as it is, blue exchanges it with the lesson there,
  // grey cannot (the cell's title says why).
  if (root.dataset.manage === 'true') {
    const grid = document.getElementById('tt-grid');
    const panel = document.getElementById('tt-move');
    const panelText = document.getElementById('tt-move-text');
    const optionsText = document.getElementById('tt-options');
    const pinButton = document.getElementById('tt-pin');
    const d = root.dataset;
    let selected = null;
    let options = new Map();
    const unmark = () => {
      options = new Map();
      if (!grid) return;
      for (const cell of grid.querySelectorAll('.tt-cell')) {
        cell.classList.remove('tt-opt-move', 'tt-opt-swap', 'tt-opt-refused', 'tt-opt-warn');
        cell.removeAttribute('title');
        delete cell.dataset.option;
      }
    };
    const clear = () => {
      if (selected) selected.classList.remove('tt-selected');
      selected = null;
      unmark();
      if (panel) panel.hidden = true;
      if (grid) grid.classList.remove('tt-choosing');
    };
    const mark = async (lesson) => {
      optionsText.textContent = d.msgLoading;
      let json = null;
      try {
        const query = new URLSearchParams({ key: lesson.dataset.key, version: d.version });
        const response = await fetch(base + '/options?' + query, { headers: { accept: 'application/json' } });
        json = await response.json();
        if (!response.ok) throw new Error((json.reasons || [String(response.status)]).join('; '));
      } catch (error) {
        if (selected === lesson) optionsText.textContent = String(error.message || error);
        return;
      }
      if (selected !== lesson) return; // another lesson was selected meanwhile
      let moves = 0;
      let swaps = 0;
      for (const o of json.options) {
        options.set(o.day + '/' + o.period, o);
        const cell = document.getElementById('tt-cell-' + o.day + '-' + o.period);
        if (!cell) continue;
        cell.dataset.option = o.kind;
        cell.classList.add('tt-opt-' + o.kind);
        if (o.kind === 'move') {
          moves += 1;
          cell.title = d.msgOptMove;
        } else if (o.kind === 'swap') {
          swaps += 1;
          cell.title = d.msgOptSwap.replace('{}', o.with.join('、'));
        } else {
          cell.title = d.msgOptRefused + '：' + o.reasons.join('；');
        }
        if (o.kind !== 'refused' && o.warnings.length) {
          cell.classList.add('tt-opt-warn');
          cell.title += '（' + o.warnings.join('；') + '）';
        }
      }
      optionsText.textContent = d.msgCount.replace('{move}', moves).replace('{swap}', swaps);
    };
    if (grid) {
      grid.addEventListener('click', async (event) => {
        const lesson = event.target.closest('.tt-lesson');
        if (lesson && (!selected || lesson === selected)) {
          if (lesson === selected) { clear(); return; }
          selected = lesson;
          lesson.classList.add('tt-selected');
          grid.classList.add('tt-choosing');
          panelText.textContent = d.msgSelected + lesson.querySelector('b').textContent + ' ' +
            lesson.querySelector('.tt-detail').textContent;
          pinButton.textContent = lesson.dataset.pinned === 'true' ? d.msgUnpin : d.msgPin;
          panel.hidden = false;
          mark(lesson);
          return;
        }
        const cell = event.target.closest('.tt-cell');
        if (!cell || !selected) return;
        const option = options.get(cell.dataset.day + '/' + cell.dataset.period);
        const swap = Boolean(option && option.kind === 'swap');
        const reply = await post('/move', {
          key: selected.dataset.key, day: cell.dataset.day, period: cell.dataset.period,
          version: d.version, swap: String(swap),
        });
        if (reply.ok && reply.json.allowed) {
          const warnings = reply.json.warnings || [];
          const notes = reply.json.notes || [];
          const done = swap ? d.msgSwapDone : d.msgDone;
          reloadWith(warnings.length ? d.msgWarning : done, false, notes.concat(warnings));
        } else {
          say(d.msgRefused, true, reply.json.reasons || [String(reply.status)]);
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
        const reply = await post('/pin', { key: selected.dataset.key, pinned, version: d.version });
        if (reply.ok) location.reload();
        else say(d.msgRefused, true, reply.json.reasons || [String(reply.status)]);
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
