// What every browser test file needs: the server's address, one headless Chromium per file,
// signed-in pages in their own contexts (desktop or phone, set up as a browser in China), a
// collector of server and script errors, screenshots, and the checks pages must pass on a phone.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

export const BASE = process.env.ZHIJIAO_URL?.replace(/\/+$/, '');
if (!BASE) throw new Error('ZHIJIAO_URL is not set (scripts/e2e.sh starts a demo server and sets it).');
export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };
// The browser as a teacher's or a family's in China has it (dates in the pickers, the clock).
export const CHINA = { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

/**
 * Registers the file's browser (started before its tests, closed after) and returns the helpers
 * bound to it. `expected` matches URLs whose 4xx answers are part of the test (a refused move);
 * the sign-in form's 401 for an earlier run's password is always expected. `args` are extra
 * Chromium switches.
 */
export function harness({ expected = null, timeout = 20000, args = [] } = {}) {
  let browser;
  const problems = [];
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
    });
  });
  after(async () => browser?.close());

  /** A new browser context shaped like a desktop or (narrower than 500 px) a phone. */
  const context = (viewport) => {
    const phone = viewport.width < 500;
    return browser.newContext({ viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1, ...CHINA });
  };

  /** Collects server errors and script errors; `noProblems` fails the step on any. */
  const watch = (page, label) => {
    page.on('pageerror', (e) => problems.push(`${label} script error: ${e.message}`));
    page.on('response', (res) => {
      const allowed = /\/login$|favicon/.test(res.url()) || (expected && expected.test(res.url()));
      if (res.status() >= 500 || (res.status() >= 400 && !allowed)) {
        problems.push(`${label} HTTP ${res.status()}: ${res.url()}`);
      }
    });
    page.setDefaultTimeout(timeout);
    return page;
  };

  return {
    get browser() {
      return browser;
    },
    context,
    watch,
    /** A page signed in as `username`, in its own context (its own cookies and localStorage). */
    async as(username, viewport = DESKTOP) {
      const page = watch(await (await context(viewport)).newPage(), username);
      await signIn(page, BASE, username);
      return page;
    },
    noProblems() {
      const found = problems.splice(0);
      assert.deepEqual(found, [], found.join('\n'));
    },
    /** Opens `href` on a phone with `page`'s session, checks it fits and photographs it. */
    async onPhone(page, href, name) {
      const phone = await context(PHONE);
      await phone.addCookies(await page.context().cookies());
      const p = watch(await phone.newPage(), `${name} (phone)`);
      await p.goto(`${BASE}${href}`);
      await p.waitForLoadState('load');
      await p.waitForFunction(() => document.querySelectorAll('[data-chart]:not([data-drawn])').length === 0);
      await assertFits(p, name);
      await shot(p, name);
      await phone.close();
    },
  };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Clicks and waits for the navigation it starts. */
export async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** Nothing sticks out to the right of a phone's screen, counting every element of the page (not
 * only the document's width), except inside boxes that scroll sideways on purpose (wide tables). */
export async function assertFits(page, label) {
  const worst = await page.evaluate(() => {
    const scrolls = (e) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
    let worst = { by: document.documentElement.scrollWidth - window.innerWidth, what: 'document' };
    for (const e of document.querySelectorAll('body *')) {
      let a = e.parentElement;
      while (a && a !== document.body && !scrolls(a)) a = a.parentElement;
      if (a && a !== document.body) continue;
      const by = e.getBoundingClientRect().right - window.innerWidth;
      if (by > worst.by) worst = { by, what: `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} “${(e.textContent || '').trim().slice(0, 30)}”` };
    }
    return worst;
  });
  assert.ok(worst.by <= 1, `${label}: ${worst.what} ends ${worst.by.toFixed(0)}px past the phone's right edge`);
}

/** The page has charts, every one drawn by ECharts with marks in it. */
export async function chartsDrawn(page) {
  const charts = await page.locator('[data-chart]').count();
  assert.ok(charts >= 1, 'the page has a chart');
  await page.waitForFunction((n) => document.querySelectorAll('[data-chart][data-drawn]').length === n, charts);
  const empty = await page.locator('[data-chart]').evaluateAll((els) => els.filter((e) => !e.querySelector('svg path, svg rect')).length);
  assert.equal(empty, 0, 'every chart has marks');
}
