import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';

let browser: Browser;
let w: WebWorld | undefined;

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

async function world(): Promise<WebWorld> {
  w = await startWebWorld({ env: { LINKED_ROLES_PER_MINUTE: '6000' } });
  return w;
}

async function award(w: WebWorld, member: string, amount: number): Promise<void> {
  await w.slash(w.users.mod, 'sparks-admin award', { member, amount, reason: 'linked role test' }).final();
}

/** What the database holds for the member's connection (nothing, after a refusal). */
const stored = (w: WebWorld, userId: string) => w.app.services.linkedRoles.store.get(userId);

/** Opens the Linked Roles page as Discord's "connect" would, and consents on the fake as `who`. */
async function connectAs(page: Page, w: WebWorld, who: string, path = '/linked-role'): Promise<void> {
  await page.goto(`${w.url}${path}`);
  await page.getByRole('button', { name: `Log in as ${who}` }).click();
  // Back on the site: the page after the connection, or the callback's refusal.
  await page.waitForURL((u) => !u.pathname.startsWith('/oauth2/'));
}

/**
 * Starts the flow in this browser (its state cookie set) and consents on the fake as
 * `userId` without following the redirect: the callback URL, for a test to alter.
 */
async function consent(
  page: Page,
  w: WebWorld,
  userId: string,
  edit?: (authorize: URL) => void,
): Promise<URL> {
  const start = await page.request.get(`${w.url}/linked-role`, { maxRedirects: 0 });
  const authorize = new URL(start.headers().location!);
  edit?.(authorize);
  const q = authorize.searchParams;
  const decision = await page.request.post(`${authorize.origin}/oauth2/authorize`, {
    form: {
      client_id: q.get('client_id')!,
      redirect_uri: q.get('redirect_uri')!,
      response_type: 'code',
      scope: q.get('scope')!,
      state: q.get('state')!,
      user_id: userId,
    },
    maxRedirects: 0,
  });
  return new URL(decision.headers().location!);
}

