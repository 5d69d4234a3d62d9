// A walk through the web shell in a real browser (Debian's Chromium driven by playwright-core),
// against a running `zhijiao serve --demo` whose address is in ZHIJIAO_URL. Every page is also
// opened at phone width, checked for sideways overflow, and photographed into screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const BASE = process.env.ZHIJIAO_URL?.replace(/\/+$/, '');
if (!BASE) {
  throw new Error(
    'ZHIJIAO_URL is not set. Start the server, e.g. `zhijiao serve --demo --demo-scale small --port 8123 ' +
      '--data-dir /tmp/zj`, then run `ZHIJIAO_URL=http://127.0.0.1:8123 npm test`.',
  );
}

const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const MASKED_ID = /^\d{6}\*{8}[\dX]{4}$/;
const MASKED_PHONE = /\d{3}\*{4}\d{4}/;

let browser;
let desktop;
let phone;
/** Problems the browser reported: console errors, failed requests, error statuses. */
const problems = [];

function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${label} console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${label} page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`${label} request failed: ${req.url()}`));
  page.on('response', (res) => {
    // The browser asks for /favicon.ico on its own; the shell has none yet.
    if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) {
      problems.push(`${label} HTTP ${res.status()}: ${res.url()}`);
    }
  });
  return page;
}

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const desktopContext = await browser.newContext({ viewport: DESKTOP });
  desktop = watch(await desktopContext.newPage(), 'desktop');
  // The district officer signs in once; the phone shares the session.
  await signIn(desktop, BASE, 'admin');
  const phoneContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await phoneContext.addCookies(await desktopContext.cookies());
  phone = watch(await phoneContext.newPage(), 'phone');
});

after(async () => {
  await browser?.close();
});

