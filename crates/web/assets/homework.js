// The answering page: every change is saved at once (debounced), time is counted per item while
// the page is visible, and nothing is lost when the tab closes or the network drops — unsaved
// answers wait in localStorage and are sent when the page is back (on this or a later visit).
// Submitting flushes them first and carries a key kept across retries, so a repeated click or a
// retry after a lost response submits exactly once.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  const sheet = document.getElementById("answer-sheet");
  if (!sheet) return;
  const student = sheet.dataset.student;
  const homework = sheet.dataset.homework;
  const csrf = sheet.dataset.csrf;
  const base = "/api/v1/students/" + encodeURIComponent(student) + "/homework/" + encodeURIComponent(homework);
  const storeKey = "zj-pending-" + student + "-" + homework;
  const submitKeyName = "zj-submit-" + student + "-" + homework;
  const questions = Array.from(document.querySelectorAll(".question[data-item]"));
  const status = document.getElementById("save-status");
  let current = Math.min(Number(sheet.dataset.position || 0), Math.max(questions.length - 1, 0));
  let allAtOnce = false;
  let activeItem = questions.length ? questions[current].dataset.item : null;
  let activeSince = Date.now();
  const seconds = {}; // unsent seconds per item
  const timers = {};
  let inFlight = 0;

  function pending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function setPending(map) {
    try { localStorage.setItem(storeKey, JSON.stringify(map)); } catch (e) { /* private mode: memory only */ }
  }
  function say(text, cls) {
    if (!status) return;
    status.textContent = text;
    status.className = cls || "";
  }

  function response(q) {
    const type = q.dataset.type;
    const inputs = Array.from(q.querySelectorAll("[name^='ans-']"));
    if (type === "single_choice" || type === "multiple_choice") {
      const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      return { kind: "choices", value: chosen };
    }
    if (type === "true_false") {
      const chosen = inputs.find((i) => i.checked);
      return chosen ? { kind: "true_false", value: chosen.value === "true" } : null;
    }
    if (type === "fill_blank") return { kind: "blanks", value: inputs.map((i) => i.value) };
    return { kind: "text", value: inputs.length ? inputs[0].value : "" };
  }
  function restore(q, r) {
    const inputs = Array.from(q.querySelectorAll("[name^='ans-']"));
    if (!r) return;
    if (r.kind === "choices") inputs.forEach((i) => { i.checked = r.value.indexOf(i.value) >= 0; });
    else if (r.kind === "true_false") inputs.forEach((i) => { i.checked = (i.value === "true") === r.value; });
    else if (r.kind === "blanks") inputs.forEach((i, n) => { i.value = r.value[n] || ""; });
    else if (inputs.length) inputs[0].value = r.value;
  }
  function answered(q) {
    const r = response(q);
    if (!r) return false;
    if (Array.isArray(r.value)) return r.value.some((v) => String(v).trim() !== "");
    return String(r.value).trim() !== "";
  }

  // Time: the item on screen (one by one) or the one last touched (all at once) gets the seconds.
  function tick() {
    if (activeItem && document.visibilityState === "visible") {
      const now = Date.now();
      seconds[activeItem] = (seconds[activeItem] || 0) + (now - activeSince) / 1000;
      activeSince = now;
    } else {
      activeSince = Date.now();
    }
  }
  function activate(itemId) {
    tick();
    activeItem = itemId;
    activeSince = Date.now();
  }
  document.addEventListener("visibilitychange", () => {
    tick();
    if (document.visibilityState === "hidden") flush();
  });

  async function send(itemId, entry) {
    const body = JSON.stringify({ item_id: itemId, response: entry.response, seconds: entry.seconds, position: entry.position });
    const res = await fetch(base + "/answers", {
      method: "PUT", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body, keepalive: body.length < 60000,
    });
    if (res.ok) return true;
    if (res.status >= 400 && res.status < 500) {
      const err = await res.json().catch(() => ({}));
      throw new Error((err.error && err.error.message) || res.status);
    }
    return false;
  }

  // Sends everything waiting; what fails stays waiting.
  async function flush() {
    const map = pending();
    // Oldest first: the server keeps the position of the last save, which must be the newest.
    const ids = Object.keys(map).sort((a, b) => map[a].stamp - map[b].stamp);
    if (!ids.length) return true;
    inFlight++;
    say(sheet.dataset.saving, "saving");
    let ok = true;
    for (const id of ids) {
      const entry = map[id];
      try {
        if (await send(id, entry)) {
          const now = pending();
          if (now[id] && now[id].stamp === entry.stamp) { delete now[id]; setPending(now); }
        } else ok = false;
      } catch (e) {
        if (e instanceof TypeError) { ok = false; break; } // network down
        const now = pending(); delete now[id]; setPending(now);
        say(sheet.dataset.failed + "：" + e.message, "error");
        inFlight--;
        return false;
      }
    }
    inFlight--;
    say(ok ? sheet.dataset.saved : sheet.dataset.offline, ok ? "saved" : "offline");
    return ok;
  }

  // `position` is the question the student is on (the next one, when moving on), so a reopened
  // page resumes where they were rather than on the question they left.
  function queue(q, position) {
    const id = q.dataset.item;
    activate(id);
    tick();
    const map = pending();
    const previous = map[id];
    // Whole seconds go out; the fraction stays for the next save (a keystroke every 0.3 s would
    // otherwise round every piece of time to nothing).
    const secs = Math.floor(seconds[id] || 0);
    seconds[id] = (seconds[id] || 0) - secs;
    map[id] = {
      response: response(q) || { kind: "text", value: "" },
      seconds: (previous ? previous.seconds : 0) + secs,
      position: position === undefined ? (allAtOnce ? Number(q.dataset.index) : current) : position,
      stamp: Date.now() + Math.random(),
    };
    setPending(map);
    clearTimeout(timers[id]);
    timers[id] = setTimeout(flush, 600);
  }

  questions.forEach((q) => {
    q.addEventListener("input", () => queue(q));
    q.addEventListener("change", () => queue(q));
    q.addEventListener("focusin", () => activate(q.dataset.item));
  });

  // Answers left unsaved by an earlier visit are newer than the page: put them back and send them.
  const left = pending();
  questions.forEach((q) => { if (left[q.dataset.item]) restore(q, left[q.dataset.item].response); });
  flush();
  window.addEventListener("online", flush);
  setInterval(() => { if (Object.keys(pending()).length && !inFlight) flush(); }, 5000);

  // One item at a time (phones) or all at once.
  const dots = Array.from(document.querySelectorAll("[data-goto]"));
  function show(index) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach((q, n) => { q.hidden = !allAtOnce && n !== current; });
    dots.forEach((d, n) => {
      d.classList.toggle("current", n === current);
      d.classList.toggle("done", answered(questions[n]));
    });
    const prev = document.getElementById("prev-item");
    const next = document.getElementById("next-item");
    if (prev) prev.hidden = allAtOnce || current === 0;
    if (next) next.hidden = allAtOnce || current === questions.length - 1;
    if (!allAtOnce && questions[current]) activate(questions[current].dataset.item);
  }
  function move(index) {
    // Moving on saves the position, so a reopened page resumes here.
    const q = questions[current];
    const to = Math.max(0, Math.min(questions.length - 1, index));
    if (q && !allAtOnce && to !== current) queue(q, to);
    show(to);
  }
  dots.forEach((d) => d.addEventListener("click", () => move(Number(d.dataset.goto))));
  const prevButton = document.getElementById("prev-item");
  const nextButton = document.getElementById("next-item");
  if (prevButton) prevButton.addEventListener("click", () => move(current - 1));
  if (nextButton) nextButton.addEventListener("click", () => move(current + 1));
  const toggle = document.getElementById("toggle-layout");
  if (toggle) toggle.addEventListener("click", () => {
    allAtOnce = !allAtOnce;
    sheet.classList.toggle("one-by-one", !allAtOnce);
    toggle.textContent = allAtOnce ? toggle.dataset.one : toggle.dataset.all;
    show(current);
  });
  questions.forEach((q) => q.addEventListener("change", () => show(current)));
  show(current);

  const submit = document.getElementById("submit-homework");
  if (submit) submit.addEventListener("click", async () => {
    const missing = questions.filter((q) => !answered(q)).map((q) => q.querySelector(".q-number").textContent);
    const question = (missing.length ? sheet.dataset.unanswered + missing.join("、") + "\n" : "") + sheet.dataset.confirm;
    if (!window.confirm(question)) return;
    submit.disabled = true;
    tick();
    questions.forEach((q) => { if (seconds[q.dataset.item] >= 1) queue(q); });
    await flush();
    let key = localStorage.getItem(submitKeyName);
    if (!key) {
      key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
      localStorage.setItem(submitKeyName, key);
    }
    const map = pending();
    const answers = Object.keys(map).map((id) => ({ item_id: id, response: map[id].response, seconds: map[id].seconds }));
    try {
      const res = await fetch(base + "/submit", {
        method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf, "idempotency-key": key },
        body: JSON.stringify({ key, answers }),
      });
      if (res.ok || res.status === 409) {
        setPending({});
        window.location.reload();
        return;
      }
      const err = await res.json().catch(() => ({}));
      say(sheet.dataset.failed + "：" + ((err.error && err.error.message) || res.status), "error");
    } catch (e) {
      say(sheet.dataset.offline, "offline");
    }
    submit.disabled = false;
  });
})();
