import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import {
  LinkedRoleService,
  ROLE_CONNECTION_SCOPE,
  type ApiResult,
  type RoleConnectionApi,
  type TokenGrant,
} from '../../src/linked-roles/linked-roles.ts';
import {
  bodyHash,
  connectionBody,
  PLATFORM_NAME,
  ROLE_CONNECTION_METADATA,
  type RoleConnectionBody,
} from '../../src/linked-roles/metadata.ts';
import { TokenSeal } from '../../src/linked-roles/token-seal.ts';
import { TierService } from '../../src/tiers/tiers.ts';
import { award, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';
const ALICE = '300000000000000001';
const BOB = '300000000000000002';
const OTHER_GUILD = '200000000000000002';
const DAY = 86_400_000;

const fresh = engineDbs();
let env: ReturnType<typeof ledgerOn>;
let linked: LinkedRoleService;
let tiers: TierService;

const grant = (over: Partial<TokenGrant> = {}): TokenGrant => ({
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  expiresAt: env.clock() + 7 * DAY,
  scopes: [ROLE_CONNECTION_SCOPE, 'identify'],
  ...over,
});

const connect = (userId = ALICE, over: Partial<Parameters<LinkedRoleService['connect']>[0]> = {}) =>
  linked.connect({ guildId: G, userId, username: 'Alice', grant: grant(), joinedAt: null, ...over });

const trade = (userId: string, amount: number, key: string) =>
  env.ledger.credit({
    guildId: G,
    userId,
    source: 'platform',
    kind: 'platform.trade',
    amount,
    key,
    actor: { type: 'platform', id: 'evt' },
  });

/** A Discord that answers from a script, recording what it was asked. */
function scriptedApi(
  script: {
    put?: (token: string, body: RoleConnectionBody) => ApiResult<void>;
    refresh?: (token: string) => ApiResult<TokenGrant>;
  } = {},
) {
  const calls: string[] = [];
  const bodies: RoleConnectionBody[] = [];
  let n = 0;
  const api: RoleConnectionApi = {
    putRoleConnection: (token, body) => {
      calls.push(`put ${token}`);
      bodies.push(body);
      return Promise.resolve(script.put ? script.put(token, body) : { ok: true, value: undefined });
    },
    refresh: (token) => {
      calls.push(`refresh ${token}`);
      n += 1;
      return Promise.resolve(
        script.refresh
          ? script.refresh(token)
          : {
              ok: true,
              value: grant({ accessToken: `access-${n + 1}`, refreshToken: `refresh-${n + 1}` }),
            },
      );
    },
  };
  return { api, calls, bodies };
}

describe('the metadata records', () => {
  it('follow Discord’s rules: at most 5, keys a–z 0–9 _, names ≤ 100, descriptions ≤ 200, types 1–8, en + ko', () => {
    expect(ROLE_CONNECTION_METADATA.length).toBeLessThanOrEqual(5);
    expect(ROLE_CONNECTION_METADATA.map((r) => [r.key, r.type])).toEqual([
      ['sparks_lifetime', 2],
      ['tier', 2],
      ['verified_trader', 7],
      ['member_since', 6],
    ]);
    for (const r of ROLE_CONNECTION_METADATA) {
      expect(r.key).toMatch(/^[a-z0-9_]{1,50}$/);
      expect(r.name.length).toBeGreaterThan(0);
      expect(r.name.length).toBeLessThanOrEqual(100);
      expect(r.description.length).toBeLessThanOrEqual(200);
      expect(Object.keys(r.name_localizations)).toEqual(['ko']);
      expect(Object.keys(r.description_localizations)).toEqual(['ko']);
    }
  });
});

describe.each(ENGINES)('Linked Roles on %s', (engine) => {
  beforeEach(() => {
    env = ledgerOn(fresh, engine);
    linked = new LinkedRoleService({ db: env.db, clock: env.clock, seal: new TokenSeal(SECRET) });
    tiers = new TierService({ db: env.db, ledger: env.ledger, clock: env.clock });
  });
  afterEach(() => env.cleanup());

  describe('a member’s values', () => {
    it('are lifetime earned, the tier step reached, a platform trade, and when they joined', () => {
      const joined = Date.UTC(2025, 0, 15);
      expect(linked.values(G, ALICE, joined)).toEqual({
        sparksLifetime: 0,
        tier: 0,
        verifiedTrader: false,
        memberSince: joined,
      });
      tiers.set(G, 'role-bronze', 100, { moderatorRoleId: null });
      tiers.set(G, 'role-bronze-too', 100, { moderatorRoleId: null });
      tiers.set(G, 'role-silver', 500, { moderatorRoleId: null });
      award(env.ledger, ALICE, 99, 'a1');
      expect(linked.values(G, ALICE, joined)).toMatchObject({ sparksLifetime: 99, tier: 0 });
      award(env.ledger, ALICE, 1, 'a2');
      // Two roles at one threshold are one step.
      expect(linked.values(G, ALICE, joined)).toMatchObject({ sparksLifetime: 100, tier: 1 });
      trade(ALICE, 450, 'trade-1');
      expect(linked.values(G, ALICE, joined)).toEqual({
        sparksLifetime: 550,
        tier: 2,
        verifiedTrader: true,
        memberSince: joined,
      });
      // Spending and revokes: lifetime follows the ledger (a revoke lowers it, spending does not).
      env.ledger.revoke({ guildId: G, userId: ALICE, amount: 100, key: 'r1', actor: MOD });
      expect(linked.values(G, ALICE, joined)).toMatchObject({ sparksLifetime: 450, tier: 1 });
      // Another guild's Sparks are not this guild's.
      expect(linked.values(OTHER_GUILD, ALICE, joined)).toMatchObject({
        sparksLifetime: 0,
        verifiedTrader: false,
      });
    });

    it('go to Discord as strings under the registered keys', () => {
      const body = connectionBody('Alice', {
        sparksLifetime: 1234,
        tier: 2,
        verifiedTrader: true,
        memberSince: Date.UTC(2025, 0, 15, 9, 30),
      });
      expect(body).toEqual({
        platform_name: PLATFORM_NAME,
        platform_username: 'Alice',
        metadata: {
          sparks_lifetime: '1234',
          tier: '2',
          verified_trader: '1',
          member_since: '2025-01-15T09:30:00.000Z',
        },
      });
      expect(
        connectionBody('x'.repeat(150), {
          ...{ sparksLifetime: 0, tier: 0, verifiedTrader: false, memberSince: 0 },
        }).platform_username,
      ).toHaveLength(100);
    });
  });

  describe('connecting', () => {
    it('stores the connection with its tokens sealed, member since the join date or first sighting', () => {
      connect(ALICE, { joinedAt: Date.UTC(2024, 5, 1) });
      const row = linked.store.get(ALICE)!;
      expect(row).toMatchObject({
        guildId: G,
        username: 'Alice',
        memberSince: Date.UTC(2024, 5, 1),
        pushedHash: null,
      });
      expect(row.accessToken).not.toContain('access-1');
      expect(row.refreshToken).not.toContain('refresh-1');
      expect(new TokenSeal(SECRET).open(row.accessToken)).toBe('access-1');
      expect(new TokenSeal('another-secret-that-is-long-enough-012345').open(row.accessToken)).toBeNull();

      award(env.ledger, BOB, 10, 'b1');
      const firstSeen = env.clock();
      env.clock.advance(DAY);
      connect(BOB);
      expect(linked.store.get(BOB)!.memberSince).toBe(firstSeen);
    });

    it('refuses a grant without role_connections.write, or malformed input, and writes nothing', () => {
      const refusals: [string, () => void][] = [
        ['SPARKS.LINKED_ROLE_SCOPE', () => connect(ALICE, { grant: grant({ scopes: ['identify'] }) })],
        ['SPARKS.INVALID_INPUT', () => connect(ALICE, { guildId: 'not-a-guild' })],
        ['SPARKS.INVALID_INPUT', () => connect('42')],
        ['SPARKS.INVALID_INPUT', () => connect(ALICE, { username: '   ' })],
        ['SPARKS.INVALID_INPUT', () => connect(ALICE, { grant: grant({ refreshToken: '' }) })],
      ];
      for (const [code, run] of refusals) {
        let caught: unknown;
        try {
          run();
        } catch (err) {
          caught = err;
        }
        expect(isSparksError(caught, code as 'SPARKS.INVALID_INPUT')).toBe(true);
      }
      expect(linked.store.get(ALICE)).toBeUndefined();
    });

    it('again, from another server, replaces the connection and starts its pushes over', async () => {
      const { api } = scriptedApi();
      connect();
      expect((await linked.push(ALICE, api)).status).toBe('pushed');
      connect(ALICE, { guildId: OTHER_GUILD });
      expect(linked.store.get(ALICE)).toMatchObject({ guildId: OTHER_GUILD, pushedHash: null });
      expect(linked.view(ALICE)).toMatchObject({ guildId: OTHER_GUILD, current: false });
      expect(linked.guildOf(ALICE)).toBe(OTHER_GUILD);
      expect(linked.guildOf(BOB)).toBeNull();
    });

    it('finds the guilds a member holds Sparks in, most earned first', () => {
      award(env.ledger, ALICE, 5, 'a1');
      env.ledger.credit({
        guildId: OTHER_GUILD,
        userId: ALICE,
        source: 'award',
        kind: 'award',
        amount: 50,
        key: 'o1',
        actor: MOD,
      });
      expect(linked.guildsOf(ALICE)).toEqual([OTHER_GUILD, G]);
      expect(linked.guildsOf(BOB)).toEqual([]);
    });
  });

  describe('a push', () => {
    it('sends the values once, and again only when one changes', async () => {
      const { api, calls, bodies } = scriptedApi();
      connect();
      expect(await linked.push(ALICE, api)).toMatchObject({
        status: 'pushed',
        values: { sparksLifetime: 0 },
      });
      expect(await linked.push(ALICE, api)).toEqual({ status: 'unchanged' });
      award(env.ledger, ALICE, 25, 'a1');
      expect(linked.stale(ALICE)).toBe(true);
      expect(await linked.push(ALICE, api)).toMatchObject({
        status: 'pushed',
        values: { sparksLifetime: 25 },
      });
      expect(calls).toEqual(['put access-1', 'put access-1']);
      expect(bodies[1]!.metadata.sparks_lifetime).toBe('25');
      const row = linked.store.get(ALICE)!;
      expect(row.pushedHash).toBe(bodyHash(bodies[1]!));
      expect(JSON.parse(row.pushedValues!)).toEqual(bodies[1]!.metadata);
      expect(linked.view(ALICE)).toMatchObject({ current: true, pushedAt: env.clock(), lastError: null });
      expect(await linked.push(BOB, api)).toEqual({ status: 'not_connected' });
    });

    it('refreshes an expired access token first, and keeps the new pair', async () => {
      const { api, calls } = scriptedApi();
      connect(ALICE, { grant: grant({ expiresAt: env.clock() + 30_000 }) });
      expect((await linked.push(ALICE, api)).status).toBe('pushed');
      expect(calls).toEqual(['refresh refresh-1', 'put access-2']);
      const seal = new TokenSeal(SECRET);
      const row = linked.store.get(ALICE)!;
      expect(seal.open(row.refreshToken)).toBe('refresh-2');
      expect(row.expiresAt).toBe(env.clock() + 7 * DAY);
    });

    it('refreshes once when Discord refuses the access token, then pushes with the new one', async () => {
      const { api, calls } = scriptedApi({
        put: (token) =>
          token === 'access-1' ? { ok: false, kind: 'unauthorized' } : { ok: true, value: undefined },
      });
      connect();
      expect((await linked.push(ALICE, api)).status).toBe('pushed');
      expect(calls).toEqual(['put access-1', 'refresh refresh-1', 'put access-2']);
    });

    it('drops the connection when the refresh is refused (the member revoked the app)', async () => {
      const dropped: string[] = [];
      linked.onDropped((id) => dropped.push(id));
      const { api } = scriptedApi({
        put: () => ({ ok: false, kind: 'unauthorized' }),
        refresh: () => ({ ok: false, kind: 'revoked' }),
      });
      connect();
      expect(await linked.push(ALICE, api)).toEqual({ status: 'dropped', reason: 'revoked' });
      expect(linked.store.get(ALICE)).toBeUndefined();
      expect(dropped).toEqual([ALICE]);
    });

    it('drops a connection whose tokens no longer open (SESSION_SECRET changed)', async () => {
      connect();
      const rotated = new LinkedRoleService({
        db: env.db,
        clock: env.clock,
        seal: new TokenSeal('another-secret-that-is-long-enough-012345'),
      });
      const { api, calls } = scriptedApi();
      expect(await rotated.push(ALICE, api)).toEqual({ status: 'dropped', reason: 'unreadable' });
      expect(calls).toEqual([]);
      expect(linked.store.get(ALICE)).toBeUndefined();
    });

    it('says to wait on a 429 and to back off on a 5xx (recording why), and fails on a refusal', async () => {
      connect();
      const limited = scriptedApi({
        put: () => ({ ok: false, kind: 'rate_limited', retryAfterMs: 1500, global: true }),
      });
      expect(await linked.push(ALICE, limited.api)).toEqual({
        status: 'retry',
        afterMs: 1500,
        global: true,
        error: 'push: rate limited',
      });
      const down = scriptedApi({ put: () => ({ ok: false, kind: 'unavailable', detail: '502 http_502' }) });
      expect(await linked.push(ALICE, down.api)).toMatchObject({ status: 'retry', afterMs: null });
      expect(linked.store.get(ALICE)!.lastError).toBe('push: 502 http_502');
      expect(linked.view(ALICE)).toMatchObject({ current: false, lastError: 'push: 502 http_502' });
      const refused = scriptedApi({
        put: () => ({ ok: false, kind: 'rejected', status: 400, detail: 'discord_50035' }),
      });
      expect(await linked.push(ALICE, refused.api)).toEqual({
        status: 'failed',
        error: 'push: 400 discord_50035',
      });
      expect(linked.store.get(ALICE)).toMatchObject({
        pushedHash: null,
        lastError: 'push: 400 discord_50035',
      });
      // A later success clears the error.
      expect((await linked.push(ALICE, scriptedApi().api)).status).toBe('pushed');
      expect(linked.store.get(ALICE)!.lastError).toBeNull();
    });

    it('does not record a push over a connection replaced while it was in flight', async () => {
      connect();
      const api: RoleConnectionApi = {
        putRoleConnection: () => {
          env.clock.advance(1);
          connect(ALICE, { guildId: OTHER_GUILD });
          return Promise.resolve({ ok: true, value: undefined });
        },
        refresh: () => Promise.reject(new Error('not called')),
      };
      expect(await linked.push(ALICE, api)).toMatchObject({ status: 'retry', afterMs: 0 });
      expect(linked.store.get(ALICE)).toMatchObject({ guildId: OTHER_GUILD, pushedHash: null });
    });
  });

  describe('the connections table', () => {
    const ids = ['300000000000000009', '300000000000000003', '300000000000000007'];

    it('reads a connection back whole, every time a number', () => {
      const now = env.clock();
      connect(ALICE, { joinedAt: Date.UTC(2024, 5, 1) });
      expect(linked.store.get(ALICE)).toEqual({
        userId: ALICE,
        guildId: G,
        username: 'Alice',
        accessToken: expect.any(String) as string,
        refreshToken: expect.any(String) as string,
        expiresAt: now + 7 * DAY,
        scope: `${ROLE_CONNECTION_SCOPE} identify`,
        memberSince: Date.UTC(2024, 5, 1),
        pushedValues: null,
        pushedHash: null,
        pushedAt: null,
        lastError: null,
        lastErrorAt: null,
        connectedAt: now,
        updatedAt: now,
      });
    });

    it('pages the connections by user id for the sweep', () => {
      for (const id of ids) connect(id);
      expect(linked.page('')).toEqual(ids.toSorted().map((userId) => ({ userId, guildId: G })));
      const first = linked.store.page('', 2);
      expect(first.map((k) => k.userId)).toEqual(ids.toSorted().slice(0, 2));
      expect(linked.store.page(first[1]!.userId, 2).map((k) => k.userId)).toEqual([ids.toSorted()[2]]);
      expect(linked.store.page(ids.toSorted()[2]!, 2)).toEqual([]);
    });

    it('disconnects once: a second disconnect finds nothing and tells nobody', () => {
      const dropped: string[] = [];
      linked.onDropped((id) => dropped.push(id));
      connect();
      connect(BOB);
      expect(linked.disconnect(ALICE)).toBe(true);
      expect(linked.disconnect(ALICE)).toBe(false);
      expect(dropped).toEqual([ALICE]);
      expect(linked.view(ALICE)).toBeNull();
      expect(linked.page('').map((k) => k.userId)).toEqual([BOB]);
    });

    it('keeps the first 500 characters of a long error, with when it happened', async () => {
      connect();
      env.clock.advance(5);
      const refused = scriptedApi({
        put: () => ({ ok: false, kind: 'rejected', status: 400, detail: 'é'.repeat(1000) }),
      });
      expect((await linked.push(ALICE, refused.api)).status).toBe('failed');
      const row = linked.store.get(ALICE)!;
      expect(row.lastError).toBe(`push: 400 ${'é'.repeat(490)}`);
      expect(row.lastErrorAt).toBe(env.clock());
      expect(row.updatedAt).toBe(env.clock());
    });

    it('lists a member’s guilds by lifetime earned, ties by guild id, up to the limit', () => {
      for (const guildId of ['200000000000000005', '200000000000000003', G])
        env.ledger.credit({
          guildId,
          userId: ALICE,
          source: 'award',
          kind: 'award',
          amount: 10,
          key: 'k',
          actor: MOD,
        });
      award(env.ledger, ALICE, 5, 'more');
      expect(linked.guildsOf(ALICE)).toEqual([G, '200000000000000003', '200000000000000005']);
      expect(linked.guildsOf(ALICE, 2)).toEqual([G, '200000000000000003']);
      expect(linked.store.memberGuilds(ALICE, 1)).toEqual([{ guildId: G, lifetime: 15 }]);
    });

    it('the schema refuses an error past 500 characters, and a second row for one member', () => {
      const cols = `user_id, guild_id, username, access_token, refresh_token, expires_at, scope, member_since, connected_at, updated_at`;
      const values = (userId: string) => `'${userId}', 'g', 'u', 'a', 'r', 1, 's', 1, 1, 1`;
      expect(() =>
        env.exec(
          `INSERT INTO role_connections (${cols}, last_error) VALUES (${values('u1')}, '${'x'.repeat(501)}')`,
        ),
      ).toThrow();
      expect(() =>
        env.exec(`INSERT INTO role_connections (${cols}) VALUES (${values('u1')}), (${values('u1')})`),
      ).toThrow();
      expect(env.rows('SELECT COUNT(*) AS n FROM role_connections')).toEqual([{ n: 0 }]);
      env.exec(
        `INSERT INTO role_connections (${cols}, last_error) VALUES (${values('u1')}, '${'x'.repeat(500)}')`,
      );
      expect(env.rows('SELECT COUNT(*) AS n FROM role_connections')).toEqual([{ n: 1 }]);
    });
  });
});

describe('TokenSeal', () => {
  it('opens what it sealed, and nothing altered', () => {
    const seal = new TokenSeal(SECRET);
    const sealed = seal.seal('a-token');
    expect(sealed).not.toBe(seal.seal('a-token'));
    expect(seal.open(sealed)).toBe('a-token');
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = body!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(seal.open([v, iv, tag, flipped].join('.'))).toBeNull();
    expect(seal.open('plain-text')).toBeNull();
  });
});
