// The resource library as a newcomer meets it in the demo: a teacher uploads a courseware PDF
// (choosing the file) and a micro-lesson video (dragging it in), submits both; the principal and
// the district's 教研员 approve them in their review queues; a colleague finds them by a Chinese
// word of the title, previews the PDF and plays the video seeking to the middle; and a real
// GAOKAO question is found by a phrase of its stem with its math rendered (when ../shared/data
// was imported by scripts/e2e.sh; otherwise a demo-bank item stands in, and the test says so).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, harness, shot } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VIDEO = path.join(HERE, '..', 'crates', 'interop', 'tests', 'fixtures', 'tiny.mp4');
const GAOKAO = path.join(HERE, '..', '..', 'shared', 'data', 'gaokao-bench', 'Objective_Questions', '2010-2022_History_MCQs.json.gz');
const COURSEWARE = '《分数的初步认识》课件';
const LESSON = '分数微课：认识几分之一';

const { as } = harness({ args: ['--autoplay-policy=no-user-gesture-required'] });

/** A small but real PDF. */
function pdfBytes() {
  const body = '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
    + '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'
    + '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n'
    + 'trailer << /Root 1 0 R >>\n%%EOF\n';
  return Buffer.from(body, 'latin1');
}

async function waitUploaded(page) {
  await page.waitForFunction(() => document.getElementById('file-hash').value.length === 64, null, { timeout: 30000 });
  assert.match(await page.locator('#upload-status').innerText(), /上传完成/);
}

async function submitDraft(page) {
  await Promise.all([page.waitForURL(/\/resources\/res-/), page.click('#save-draft')]);
  assert.match(await page.locator('.state').first().innerText(), /草稿/);
  await Promise.all([page.waitForURL(/\/resources\/res-/), page.click('button[data-step=submit]')]);
  assert.match(await page.locator('.state').first().innerText(), /待学校审核/);
  return new URL(page.url()).pathname;
}

async function approveFromQueue(page, title) {
  await page.goto(`${BASE}/review`);
  await Promise.all([page.waitForURL(/\/resources\//), page.click(`text=${title}`)]);
  await Promise.all([page.waitForURL(/\/review$/), page.click('button[data-step=approve]')]);
}

test('upload, review, find by a Chinese word, preview and play seeking to the middle', async () => {
  const teacher = await as('teacher');
  await teacher.goto(`${BASE}/library`);
  await teacher.click('text=上传资源');
  await teacher.locator('#file-input').setInputFiles({ name: '分数的初步认识.pdf', mimeType: 'application/pdf', buffer: pdfBytes() });
  await waitUploaded(teacher);
  await teacher.fill('input[name=title]', COURSEWARE);
  await teacher.selectOption('select[name=subject]', 'math');
  await teacher.selectOption('select[name=grade]', '3');
  await teacher.check('input[name=scope][value=school]');
  await shot(teacher, '30-upload-courseware');
  const coursewarePath = await submitDraft(teacher);

  // The video is dragged onto the drop zone, as a teacher would from their desktop.
  await teacher.goto(`${BASE}/resources/new`);
  const video = (await readFile(VIDEO)).toString('base64');
  await teacher.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], '分数微课.mp4', { type: 'video/mp4' }));
    document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, video);
  await waitUploaded(teacher);
  assert.equal(await teacher.locator('#resource-type').inputValue(), 'micro_lesson', 'a video makes it a micro-lesson');
  await teacher.fill('input[name=title]', LESSON);
  await teacher.check('input[name=scope][value=district]');
  const lessonPath = await submitDraft(teacher);

  const principal = await as('principal');
  await approveFromQueue(principal, COURSEWARE);
  await approveFromQueue(principal, LESSON);
  const researcher = await as('researcher');
  await researcher.goto(`${BASE}${lessonPath}`);
  assert.match(await researcher.locator('.state').first().innerText(), /待区级审核/, 'the school passed it on');
  await researcher.goto(`${BASE}/review`);
  await shot(researcher, '31-review-queue-researcher');
  await approveFromQueue(researcher, LESSON);

  // A colleague at the school finds both by a word inside the titles.
  await principal.goto(`${BASE}/library?q=${encodeURIComponent('分数')}`);
  const results = await principal.locator('.hits').innerText();
  assert.ok(results.includes(COURSEWARE) && results.includes(LESSON), results);
  await shot(principal, '32-search-fenshu');
  await Promise.all([principal.waitForURL(new RegExp(coursewarePath)), principal.click(`.hits a:has-text("${COURSEWARE}")`)]);
  const frame = principal.locator('iframe.pdf-preview');
  assert.equal(await frame.count(), 1, 'the PDF is previewed in the page');
  const fileResponse = await principal.request.get(`${BASE}${await frame.getAttribute('src')}`);
  assert.equal(fileResponse.headers()['content-type'], 'application/pdf');

  // The video plays in the page and seeks to the middle (served in byte ranges).
  await principal.goto(`${BASE}${lessonPath}`);
  const seeked = await principal.evaluate(async () => {
    const v = document.getElementById('player');
    v.muted = true;
    if (v.readyState < 1) await new Promise((ok, fail) => { v.onloadedmetadata = ok; v.onerror = () => fail(new Error('video error')); });
    const middle = v.duration / 2;
    await new Promise((ok) => { v.onseeked = ok; v.currentTime = middle; });
    return { duration: v.duration, at: v.currentTime, error: v.error && v.error.code };
  });
  assert.equal(seeked.error, null);
  assert.ok(seeked.duration > 2 && Math.abs(seeked.at - seeked.duration / 2) < 0.6, JSON.stringify(seeked));
  assert.match(await principal.locator('main').innerText(), /符合微课标准/);
  await shot(principal, '33-micro-lesson');

  // Another school's teacher never sees this school's school-scoped courseware.
  const phone = await as('parent', { width: 375, height: 812 });
  assert.equal((await phone.goto(`${BASE}/library`)).status(), 403, 'parents have no library');
});

