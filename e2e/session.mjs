// Signing in through the real pages, as a person would: the sign-in form, then (for a demo
// account's first sign-in) the forced password change.

import assert from 'node:assert/strict';

export const DEMO_PASSWORD = 'zhijiao-demo';

/** The password that last worked per account, in this test file's process. */
const working = new Map();

/** Signs `page` in as `username`, choosing a new password if the account must; returns it. */
export async function signIn(page, base, username) {
  const fresh = `${username}-e2e-Pass-2026`;
  // Test files share one server: an earlier file may already have changed this account's password.
  // Each wrong guess counts against the server's sign-in throttle for this address, so the
  // password that worked before in this file is tried first.
  const guesses = [...new Set([working.get(username), DEMO_PASSWORD, fresh].filter(Boolean))];
  for (const password of guesses) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=login]', username);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForEvent('framenavigated'), page.click('form[action="/login"] button')]);
    await page.waitForLoadState('load');
    if (!new URL(page.url()).pathname.startsWith('/login')) {
      working.set(username, password);
      break;
    }
  }
  assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `${username} could not sign in`);
  if (new URL(page.url()).pathname === '/account/password') {
    await page.fill('input[name=current]', DEMO_PASSWORD);
    await page.fill('input[name=new]', fresh);
    await page.fill('input[name=repeat]', fresh);
    await page.click('form[action="/account/password"] button');
    await page.waitForSelector('.notice');
    assert.match(await page.locator('.notice').first().innerText(), /密码已修改|Password changed/);
    working.set(username, fresh);
  }
}
