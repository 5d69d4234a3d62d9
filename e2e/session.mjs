// Signing in through the real pages, as a person would: the sign-in form, then (for a demo
// account's first sign-in) the forced password change.

import assert from 'node:assert/strict';

export const DEMO_PASSWORD = 'zhijiao-demo';

/** Signs `page` in as `username`, choosing a new password if the account must; returns it. */
export async function signIn(page, base, username) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=login]', username);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('form[action="/login"] button')]);
  if (new URL(page.url()).pathname === '/account/password') {
    const fresh = `${username}-e2e-Pass-2026`;
    await page.fill('input[name=current]', DEMO_PASSWORD);
    await page.fill('input[name=new]', fresh);
    await page.fill('input[name=repeat]', fresh);
    await page.click('form[action="/account/password"] button');
    await page.waitForSelector('.notice');
    assert.match(await page.locator('.notice').first().innerText(), /密码已修改|Password changed/);
  }
}