describe('Linked Roles, in a real browser', () => {
  it('connects a member through Discord’s consent, and the pushed metadata follows their tier', async () => {
    const w = await world();
    const bronze = w.fake.createRole(w.guildId, { name: 'Bronze', position: 2 });
    await w.slash(w.users.mod, 'sparks-admin tier set', { role: bronze.id, lifetime: 100 }).final();
    await award(w, w.users.alice, 60);

    const page = await openPage(browser, { locale: 'en-US' });
    await connectAs(page, w, 'Alice');
    expect(new URL(page.url()).pathname).toBe('/linked-role/connected');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your Linked Role is connected');
    expect(await page.getByText('Discord now reads your Sparks in Sparks Lab').count()).toBe(1);
    expect(await page.getByRole('status').innerText()).toBe('Discord has these values.');
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toMatch(/Lifetime Sparks\s+60/);
    expect(facts).toMatch(/Tier\s+None yet/);
    expect(facts).toMatch(/Verified trader\s+No/);
    expect(await accessibility(page)).toEqual([]);

    // The consent asked for what Discord's Linked Roles require, and the tokens were kept.
    const authorize = w.fake.oauth2.log.map((l) => `${l.kind} ${l.status}`);
    expect(authorize).toEqual(['token 200']);
    expect(w.fake.oauth2.liveTokens).toBe(1);
    const connection = w.fake.roleConnections.connection(w.users.alice)!;
    expect(connection).toMatchObject({
      platform_name: 'Sparks',
      platform_username: 'Alice',
      metadata: { sparks_lifetime: '60', tier: '0', verified_trader: '0' },
    });
    expect(Date.parse(connection.metadata.member_since!)).toBeGreaterThan(0);
    expect(stored(w, w.users.alice)).toMatchObject({ guildId: w.guildId, lastError: null });

    // Alice crosses the bronze threshold: the bot pushes, off the command's path.
    await award(w, w.users.alice, 50);
    await expect
      .poll(() => w.fake.roleConnections.connection(w.users.alice)?.metadata, { timeout: 10_000 })
      .toEqual({ ...connection.metadata, sparks_lifetime: '110', tier: '1' });
    // One push at the connection, one for the change: the award's notes were coalesced.
    await w.app.provided.get('linkedRoles').idle();
    expect(w.fake.roleConnections.history).toHaveLength(2);

    // Her page says what Discord sees now.
    await page.reload();
    expect(await page.locator('dl.facts').innerText()).toMatch(/Tier\s+1/);
    await page.context().close();
  });

  it('speaks Korean, and a member page links to connecting from its server', async () => {
    const w = await world();
    const page = await openPage(browser, { locale: 'ko-KR' });
    await page.goto(`${w.url}/`);
    await logIn(page, 'Bob');
    await page.goto(`${w.url}/g/${w.guildId}/me`);
    expect(await page.getByText('연동 역할을 연결하면').count()).toBe(1);
    await page.getByRole('link', { name: '연동 역할 연결' }).click();
    await page.getByRole('button', { name: 'Log in as Bob' }).click();
    await page.waitForURL(`${w.url}/linked-role/connected`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('연동 역할이 연결되었습니다');
    expect(await page.locator('dl.facts').innerText()).toMatch(/누적 Sparks\s+0/);
    expect(await accessibility(page)).toEqual([]);
    expect(w.fake.roleConnections.connection(w.users.bob)?.metadata.sparks_lifetime).toBe('0');
    await page.getByRole('link', { name: 'Sparks Lab의 내 Sparks 보기' }).click();
    expect(await page.getByText('Discord 연동 역할이 이 서버의 내 Sparks를 보여 줍니다.').count()).toBe(1);
    expect(await page.getByRole('link', { name: '연동 역할 연결' }).count()).toBe(0);
    expect(await accessibility(page)).toEqual([]);
    await page.context().close();
  });

  it('refuses a missing or forged state, a denied consent, a tampered code or scope and a foreign server, storing nothing', async () => {
    const w = await world();
    await award(w, w.users.carol, 10);
    const page = await openPage(browser, { locale: 'en-US' });
    const alert = () => page.getByRole('alert').innerText();

    // A callback this browser never started.
    let res = await page.goto(`${w.url}/linked-role/callback?code=abc&state=forged`);
    expect(res!.status()).toBe(400);
    expect(await alert()).toContain(
      'The Linked Role could not be connected: the connection was started in another browser',
    );
    expect(await accessibility(page)).toEqual([]);

    // The member says no on Discord's consent screen.
    await page.goto(`${w.url}/linked-role`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((u) => u.pathname === '/linked-role/callback');
    expect(await alert()).toContain('you did not allow Sparks to update your Linked Role');

    // A real consent whose callback's code, then state, were altered on the way back.
    let url = await consent(page, w, w.users.carol);
    url.searchParams.set('code', 'tampered-code');
    res = await page.goto(url.toString());
    expect(res!.status()).toBe(400);
    expect(await alert()).toContain('Discord did not accept the connection');
    url = await consent(page, w, w.users.carol);
    url.searchParams.set('state', `${url.searchParams.get('state')}x`);
    res = await page.goto(url.toString());
    expect(await alert()).toContain('started in another browser');

    // The scope edited out of Discord's consent URL: the grant cannot write role connections.
    url = await consent(page, w, w.users.carol, (authorize) =>
      authorize.searchParams.set('scope', 'identify'),
    );
    await page.goto(url.toString());
    expect(await alert()).toContain('Discord did not give Sparks permission to update your Linked Role');

    // A server the member is not in, and a link whose server is not an id.
    const other = w.fake.createGuild({ name: 'Elsewhere' });
    await connectAs(page, w, 'Carol', `/linked-role?guild=${other.id}`);
    expect(await alert()).toContain('you are not a member of that server');
    res = await page.goto(`${w.url}/linked-role?guild=abc`);
    expect(res!.status()).toBe(400);
    expect(await alert()).toContain('the server in the link is not a Discord id');
    // The page after a connection shows nothing without one.
    res = await page.goto(`${w.url}/linked-role/connected`);
    expect(res!.status()).toBe(404);

    expect(stored(w, w.users.carol)).toBeUndefined();
    expect(w.fake.roleConnections.history).toEqual([]);
    // Every grant the refusals obtained was revoked again.
    expect(w.fake.oauth2.liveTokens).toBe(0);
    await page.context().close();
  });
});
