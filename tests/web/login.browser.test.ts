import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';

let browser: Browser;
let w: WebWorld | undefined;

async function webWorld(): Promise<{ w: WebWorld; url: string }> {
  w = await startWebWorld();
  return { w, url: w.url };
}

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

describe('the web leaderboard and Discord login, in a real browser', () => {
  it('shows the board to anyone, then the visitor’s own row once they log in through Discord', async () => {
    const { w, url } = await webWorld();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 50, reason: 'help' })
      .reply();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.bob, amount: 80, reason: 'art' })
      .reply();
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(`${url}/g/${w.guildId}/leaderboard`);
    await expect.poll(() => page.title()).toContain('Leaderboard · Sparks Lab');
    const rows = page.getByRole('row');
    expect(await rows.nth(1).innerText()).toMatch(/1\s+Bob\s+80/);
    expect(await rows.nth(2).innerText()).toMatch(/2\s+Alice\s+50/);
    expect(await page.getByText('Your rank').count()).toBe(0);

    expect(await accessibility(page)).toEqual([]);
    await logIn(page, 'Alice');
    expect(page.url()).toBe(`${url}/g/${w.guildId}/leaderboard`);
    expect(await accessibility(page)).toEqual([]);
    expect(await page.getByText('Your rank: #2 with 50 Sparks').count()).toBe(1);
    expect(await page.locator('tr.you').innerText()).toMatch(/Alice \(You\)/);
    // The login kept no Discord token: the fake saw one exchange and one revocation.
    expect(w.fake.oauth2.log.map((l) => `${l.kind} ${l.status}`)).toEqual(['token 200', 'revoke 200']);
    expect(w.fake.oauth2.liveTokens).toBe(0);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'sparks_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${url}/`);
    expect(await page.getByRole('link', { name: 'Log in with Discord' }).count()).toBe(1);
    await page.context().close();
  });

  it('refuses a callback whose state is not this browser’s, a reused code and a tampered session', async () => {
    const { w, url } = await webWorld();
    const page = await openPage(browser);
    await page.goto(`${url}/auth/callback?code=abc&state=forged`);
    expect(await page.getByRole('alert').innerText()).toContain('Discord login did not complete');
    expect(w.fake.oauth2.log).toEqual([]);

    // A real login, whose code is then replayed from another browser.
    await page.goto(`${url}/`);
    let callback = '';
    page.on('request', (r) => {
      if (r.url().includes('/auth/callback')) callback = r.url();
    });
    await logIn(page, 'Bob');
    expect(page.url()).toBe(`${url}/`);
    const other = await openPage(browser);
    const replay = await other.goto(callback);
    expect(replay!.status()).toBe(400);

    // A session cookie whose signature does not match is no session.
    const context = page.context();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'sparks_session');
    await context.addCookies([
      { ...cookie!, value: cookie!.value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
    ]);
    await page.goto(`${url}/`);
    expect(await page.getByRole('link', { name: 'Log in with Discord' }).count()).toBe(1);
    await page.context().close();
    await other.context().close();
  });

  it('speaks Korean by Accept-Language, and the switcher sticks', async () => {
    const { w, url } = await webWorld();
    const page = await openPage(browser, { locale: 'ko-KR' });
    await page.goto(`${url}/g/${w.guildId}/leaderboard`);
    expect(await page.locator('html').getAttribute('lang')).toBe('ko');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('리더보드 · Sparks Lab');
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForURL(`${url}/g/${w.guildId}/leaderboard`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Leaderboard · Sparks Lab');
    await page.reload();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.context().close();
  });
});
