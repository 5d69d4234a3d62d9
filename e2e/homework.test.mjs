// The homework loop as a class lives it: the head teacher composes a homework (auto-pick plus a
// searched short-answer item) and assigns it; one student answers on a phone, closes the page
// midway and comes back to find the answers kept and the page where they left it, then submits;
// a classmate submits; the teacher marks the subjective answers by ticking rubric points (评分要点,
// written while composing) with the number keys, releases the results, reads the
// charts and assigns the targeted follow-ups; the parent sees the score, the teacher's comment and
// the 错题本 on a phone. Every phone page is checked to fit 375 px, and photographed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, harness, shot, assertFits, clickAndWait } from './harness.mjs';

const { as, noProblems, onPhone, watch } = harness({ timeout: 15000 });
// Unique per run: the test files share one server and may run against it more than once.
const TITLE = `修辞与古诗练习 ${new Date().toISOString().slice(11, 19)}`;
const ITEM_COMMENT = '比喻找对了，表达效果再写具体些。';
const WHOLE_COMMENT = '完成认真，注意审题。';
const RUBRIC = [['指出比喻的修辞手法', '3'], ['说明表达效果', '2']];

/** Writes the rubric of the first short-answer item: 5 points in two scoring points. */
async function writeRubric(page, rows) {
  const item = page.locator('.chosen-item[data-type="short_answer"]').first();
  await item.locator('input[name^="points:"]').fill('5');
  const texts = item.locator('input[name^="rubric_text:"]');
  const points = item.locator('input[name^="rubric_points:"]');
  assert.ok(await texts.count() >= 2, 'a prefilled point and an empty row to add one');
  assert.notEqual(await texts.first().inputValue(), '', 'the rubric is prefilled');
  // Rows beyond those written are cleared, which removes them.
  for (let k = 0; k < await texts.count(); k += 1) {
    await texts.nth(k).fill(rows[k] ? rows[k][0] : '');
    await points.nth(k).fill(rows[k] ? rows[k][1] : '');
  }
}

/** Answers the question on screen as a student would, by its type. */
async function answerShown(page) {
  const q = page.locator('.question:not([hidden])');
  const type = await q.getAttribute('data-type');
  if (type === 'single_choice' || type === 'multiple_choice' || type === 'true_false') {
    await q.locator('label.option').first().click();
  } else if (type === 'fill_blank') {
    for (const input of await q.locator('input.blank').all()) await input.fill('白日依山尽');
  } else {
    await q.locator('textarea').fill('运用了比喻的修辞手法，把春天比作娃娃，写出了春天的新鲜和生机。');
  }
  return { index: Number(await q.getAttribute('data-index')), item: await q.getAttribute('data-item'), type };
}

/** What the page shows as the answer to question `index` (checked options or typed text). */
async function shownAnswer(page, index) {
  return page.locator(`.question[data-index="${index}"]`).evaluate((q) => {
    const inputs = [...q.querySelectorAll("[name^='ans-']")];
    return inputs.map((i) => (i.type === 'radio' || i.type === 'checkbox' ? (i.checked ? i.value : '') : i.value)).join('|');
  });
}

/** Waits until every answer left in the browser has reached the server. */
async function waitSaved(page) {
  await page.waitForFunction(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('zj-pending-'))
    .every((k) => localStorage.getItem(k) === '{}'), null, { timeout: 15000 });
  await page.waitForSelector('#save-status.saved');
}

