// Signing in through the real pages, as a person would: the sign-in form, then (for a demo
// account's first sign-in) the forced password change.

import assert from 'node:assert/strict';

export const DEMO_PASSWORD = 'zhijiao-demo';

/** Signs `page` in as `username`, choosing a new password if the account must; returns it. */
export async function signIn(page, base, username) {
  const fresh = `${username}-e2e-Pass-2026`;
  // Test files share one server: an earlier file may already have changed this account's password.
  for (const password of [DEMO_PASSWORD, fresh]) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=login]', username);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForEvent('framenavigated'), page.click('form[action="/login"] button')]);
    await page.waitForLoadState('load');
    if (!new URL(page.url()).pathname.startsWith('/login')) break;
  }
  assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `${username} could not sign in`);
  if (new URL(page.url()).pathname === '/account/password') {
    await page.fill('input[name=current]', DEMO_PASSWORD);
    await page.fill('input[name=new]', fresh);
    await page.fill('input[name=repeat]', fresh);
    await page.click('form[action="/account/password"] button');
    await page.waitForSelector('.notice');
    assert.match(await page.locator('.notice').first().innerText(), /密码已修改|Password changed/);
  }
}
