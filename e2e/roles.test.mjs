// Trying the demo as each role: a newcomer signs in with the demo accounts listed on the sign-in
// page and sees exactly their scope. Runs against ZHIJIAO_URL like district.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, harness, shot } from './harness.mjs';

const h = harness();
const as = (username, viewport = { width: 1280, height: 800 }) => h.as(username, viewport);

/** The status a signed-in page gets for `href`. */
async function statusOf(page, href) {
  const response = await page.goto(new URL(href, BASE).toString());
  return response.status();
}

test('the sign-in page lists the demo accounts and refuses a wrong password', async () => {
  const page = await (await h.browser.newContext()).newPage();
  await page.goto(`${BASE}/`);
  assert.equal(new URL(page.url()).pathname, '/login', 'signed-out visitors are sent to sign in');
  const listed = await page.locator('table').innerText();
  for (const name of ['admin', 'principal', 'teacher', 'student', 'parent']) assert.match(listed, new RegExp(name));
  await shot(page, '10-login-desktop');
  await page.fill('input[name=login]', 'admin');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('form[action="/login"] button');
  await page.waitForSelector('[role=alert]');
  assert.match(await page.locator('[role=alert]').innerText(), /用户名或密码不正确/);
});

test('a parent on a phone sees their child and nothing else', async () => {
  const page = await as('parent', { width: 375, height: 812 });
  await page.goto(`${BASE}/`);
  assert.match(new URL(page.url()).pathname, /^\/students\/[^/]+\/homework$/, "a parent starts at their child's homework");
  // The child's own page is one step away: their name.
  await Promise.all([page.waitForURL(/\/students\/[^/]+$/), page.click('#child-page')]);
  const main = await page.locator('main').innerText();
  assert.match(main, /\d{6}\*{8}[\dX]{4}/, 'the identity number is masked');
  assert.equal(await page.locator('form[action$="/reveal"]').count(), 0, 'parents are not offered to reveal');
  const classHref = await page.locator('main a[href^="/classes/"]').first().getAttribute('href');
  assert.equal(await statusOf(page, classHref), 403, 'the class list is not for parents');
  assert.match(await page.locator('main').innerText(), /无权访问/);
  await page.goto(`${BASE}/`);
  await shot(page, '11-parent-phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the parent's page is ${overflow}px wider than the phone`);
});

test('a head teacher sees their class, reveals with a purpose and exports', async () => {
  const page = await as('teacher');
  await page.goto(`${BASE}/`);
  assert.match(new URL(page.url()).pathname, /^\/classes\//, 'a teacher starts at their class');
  assert.equal(await page.locator('.site-nav a[href="/groups"]').count(), 0, 'no district-wide navigation');
  await shot(page, '12-teacher-class-desktop');
  const student = page.locator('table.students tbody th a').first();
  await Promise.all([page.waitForURL(/\/students\//), student.click()]);
  await page.fill('form[action$="/reveal"] input[name=purpose]', '联系家长');
  await Promise.all([page.waitForURL(/\/reveal$/), page.click('form[action$="/reveal"] button')]);
  assert.match(await page.locator('main').innerText(), /已记入审计日志/);
  assert.match(await page.locator('main').innerText(), /\d{17}[\dX]/, 'the full number is shown after the reveal');
  await shot(page, '13-teacher-reveal-desktop');
  await page.goBack();
  await page.goBack();
  const download = page.waitForEvent('download');
  await page.fill('form[action$="/export"] input[name=purpose]', '家长会签到');
  await page.click('form[action$="/export"] button');
  assert.match((await download).suggestedFilename(), /^class-.*\.csv$/);
  // Another school's class is out of scope.
  await page.goto(`${BASE}/groups`);
  assert.equal(await statusOf(page, '/groups'), 200);
});

test('a principal starts at the school; a researcher sees the district but not the audit log', async () => {
  const principal = await as('principal');
  await principal.goto(`${BASE}/`);
  assert.match(new URL(principal.url()).pathname, /^\/schools\//, 'a principal starts at the school');
  await shot(principal, '14-principal-desktop');
  const researcher = await as('researcher');
  await researcher.goto(`${BASE}/`);
  assert.equal(new URL(researcher.url()).pathname, '/', 'a researcher sees the district overview');
  assert.equal(await statusOf(researcher, '/admin/audit'), 403, 'only district administrators read the audit log');
});
