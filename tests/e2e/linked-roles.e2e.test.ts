import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { ROLE_CONNECTION_METADATA } from '../../src/linked-roles/metadata.ts';
import { FakeDiscord } from '../../testkit/fake-discord/index.ts';
import { startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { cleanupAfterEach, spawnBot } from '../helpers/processes.ts';

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});
const cleanups = cleanupAfterEach();

const ROUTE = '/users/@me/applications/:appId/role-connection';

async function world(env: Record<string, string> = {}): Promise<WebWorld> {
  w = await startWebWorld({ env: { LINKED_ROLES_PER_MINUTE: '6000', ...env } });
  return w;
}

/** A member connected as the page would connect them, with tokens the fake issued. */
function connect(w: WebWorld, userId: string): void {
  const t = w.fake.oauth2.issue(w.fake.applicationId, userId, ['role_connections.write', 'identify']);
  w.app.services.linkedRoles.connect({
    guildId: w.guildId,
    userId,
    username: 'Alice',
    grant: {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: Date.now() + t.expires_in * 1000,
      scopes: t.scope.split(' '),
    },
    joinedAt: null,
  });
}

const runtime = (w: WebWorld) => w.app.provided.get('linkedRoles');
const pushed = (w: WebWorld, userId: string) => w.fake.roleConnections.connection(userId)?.metadata;
const award = (w: WebWorld, member: string, amount: number) =>
  w.slash(w.users.mod, 'sparks-admin award', { member, amount, reason: 'linked roles' });

describe('deploy-commands and the Linked Roles metadata', () => {
  it('registers the metadata records with the commands, names and descriptions in English and Korean', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.stop());
    const guild = fake.createGuild({ name: 'Lab' });
    const run = spawnBot(
      ['--import', 'tsx', 'src/scripts/deploy-commands.ts', '--guild', guild.id],
      {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: fake.token,
        DISCORD_CLIENT_ID: fake.applicationId,
        DISCORD_API_URL: fake.apiBase,
      },
      cleanups,
    );
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain(
      'Registered 4 Linked Roles metadata record(s): sparks_lifetime, tier, verified_trader, member_since',
    );
    expect(fake.roleConnections.metadata).toEqual(ROLE_CONNECTION_METADATA);
    expect(fake.registeredCommands(guild.id).length).toBeGreaterThan(0);
  });
});

describe('the linked-roles plugin', () => {
  it('pushes when a value changes, never holding up the command that changed it', async () => {
    const w = await world();
    connect(w, w.users.alice);
    expect((await runtime(w).pushNow(w.users.alice)).status).toBe('pushed');
    expect(pushed(w, w.users.alice)).toMatchObject({ sparks_lifetime: '0', verified_trader: '0' });

    // Discord is slow to answer: the award's reply does not wait for the push.
    const slow = w.fake.injectFault({ method: 'PUT', route: ROUTE, delayMs: 3000 });
    const started = Date.now();
    const reply = await award(w, w.users.alice, 40).final();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(reply.content ?? JSON.stringify(reply.embeds)).toContain('40');
    await expect.poll(() => pushed(w, w.users.alice)?.sparks_lifetime, { timeout: 10_000 }).toBe('40');
    expect(slow.hits).toBe(1);

    // A platform trade makes a verified trader.
    w.app.services.platform.apply('evt_trade_1', {
      type: 'trade.executed',
      guildId: w.guildId,
      userId: w.users.alice,
      volumeCents: 50_000,
      occurredAt: new Date().toISOString(),
    });
    await expect.poll(() => pushed(w, w.users.alice)?.verified_trader, { timeout: 10_000 }).toBe('1');
    // Members without a connection cost no push.
    await award(w, w.users.bob, 10).final();
    await runtime(w).idle();
    expect(w.fake.roleConnections.connection(w.users.bob)).toBeUndefined();
  });

  it('waits out a 429 and retries a 5xx with backoff, then succeeds', async () => {
    const w = await world();
    connect(w, w.users.alice);
    const limited = w.fake.injectFault({ method: 'PUT', route: ROUTE, status: 429, retryAfter: 0.3 });
    expect((await runtime(w).pushNow(w.users.alice)).status).toBe('queued');
    await expect.poll(() => pushed(w, w.users.alice)?.sparks_lifetime, { timeout: 10_000 }).toBe('0');
    expect(limited.hits).toBe(1);

    const down = w.fake.injectFault({ method: 'PUT', route: ROUTE, status: 502, times: 2 });
    await award(w, w.users.alice, 15).final();
    await expect.poll(() => pushed(w, w.users.alice)?.sparks_lifetime, { timeout: 15_000 }).toBe('15');
    expect(down.hits).toBe(2);
    expect(w.app.services.linkedRoles.store.get(w.users.alice)).toMatchObject({ lastError: null });
    const puts = w.fake.requests.filter((r) => r.route === ROUTE && r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([429, 200, 502, 502, 200]);
    // The retries backed off: at least 1 s, then 2 s, between the failed tries and the next.
    const [, , a, b, c] = puts.map((r) => r.time);
    expect(b! - a!).toBeGreaterThanOrEqual(900);
    expect(c! - b!).toBeGreaterThanOrEqual(1900);
  });

  it('refreshes an expired access token, and drops the connection once the member removes the app', async () => {
    const w = await world();
    connect(w, w.users.alice);
    expect((await runtime(w).pushNow(w.users.alice)).status).toBe('pushed');

    w.fake.oauth2.expireAccessTokens(w.users.alice);
    await award(w, w.users.alice, 20).final();
    await expect.poll(() => pushed(w, w.users.alice)?.sparks_lifetime, { timeout: 10_000 }).toBe('20');
    expect(w.fake.oauth2.log.map((l) => `${l.kind} ${l.status}`)).toEqual(['refresh 200']);

    w.fake.oauth2.deauthorize(w.users.alice);
    await award(w, w.users.alice, 5).final();
    await expect
      .poll(() => w.app.services.linkedRoles.store.get(w.users.alice), { timeout: 10_000 })
      .toBeUndefined();
    expect(w.fake.oauth2.log.map((l) => `${l.kind} ${l.status}`)).toEqual(['refresh 200', 'refresh 400']);
    expect(w.logs.some((l) => l.msg === 'linked role connection dropped' && l.reason === 'revoked')).toBe(
      true,
    );
    // Gone from the plugin too: later changes push nothing.
    const before = w.fake.requests.length;
    await award(w, w.users.alice, 5).final();
    await runtime(w).idle();
    expect(w.fake.requests.slice(before).some((r) => r.route === ROUTE)).toBe(false);
  });

  it('catches up at start what changed while the bot was down', async () => {
    const w = await world();
    connect(w, w.users.alice);
    expect((await runtime(w).pushNow(w.users.alice)).status).toBe('pushed');
    await w.stopBot();
    // Another process (a shard, a script) moves her Sparks meanwhile.
    const db = openDatabase(w.config.databasePath);
    new Ledger({ db }).credit({
      guildId: w.guildId,
      userId: w.users.alice,
      source: 'award',
      kind: 'award',
      amount: 70,
      key: 'offline-award',
      actor: { type: 'moderator', id: w.users.mod },
    });
    db.close();
    await w.restartBot();
    await expect.poll(() => pushed(w, w.users.alice)?.sparks_lifetime, { timeout: 10_000 }).toBe('70');
  });
});