/** Screenshots the desktop page, then opens the same URL on the phone, checks it fits, and screenshots it. */
async function shoot(name) {
  await desktop.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await phone.goto(desktop.url());
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than a 375px phone`);
  await phone.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
}

/** Clicks a link and waits for the page it leads to. */
async function follow(locator) {
  const href = await locator.getAttribute('href');
  await Promise.all([desktop.waitForURL((url) => url.pathname === new URL(href, BASE).pathname), locator.click()]);
}

async function h1() {
  return (await desktop.locator('h1').first().innerText()).trim();
}

test('a district officer walks from the overview to a volume', async (t) => {
  await t.test('overview shows totals, distributions and the schools', async () => {
    const response = await desktop.goto(`${BASE}/`);
    assert.equal(response.status(), 200);
    assert.equal(await desktop.getAttribute('html', 'lang'), 'zh-CN');
    assert.match(await desktop.locator('.site-header').innerText(), /智教/);
    const stats = desktop.locator('.stat');
    assert.equal(await stats.count(), 6);
    const students = await desktop.locator('.stat', { hasText: '学生' }).locator('.stat-value').innerText();
    assert.ok(Number(students.replace(/,/g, '')) > 0, `students total is ${students}`);
    assert.ok((await desktop.locator('.bar-row').count()) >= 3);
    assert.ok((await desktop.locator('table.schools tbody tr').count()) > 0);
    await shoot('01-overview');
  });

  await t.test('the filter keeps only schools of one kind', async () => {
    await desktop.selectOption('select[name=kind]', 'primary');
    await Promise.all([desktop.waitForURL(/kind=primary/), desktop.locator('.filter button').click()]);
    const kinds = await desktop.locator('table.schools tbody tr td:nth-of-type(1)').allInnerTexts();
    assert.ok(kinds.length > 0, 'no primary school');
    assert.deepEqual([...new Set(kinds.map((k) => k.trim()))], ['小学']);
    await shoot('02-overview-filtered');
  });

  await t.test('a school shows its classes and teachers', async () => {
    const link = desktop.locator('table.schools tbody th a').first();
    const name = (await link.innerText()).trim();
    await follow(link);
    assert.equal(await h1(), name);
    assert.ok((await desktop.locator('a[href^="/classes/"]').count()) > 0, 'no classes');
    assert.ok((await desktop.locator('a[href^="/teachers/"]').count()) > 0, 'no teachers');
    await shoot('03-school');
  });

  await t.test('a class lists its students with masked personal data', async () => {
    const link = desktop.locator('a[href^="/classes/"]').first();
    const name = (await link.innerText()).trim();
    await follow(link);
    assert.equal(await h1(), name);
    const rows = desktop.locator('table.students tbody tr');
    assert.ok((await rows.count()) > 0, 'no students');
    const ids = (await desktop.locator('table.students tbody td:nth-of-type(3)').allInnerTexts()).map((s) => s.trim());
    const withId = ids.filter((id) => id !== '—');
    assert.ok(withId.length > 0, 'no identity numbers shown');
    for (const id of withId) assert.match(id, MASKED_ID);
    assert.match(await desktop.locator('table.students').innerText(), MASKED_PHONE);
    assert.doesNotMatch(
      await desktop.locator('main').innerText(),
      /(?<![0-9A-Za-z])(\d{17}[\dX]|1\d{10})(?![0-9A-Za-z])/,
      'a full identity or phone number is on the page',
    );
    // 学籍号 embed the identity number, so they are masked as well.
    const numbers = (await desktop.locator('table.students tbody td:nth-of-type(2)').allInnerTexts()).map((s) => s.trim());
    for (const n of numbers) assert.doesNotMatch(n, /\d{17}/);
    await shoot('04-class');
  });

  await t.test('a teacher shows the classes taught', async () => {
    const link = desktop.locator('main a[href^="/teachers/"]').first();
    const name = (await link.innerText()).trim();
    await follow(link);
    assert.equal(await h1(), name);
    assert.ok((await desktop.locator('a[href^="/classes/"]').count()) > 0, 'teaches no class');
    await shoot('05-teacher');
  });

  await t.test('the language switch turns the page into English', async () => {
    const name = await h1();
    await Promise.all([desktop.waitForURL(/lang=en/), desktop.locator('.lang-toggle').click()]);
    assert.equal(await desktop.getAttribute('html', 'lang'), 'en');
    assert.equal(await h1(), name);
    const nav = await desktop.locator('.site-nav').innerText();
    assert.match(nav, /Overview/);
    assert.match(nav, /School groups/);
    assert.match(await desktop.locator('main').innerText(), /Classes taught/);
    await shoot('06-teacher-en');
  });

  await t.test('school groups list their schools (still in English)', async () => {
    await follow(desktop.locator('.site-nav a[href="/groups"]'));
    assert.equal(await desktop.getAttribute('html', 'lang'), 'en');
    assert.equal(await h1(), 'School groups and alliances');
    assert.ok((await desktop.locator('.card').count()) > 0, 'no groups');
    assert.ok((await desktop.locator('.card a[href^="/schools/"]').count()) > 0);
    await shoot('07-groups');
  });

  await t.test('the curriculum lists textbook volumes', async () => {
    await follow(desktop.locator('.site-nav a[href="/curriculum"]'));
    assert.equal(await h1(), 'Curriculum');
    assert.ok((await desktop.locator('a[href^="/curriculum/"]').count()) > 0, 'no volumes');
    await shoot('08-curriculum');
  });

  await t.test('a volume shows chapters, sections and knowledge points', async () => {
    const link = desktop.locator('a[href^="/curriculum/"]').first();
    const title = (await link.innerText()).trim();
    await follow(link);
    assert.equal(await h1(), title);
    assert.ok((await desktop.locator('.toc-chapter').count()) > 0, 'no chapters');
    assert.ok((await desktop.locator('.points li').count()) > 0, 'no knowledge points');
    await shoot('09-volume');
  });

  await t.test('the audit log shows who read what, filterable', async () => {
    await desktop.goto(`${BASE}/admin/audit?lang=zh`);
    assert.equal(await h1(), '审计日志');
    const rows = desktop.locator('tr.audit-row');
    assert.ok((await rows.count()) > 0, 'the walk above read class rosters: they must be on record');
    assert.match(await desktop.locator('main').innerText(), /查看班级名单/);
    await shoot('15-audit');
  });

  await t.test('role assignments can be managed within scope', async () => {
    await desktop.goto(`${BASE}/admin/roles`);
    assert.ok((await desktop.locator('form[action="/admin/roles"]').count()) > 0, 'a grant form for the district admin');
    await shoot('16-roles');
  });

  await t.test('the browser saw no errors', () => {
    assert.deepEqual(problems, []);
  });
});
