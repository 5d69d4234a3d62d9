// Paper homework as a teacher without a scanner tries it in the demo: assign a homework answered on
// paper, download the class's answer sheets, download the demo's simulated filled-and-scanned
// sheets, upload them (with a stray text file), watch the batch being read, read the batch report,
// resolve the sheet with an unclear mark in the review queue, and see the class graded on the
// report page, the written answers cut out on the marking page. Pages are checked at 375 px and
// photographed.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BASE, PHONE, harness, shot, assertFits, clickAndWait } from './harness.mjs';

const { as, noProblems, onPhone } = harness();

const TITLE = `纸质练习 ${new Date().toISOString().slice(11, 19)}`;

let tmp;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'zj-scans-'));
});

/** Clicks a download link and returns the downloaded bytes. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const saved = path.join(tmp, file.suggestedFilename());
  await file.saveAs(saved);
  return { saved, bytes: await readFile(saved) };
}

test('paper homework: print, upload scans, review, graded', async (t) => {
  let teacher;
  let homeworkPath;
  let scansPath;
  let filledPath;
  let appliedCount = 0;

  await t.test('the teacher assigns a homework answered on paper', async () => {
    teacher = await as('teacher');
    await teacher.goto(`${BASE}/homework/new`);
    await teacher.fill('input[name=title]', TITLE);
    await teacher.selectOption('select[name=subject]', 'chinese');
    await teacher.selectOption('select[name=mode]', 'paper');
    await teacher.locator('label.check:has-text("七年级(1)班") input').check();
    await teacher.fill('input[name=count]', '6');
    await teacher.fill('input[name=target_minutes]', '15');
    await clickAndWait(teacher, '#autopick');
    assert.ok(await teacher.locator('.chosen-item').count() >= 3, 'auto-pick added items');
    assert.equal(await teacher.inputValue('select[name=mode]'), 'paper', 'the mode survives the round trip');
    await clickAndWait(teacher, '#assign');
    if (await teacher.locator('#over-limit').count() > 0) {
      await teacher.check('input[name=confirm_over_limit]');
      await clickAndWait(teacher, '#assign');
    }
    homeworkPath = new URL(teacher.url()).pathname;
    assert.match(homeworkPath, /^\/homework\/[^/]+$/);
    noProblems();
  });

  await t.test('the report links the answer sheets; the class sheets and the demo scans download', async () => {
    await teacher.goto(`${BASE}${homeworkPath}`);
    await clickAndWait(teacher, '#scans-link');
    scansPath = new URL(teacher.url()).pathname;
    assert.equal(scansPath, `${homeworkPath}/scans`);
    await shot(teacher, '60-scans-page');
    const sheets = await download(teacher, '#sheets-pdf');
    assert.equal(sheets.bytes.subarray(0, 5).toString(), '%PDF-', 'the class sheets are a PDF');
    const filled = await download(teacher, '#demo-filled');
    assert.equal(filled.bytes.subarray(0, 5).toString(), '%PDF-', 'the demo scans are a PDF');
    filledPath = filled.saved;
    await onPhone(teacher, scansPath, '60b-scans-page-phone');
    noProblems();
  });

  await t.test('the teacher uploads the scans and a stray file, and watches them being read', async () => {
    assert.ok(filledPath, 'the demo scans were downloaded');
    const stray = path.join(tmp, '备忘.txt');
    await writeFile(stray, '这不是答题卡');
    await teacher.goto(`${BASE}${scansPath}`);
    await teacher.setInputFiles('#scan-files', [filledPath, stray]);
    await Promise.all([teacher.waitForURL(/\/scans\/sb-[^/]+$/, { timeout: 120000 }), teacher.click('#scan-submit')]);
    await teacher.waitForSelector('#read-progress');
    await shot(teacher, '61-batch-reading');
    await teacher.waitForFunction(() => document.getElementById('batch-progress')?.dataset.done === 'true', null, { timeout: 300000 });
    assert.match(await teacher.locator('#progress-text').innerText(), /识别完成/);
    const applied = Number(await teacher.locator('#count-applied').innerText());
    const review = Number(await teacher.locator('#count-review').innerText());
    const failed = Number(await teacher.locator('#count-failed').innerText());
    assert.ok(applied >= 10, `most sheets were graded (${applied})`);
    assert.ok(review >= 1, 'the unclear mark waits for the teacher');
    assert.equal(failed, 1, 'the text file failed, alone');
    assert.match(await teacher.locator('tr.scan-failed').innerText(), /备忘\.txt[\s\S]*不是图片或扫描 PDF/);
    await shot(teacher, '62-batch-report');
    await onPhone(teacher, new URL(teacher.url()).pathname, '62b-batch-report-phone');
    appliedCount = applied;
    noProblems();
  });

  await t.test('the teacher resolves the unclear mark in the review queue', async () => {
    await clickAndWait(teacher, '#review-link');
    const card = teacher.locator('.review-card').first();
    await card.locator('img.scan-crop').first().waitFor();
    const loaded = await card.locator('img.scan-crop').first().evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.ok(loaded, 'the crop of the unclear mark is shown');
    await shot(teacher, '63-review');
    await onPhone(teacher, new URL(teacher.url()).pathname, '63b-review-phone');
    // The teacher looks at the crop and decides; here: the first option offered for each item.
    for (const item of await card.locator('fieldset.review-item').all()) {
      const radio = item.locator('input[type=radio]').first();
      if (await radio.count() > 0) await radio.check();
      const box = item.locator('input[type=checkbox]').first();
      if (await box.count() > 0) await box.check();
      const number = item.locator('input[inputmode=numeric]');
      if (await number.count() > 0) await number.fill('0');
    }
    if (await card.locator('select[name=student]').count() > 0) {
      await card.locator('select[name=student]').selectOption({ index: 1 });
    }
    await Promise.all([teacher.waitForNavigation(), card.locator('button.resolve').click()]);
    assert.match(await teacher.locator('#review-notice').innerText(), /已确认/);
    await shot(teacher, '64-review-resolved');
    noProblems();
  });

  await t.test('the class is graded on the report page; written answers are on the marking page', async () => {
    await teacher.goto(`${BASE}${homeworkPath}`);
    const submitted = Number(await teacher.locator('#submitted-count').innerText());
    assert.ok(submitted >= appliedCount + 1, `the scanned sheets were handed in (${submitted})`);
    await shot(teacher, '65-report-graded');
    await teacher.goto(`${BASE}${homeworkPath}/mark`);
    if (await teacher.locator('#scan-answer').count() > 0) {
      const loaded = await teacher.locator('#scan-answer').evaluate((img) => img.complete && img.naturalWidth > 0);
      assert.ok(loaded, 'the written answer is shown as cut from the sheet');
      await shot(teacher, '66-marking-scan');
    } else {
      console.log('note: the auto-picked items have no written answer box; nothing to mark from the scans');
    }
    noProblems();
  });
});