/** This run's homework in a student's list: its title exactly, not the 靶向作业 · … follow-up. */
function card(page) {
  const exact = new RegExp(`^${TITLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.locator('.hw-card').filter({ has: page.locator('.hw-title', { hasText: exact }) });
}

/** Opens this run's homework from the student's own list (the 作业 link in the menu). */
async function openFromList(page) {
  await page.goto(`${BASE}/`);
  await clickAndWait(page, '.site-nav a:has-text("作业")');
  assert.match(new URL(page.url()).pathname, /^\/students\/[^/]+\/homework$/);
  await Promise.all([page.waitForNavigation(), card(page).locator('a.button').click()]);
  await page.waitForSelector('#answer-sheet');
}

/** Answers every question not yet answered, moving on with 下一题, then submits (accepting the
 * confirmation) and waits for the submitted page. */
async function answerRestAndSubmit(page) {
  const count = await page.locator('.question').count();
  for (;;) {
    const q = page.locator('.question:not([hidden])');
    const index = Number(await q.getAttribute('data-index'));
    if ((await shownAnswer(page, index)).replace(/\|/g, '') === '') await answerShown(page);
    if (index === count - 1) break;
    await page.click('#next-item');
  }
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForNavigation(), page.click('#submit-homework')]);
  await page.waitForSelector('#notice');
  assert.equal(await page.locator('#answer-sheet').count(), 0, 'a submitted homework is no longer answerable');
  assert.match(await page.locator('#state').innerText(), /已提交/);
}

test('the homework loop: assign, answer with a break, submit, mark, release, follow up, home', async (t) => {
  let homeworkPath;
  let teacher;
  let subjective = false;

  await t.test('the head teacher composes and assigns a homework', async () => {
    teacher = await as('teacher');
    await teacher.goto(`${BASE}/`);
    await clickAndWait(teacher, '.site-nav a:has-text("作业")');
    assert.equal(new URL(teacher.url()).pathname, '/homework');
    await shot(teacher, '40-homework-list-teacher');
    await clickAndWait(teacher, 'a[href="/homework/new"]');
    await teacher.fill('input[name=title]', TITLE);
    await teacher.selectOption('select[name=subject]', 'chinese');
    await teacher.locator('label.check:has-text("七年级(1)班") input').check();
    // A subjective item (解答题) the teacher will mark by hand, found by searching the bank.
    await teacher.fill('input[name=q]', '修辞手法');
    await clickAndWait(teacher, '.search-box button');
    const open = teacher.locator('.hits li[data-type="short_answer"] button[name=op][value^="add:"]');
    if (await open.count() > 0) {
      await clickAndWait(teacher, `.hits li[data-type="short_answer"] button[name=op][value^="add:"] >> nth=0`);
      subjective = true;
    } else {
      console.log('note: the demo bank has no short-answer 语文 item for grade 7; the teacher marks an objective item instead');
    }
    await teacher.fill('input[name=count]', '4');
    await teacher.fill('input[name=target_minutes]', '15');
    await clickAndWait(teacher, '#autopick');
    const chosen = await teacher.locator('.chosen-item').count();
    assert.ok(chosen >= 3, `auto-pick added items (${chosen} chosen)`);
    assert.equal(await teacher.inputValue('input[name=title]'), TITLE, 'the draft survives each round trip');
    assert.ok(await teacher.locator('label.check:has-text("七年级(1)班") input').isChecked());
    if (subjective) {
      assert.ok(await teacher.locator('.chosen-item[data-type="short_answer"]').count() >= 1);
      // A rubric that does not add up to the item's points is refused with the item named by its
      // place, in Chinese on the Chinese page.
      await writeRubric(teacher, [RUBRIC[0], [RUBRIC[1][0], '3']]);
      await clickAndWait(teacher, '#assign');
      assert.match(await teacher.locator('.notice-error').innerText(), /第 \d+ 题评分要点：各要点合计 [\d.]+ 分，与本题分值 [\d.]+ 分不一致/);
      await shot(teacher, '41c-compose-rubric-refused');
      await writeRubric(teacher, RUBRIC);
      await clickAndWait(teacher, 'button[name=op][value=search]:not(.visually-hidden)');
      const kept = teacher.locator('.chosen-item[data-type="short_answer"]').first().locator('input[name^="rubric_text:"]');
      assert.equal(await kept.first().inputValue(), RUBRIC[0][0], 'the rubric survives a round trip');
      assert.equal(await kept.count(), 3, 'two points and the empty row');
    }
    // A fill-in or multiple-choice item offers its grading toggles; unticking one is kept.
    const toggle = teacher.locator('.grading-toggles input[type=checkbox]').first();
    if (await toggle.count() > 0) {
      const name = await toggle.getAttribute('name');
      await toggle.uncheck();
      await clickAndWait(teacher, 'button[name=op][value=search]:not(.visually-hidden)');
      assert.equal(await teacher.locator(`input[name="${name}"]`).isChecked(), false, `${name} stays off`);
    } else {
      console.log('note: auto-pick chose no fill-in or multiple-choice item; no grading toggles to try');
    }
    // The minutes follow the chosen items until the teacher types their own.
    const estimate = parseInt(await teacher.locator('#estimate').innerText(), 10);
    assert.equal(Number(await teacher.inputValue('input[name=minutes]')), estimate, 'the minutes field shows the estimate');
    await shot(teacher, '41-compose');
    await onPhone(teacher, '/homework/new', '41a-compose-phone');
    // 双减: two hours for one evening is past a junior class's daily limit; the page refuses and
    // says which class and day, the teacher goes back to the estimate.
    await teacher.fill('input[name=minutes]', '120');
    await clickAndWait(teacher, '#assign');
    assert.match(await teacher.locator('#over-limit').innerText(), /七年级\(1\)班/);
    assert.equal(await teacher.inputValue('input[name=minutes]'), '120', 'the typed minutes are kept');
    await shot(teacher, '41b-compose-over-limit');
    await teacher.fill('input[name=minutes]', String(estimate));
    await clickAndWait(teacher, '#assign');
    if (await teacher.locator('#over-limit').count() > 0) {
      // Still over: earlier runs against this server left homework due the same day. Confirm.
      await teacher.check('input[name=confirm_over_limit]');
      await clickAndWait(teacher, '#assign');
    }
    const url = new URL(teacher.url());
    assert.match(url.pathname, /^\/homework\/[^/]+$/, `assigning lands on the report, not ${url}`);
    assert.equal(url.searchParams.get('assigned'), '1', 'one class ticked, one homework');
    homeworkPath = url.pathname;
    assert.match(await teacher.locator('.notice').first().innerText(), /已布置/);
    assert.equal(await teacher.locator('h1').innerText(), TITLE);
    noProblems();
  });

  await t.test('a student answers on a phone, closes the page midway, resumes, and submits', async () => {
    assert.ok(homeworkPath, 'no homework was assigned');
    const student = await as('student', PHONE);
    await openFromList(student);
    await assertFits(student, 'answering page');
    const count = await student.locator('.question').count();
    assert.ok(count >= 3, `${count} questions`);
    assert.equal(await student.locator('.question:not([hidden])').count(), 1, 'one question at a time on a phone');
    // Two answers, moving on after each: the page is now on the third question.
    const given = [];
    for (let k = 0; k < 2; k += 1) {
      given.push(await answerShown(student));
      given[k].shown = await shownAnswer(student, given[k].index);
      await student.click('#next-item');
    }
    assert.equal(await student.locator('.question:not([hidden])').getAttribute('data-index'), '2');
    await waitSaved(student);
    await shot(student, '42-answering-phone');
    // The student closes the tab and opens the homework again later.
    const context = student.context();
    await student.close();
    const again = watch(await context.newPage(), 'student again');
    await openFromList(again);
    assert.equal(await again.locator('.question:not([hidden])').getAttribute('data-index'), '2', 'resumes at the saved position');
    for (const g of given) {
      assert.equal(await shownAnswer(again, g.index), g.shown, `the answer to question ${g.index + 1} (${g.type}) is kept`);
    }
    await again.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('zj-pending-')).forEach((k) => localStorage.removeItem(k)));
    await again.reload();
    for (const g of given) {
      assert.equal(await shownAnswer(again, g.index), g.shown, `the server (not only this device) kept question ${g.index + 1}`);
    }
    await shot(again, '43-resumed-phone');
    await answerRestAndSubmit(again);
    await assertFits(again, 'submitted page');
    await shot(again, '44-submitted-phone');
    await again.goto(`${BASE}${new URL(again.url()).pathname.replace(/\/homework\/[^/]+$/, '/homework')}`);
    assert.match(await again.locator('main').innerText(), new RegExp(`已完成[\\s\\S]*${TITLE}`));
    await assertFits(again, 'student homework list');
    await shot(again, '45-student-list-phone');
    noProblems();
  });

  await t.test('a classmate answers everything on a phone and submits', async () => {
    assert.ok(homeworkPath, 'no homework was assigned');
    const student2 = await as('student2', PHONE);
    await openFromList(student2);
    await answerRestAndSubmit(student2);
    noProblems();
  });

  await t.test('the teacher marks, releases, reads the charts and assigns the follow-ups', async () => {
    assert.ok(homeworkPath, 'no homework was assigned');
    await teacher.goto(`${BASE}${homeworkPath}`);
    assert.equal(await teacher.locator('#submitted-count').innerText(), '2');
    await clickAndWait(teacher, `a[href="${homeworkPath}/mark"]`);
    let marked = 0;
    if (subjective) {
      // Each answer waiting (auto-pick may have added more short answers) has a rubric: the number
      // keys tick its points and the score is their sum; a comment, and Enter saves and moves on.
      let sawOwnRubric = false;
      while (await teacher.locator('#mark-form').count() > 0) {
        await teacher.fill('textarea[name=comment]', ITEM_COMMENT);
        await teacher.fill('textarea[name=overall]', WHOLE_COMMENT);
        const boxes = teacher.locator('#rubric input[name=rubric]');
        const n = await boxes.count();
        assert.ok(n >= 1, 'a short answer is marked by its rubric');
        const worth = await boxes.evaluateAll((els) => els.map((e) => Number(e.dataset.points)));
        if ((await teacher.locator('#rubric').innerText()).includes(RUBRIC[0][0])) sawOwnRubric = true;
        await boxes.first().focus();
        await teacher.keyboard.press('1');
        assert.ok(await boxes.first().isChecked(), 'key 1 ticks the first point');
        assert.equal(Number(await teacher.inputValue('#score')), worth[0]);
        if (n >= 2) {
          await teacher.keyboard.press('2');
          assert.equal(Number(await teacher.inputValue('#score')), worth[0] + worth[1], 'the score is the sum');
          if (marked === 0) await shot(teacher, '46-marking');
          await teacher.keyboard.press('2');
          assert.equal(await boxes.nth(1).isChecked(), false, 'key 2 again unticks it');
          assert.equal(Number(await teacher.inputValue('#score')), worth[0]);
        } else if (marked === 0) {
          await shot(teacher, '46-marking');
        }
        await Promise.all([teacher.waitForNavigation(), teacher.press('#score', 'Enter')]);
        marked += 1;
        assert.ok(marked <= 20, 'marking comes to an end');
      }
      assert.ok(marked >= 2, `both students' short answers were waiting (${marked} marked)`);
      assert.ok(sawOwnRubric, 'the rubric written while composing is on the marking page');
      await teacher.waitForSelector('#nothing-left');
    } else {
      // Nothing waits for the teacher: re-mark the first student's first answer by hand.
      await teacher.goto(`${BASE}${homeworkPath}`);
      await clickAndWait(teacher, '#student-table a >> nth=0');
      await teacher.fill('textarea[name=comment]', ITEM_COMMENT);
      await teacher.fill('textarea[name=overall]', WHOLE_COMMENT);
      await teacher.fill('#score', '1');
      await clickAndWait(teacher, '#save-mark');
    }
    await teacher.goto(`${BASE}${homeworkPath}`);
    await clickAndWait(teacher, '#release');
    await teacher.waitForSelector('#released');
    const charts = await teacher.locator('[data-chart]').count();
    assert.ok(charts >= 6, `${charts} charts`);
    await teacher.waitForFunction((n) => document.querySelectorAll('[data-chart][data-drawn]').length === n, charts, { timeout: 15000 });
    // ECharts drew into each box (an SVG with marks in it), not just flagged it.
    const empty = await teacher.locator('[data-chart]').evaluateAll((els) => els.filter((e) => !e.querySelector('svg path, svg rect')).length);
    assert.equal(empty, 0, 'every chart has marks');
    await shot(teacher, '47-report');
    await onPhone(teacher, homeworkPath, '47b-report-phone');
    const markHref = await teacher.locator('#student-table a[href*="/mark?student="]').first().getAttribute('href');
    await onPhone(teacher, markHref, '46b-marking-phone');

    await clickAndWait(teacher, `a[href="${homeworkPath}/follow-ups"]`);
    await shot(teacher, '48-follow-ups');
    const assignAll = teacher.locator('#assign-all');
    if (await assignAll.isEnabled()) {
      await clickAndWait(teacher, '#assign-all');
      if (await teacher.locator('input[name=confirm_over_limit]').count() > 0) {
        await teacher.check('input[name=confirm_over_limit]');
        await clickAndWait(teacher, '#assign-all');
      }
      assert.match(new URL(teacher.url()).pathname, /^\/homework\/[^/]+$/);
      assert.notEqual(new URL(teacher.url()).pathname, homeworkPath, 'the follow-up is a homework of its own');
      assert.match(await teacher.locator('.notice').first().innerText(), /已布置/);
    } else {
      console.log('note: no student needs a targeted follow-up; 一键布置 is disabled');
    }
    await teacher.goto(`${BASE}/homework`);
    assert.match(await teacher.locator('.homework-list').innerText(), new RegExp(TITLE));
    await shot(teacher, '49-homework-list-after');
    await onPhone(teacher, '/homework', '49b-homework-list-phone');
    noProblems();
  });

  await t.test('the parent sees the released score, the comment and the 错题本 on a phone', async () => {
    assert.ok(homeworkPath, 'no homework was assigned');
    const parent = await as('parent', PHONE);
    await parent.goto(`${BASE}/`);
    await clickAndWait(parent, '.site-nav a:has-text("作业")');
    const mine = card(parent);
    assert.match(await mine.locator('.score').innerText(), /得分\s*\d+(\.\d+)?\/\d+/);
    assert.match(await mine.innerText(), new RegExp(WHOLE_COMMENT));
    await assertFits(parent, 'the child\'s homework list');
    await shot(parent, '50-parent-list-phone');
    await Promise.all([parent.waitForNavigation(), mine.locator('a.hw-title').click()]);
    assert.match(await parent.locator('#score').innerText(), /\d+(\.\d+)?\/\d+/);
    if (subjective) assert.match(await parent.locator('main').innerText(), new RegExp(ITEM_COMMENT));
    await assertFits(parent, 'the released homework');
    await shot(parent, '51-parent-result-phone');
    await parent.goBack();
    await clickAndWait(parent, 'a[href$="/wrong-book"]');
    assert.match(await parent.locator('h1').innerText(), /错题本/);
    await assertFits(parent, 'the wrong-answer book');
    await shot(parent, '52-wrong-book-phone');
    noProblems();
  });
});