test('a real exam question is found by a phrase of its stem, with its math rendered', async () => {
  const page = await as('teacher', { width: 375, height: 812 });
  let phrase;
  let expected;
  if (existsSync(GAOKAO)) {
    const bank = JSON.parse(gunzipSync(await readFile(GAOKAO)).toString('utf8'));
    const first = bank.example[0];
    phrase = first.question.match(/[\u4e00-\u9fff]{6,}/)[0].slice(0, 10);
    expected = `2010-2022_History_MCQs#${first.index}`;
  } else {
    console.log('skipped the GAOKAO part: ../shared/data is absent; searching the demo bank instead');
    await page.goto(`${BASE}/library?tab=items`);
    const title = await page.locator('.hit-title').first().innerText();
    phrase = title.match(/[\u4e00-\u9fff]{4,}/)[0].slice(0, 6);
  }
  await page.goto(`${BASE}/library?tab=items&q=${encodeURIComponent(phrase)}`);
  const hits = await page.locator('.hits').innerText();
  if (expected) assert.ok(hits.includes(expected), `"${phrase}" should find ${expected}:\n${hits}`);
  await shot(page, '34-search-gaokao-phone');
  // Nothing sticks out of the phone's width (a long id included), not just the document.
  const overflow = await page.evaluate(() => Math.max(document.documentElement.scrollWidth,
    ...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)) - window.innerWidth);
  assert.ok(overflow <= 1, `the search page is ${overflow}px wider than the phone`);
  await page.goto(`${BASE}/library?tab=items&q=${encodeURIComponent('已知集合')}`);
  if (existsSync(GAOKAO)) {
    await Promise.all([page.waitForURL(/\/items\//), page.locator('.hit-title').first().click()]);
    await page.waitForSelector('.katex', { timeout: 10000 });
    assert.ok(await page.locator('.katex').count() > 0, 'LaTeX is rendered by KaTeX');
    await shot(page, '35-item-katex-phone');
  }
});
