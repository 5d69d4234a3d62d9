// The learning engine as people meet it on the small demo (which starts with a simulated term of
// marked math homework and fits the models at start): the student reads their mastery on a phone,
// the parent reads the child's; the teacher opens the class heatmap from a past homework's report
// and assigns follow-ups whose weak points come from mastery; district staff start a refit, watch
// its progress and read the new fit's figures. Phone pages are checked to fit 375 px and
// photographed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, harness, shot, assertFits, clickAndWait, chartsDrawn } from './harness.mjs';

const { as, noProblems } = harness();

/** Reloads until the start-up fit has produced estimates (it runs in the background). */
async function untilFitted(page) {
  for (let i = 0; i < 60 && (await page.locator('#no-model').count()) > 0; i += 1) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.equal(await page.locator('#no-model').count(), 0, 'the models were fitted at start');
}

test('mastery on a phone, the class heatmap, mastery-based follow-ups and a refit', async (t) => {
  await t.test('the student reads their mastery on a phone', async () => {
    const student = await as('student', PHONE);
    const home = await student.locator('nav.site-nav a[href^="/students/"]').first().getAttribute('href');
    await student.goto(`${BASE}${home}`);
    await clickAndWait(student, '#mastery-link');
    assert.match(new URL(student.url()).pathname, /^\/students\/[^/]+\/mastery$/);
    await untilFitted(student);
    const rows = await student.locator('.mastery-table tbody tr').count();
    assert.ok(rows >= 3, `${rows} knowledge points estimated`);
    const levels = await student.locator('.level-tag').allInnerTexts();
    assert.ok(levels.every((l) => ['已掌握', '基本掌握', '待加强'].includes(l)), levels.join(','));
    // Weakest first within each subject: a table's percentages never go down.
    const tables = await student.locator('.mastery-table').evaluateAll((ts) => ts.map((t) =>
      [...t.querySelectorAll('tbody tr td:nth-child(2)')].map((td) => parseInt(td.textContent, 10))));
    for (const percents of tables) assert.deepEqual(percents, [...percents].sort((a, b) => a - b));
    await chartsDrawn(student);
    await assertFits(student, 'student mastery');
    await shot(student, '70-mastery-student-phone');
    await student.context().close();
    noProblems();
  });

  await t.test('the parent reads the child’s mastery on a phone', async () => {
    const parent = await as('parent', PHONE);
    const home = await parent.locator('nav.site-nav a[href^="/students/"]').first().getAttribute('href');
    await parent.goto(`${BASE}${home}`);
    await clickAndWait(parent, '#mastery-link');
    await untilFitted(parent);
    assert.ok((await parent.locator('.mastery-table tbody tr').count()) >= 3);
    await chartsDrawn(parent);
    await assertFits(parent, 'parent mastery');
    await shot(parent, '71-mastery-parent-phone');
    await parent.context().close();
    noProblems();
  });

  await t.test('the teacher reads the class heatmap and assigns mastery-based follow-ups', async () => {
    const teacher = await as('teacher');
    await teacher.goto(`${BASE}/homework`);
    // The latest past homework of the demo term (titles 数学练习 第N次).
    const past = teacher.locator('a', { hasText: '数学练习 第8次' }).first();
    await Promise.all([teacher.waitForNavigation(), past.click()]);
    const report = new URL(teacher.url()).pathname;
    await clickAndWait(teacher, '#class-mastery');
    assert.match(new URL(teacher.url()).pathname, /^\/classes\/[^/]+\/mastery$/);
    await teacher.waitForSelector('#mastery-matrix');
    const students = await teacher.locator('#mastery-matrix tbody tr').count();
    assert.ok(students >= 10, `${students} rows (the class mean and the students)`);
    await chartsDrawn(teacher);
    await shot(teacher, '72-class-heatmap');

    await teacher.goto(`${BASE}${report}/follow-ups`);
    assert.match(await teacher.locator('#followup-basis').innerText(), /学习模型估计的掌握度/);
    await shot(teacher, '73-follow-ups-mastery');
    const assignAll = teacher.locator('#assign-all');
    assert.ok(await assignAll.isEnabled(), 'some students have weak points to follow up');
    await clickAndWait(teacher, '#assign-all');
    if (await teacher.locator('input[name=confirm_over_limit]').count() > 0) {
      await teacher.check('input[name=confirm_over_limit]');
      await clickAndWait(teacher, '#assign-all');
    }
    assert.match(new URL(teacher.url()).pathname, /^\/homework\/[^/]+$/);
    assert.notEqual(new URL(teacher.url()).pathname, report);
    await teacher.context().close();
    noProblems();
  });

  await t.test('district staff refit and read the progress and the figures', async () => {
    const admin = await as('admin');
    await clickAndWait(admin, 'nav.site-nav a[href="/learn"]');
    await admin.waitForSelector('#fit-responses');
    const before = await admin.locator('#fit-responses').innerText();
    assert.ok(parseInt(before.replace(/,/g, ''), 10) > 1000, `responses of the start-up fit: ${before}`);
    await shot(admin, '74-learn-before');
    await clickAndWait(admin, '#refit');
    // Either the job is still running (progress shown, the page refreshes itself) or it is done.
    if (await admin.locator('#refit-progress').count() > 0) {
      assert.match(await admin.locator('#refit-stage').innerText(), /正在拟合/);
      await shot(admin, '75-learn-progress');
    }
    await admin.waitForSelector('#refit-done', { timeout: 60000 });
    assert.match(await admin.locator('#fit-auc').innerText(), /^0\.\d{3}$/);
    assert.ok(Number(await admin.locator('#fit-seconds').innerText()) > 0);
    assert.ok(parseInt((await admin.locator('#fit-kps').innerText()).replace(/,/g, ''), 10) >= 3);
    await shot(admin, '76-learn-after');
    await admin.context().close();
    noProblems();
  });
});
