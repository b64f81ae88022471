import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { MAX_TIERS, MAX_THRESHOLD, progressOf, TierService } from '../../src/tiers/tiers.ts';
import { G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const fresh = engineDbs();

const earn = (ledger: Ledger, userId: string, amount: number, key: string) =>
  ledger.credit({ guildId: G, userId, source: 'award', kind: 'award', amount, key, actor: MOD });
const noGuard = { moderatorRoleId: null };

describe('progressOf', () => {
  const tiers = [
    { roleId: 'bronze', threshold: 100 },
    { roleId: 'silver', threshold: 1000 },
  ];
  it.each([
    [0, null, 'bronze', 100],
    [99, null, 'bronze', 1],
    [100, 'bronze', 'silver', 900],
    [999, 'bronze', 'silver', 1],
    [1000, 'silver', null, null],
    [5000, 'silver', null, null],
  ])('lifetime %i → current %s, next %s, %s Sparks to go', (lifetime, current, next, needed) => {
    const p = progressOf(tiers, lifetime);
    expect(p.current?.roleId ?? null).toBe(current);
    expect(p.next?.roleId ?? null).toBe(next);
    expect(p.needed).toBe(needed);
  });
});

describe.each(ENGINES)('tiers on %s', (engine) => {
  let env: ReturnType<typeof ledgerOn>;
  let tiers: TierService;
  beforeEach(() => {
    env = ledgerOn(fresh, engine);
    tiers = new TierService({ db: env.db, ledger: env.ledger, clock: env.clock });
  });
  afterEach(() => env.cleanup());

  describe('TierService.plan', () => {
    it.each([
      ['no record, reached', 150, null, { grant: ['bronze'], remove: [] }],
      ['no record, not reached', 50, null, { grant: [], remove: [] }],
      ['granted (maybe removed by hand since), reached', 150, 'granted', { grant: [], remove: [] }],
      ['revoked, reached again', 150, 'revoked', { grant: ['bronze'], remove: [] }],
      ['granted, fallen below (a revoke)', 50, 'granted', { grant: [], remove: ['bronze'] }],
      ['revoked, still below', 50, 'revoked', { grant: [], remove: [] }],
    ] as const)('%s', (_label, lifetime, status, expected) => {
      tiers.set(G, 'bronze', 100, noGuard);
      earn(env.ledger, 'alice', lifetime, 'k');
      if (status === 'granted') tiers.markGranted(G, 'alice', 'bronze');
      if (status === 'revoked') tiers.markRevoked(G, 'alice', 'bronze');
      const plan = tiers.plan(G, 'alice');
      expect({ grant: plan.grant.map((t) => t.roleId), remove: plan.remove.map((t) => t.roleId) }).toEqual(
        expected,
      );
      expect(plan.lifetime).toBe(lifetime);
      expect(tiers.pendingMembers(G, 10)).toEqual(
        expected.grant.length + expected.remove.length ? ['alice'] : [],
      );
    });

    it('spending does not change the plan: lifetime earned stays', () => {
      tiers.set(G, 'bronze', 100, noGuard);
      earn(env.ledger, 'alice', 150, 'k');
      tiers.markGranted(G, 'alice', 'bronze');
      env.ledger.hold({ guildId: G, userId: 'alice', amount: 150, key: 'spend', actor: MOD });
      expect(tiers.plan(G, 'alice')).toMatchObject({ lifetime: 150, grant: [], remove: [] });
    });

    it('a member who rejoins has their grants forgotten, so earned tiers are granted again', () => {
      tiers.set(G, 'bronze', 100, noGuard);
      earn(env.ledger, 'alice', 150, 'k');
      tiers.markGranted(G, 'alice', 'bronze');
      expect(tiers.forgetMember(G, 'alice')).toBe(1);
      expect(tiers.plan(G, 'alice').grant.map((t) => t.roleId)).toEqual(['bronze']);
    });
  });

  describe('TierService.set / remove', () => {
    it('adds, updates (returning the old threshold) and counts who qualifies; tells listeners', () => {
      const changed: string[] = [];
      tiers.onChanged((g) => changed.push(g));
      earn(env.ledger, 'alice', 300, 'a');
      earn(env.ledger, 'bob', 100, 'b');
      expect(tiers.set(G, 'gold', 200, noGuard)).toEqual({
        tier: { roleId: 'gold', threshold: 200 },
        previous: null,
        qualifying: 1,
      });
      expect(tiers.set(G, 'gold', 50, noGuard)).toMatchObject({ previous: 200, qualifying: 2 });
      expect(tiers.list(G)).toEqual([{ roleId: 'gold', threshold: 50 }]);
      expect(changed).toEqual([G, G]);
      expect(tiers.remove(G, 'gold')).toEqual({ roleId: 'gold', threshold: 50 });
      expect(tiers.list(G)).toEqual([]);
    });

    it.each([
      ['a threshold of 0', () => tiers.set(G, 'r', 0, noGuard), 'SPARKS.INVALID_AMOUNT'],
      ['a fractional threshold', () => tiers.set(G, 'r', 1.5, noGuard), 'SPARKS.INVALID_AMOUNT'],
      [
        'the moderator role',
        () => tiers.set(G, 'mods', 10, { moderatorRoleId: 'mods' }),
        'SPARKS.TIER_INVALID',
      ],
      ['removing a role that is no tier', () => tiers.remove(G, 'nope'), 'SPARKS.TIER_NOT_FOUND'],
    ] as const)('refuses %s', (_label, fn, code) => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(isSparksError(caught, code)).toBe(true);
      expect(tiers.list(G)).toEqual([]);
    });

    it(`refuses a tier past ${MAX_TIERS}, but still updates an existing one`, () => {
      for (let i = 1; i <= MAX_TIERS; i++) tiers.set(G, `r${i}`, i, noGuard);
      let caught: unknown;
      try {
        tiers.set(G, 'one-more', 999, noGuard);
      } catch (e) {
        caught = e;
      }
      expect(isSparksError(caught, 'SPARKS.TIER_INVALID')).toBe(true);
      expect(tiers.set(G, 'r1', 500, noGuard).previous).toBe(1);
      expect(tiers.list(G)).toHaveLength(MAX_TIERS);
    });
  });

  describe('reads', () => {
    it('lists tiers by threshold, then role id; standing names the lowest role id of a tie', () => {
      tiers.set(G, 'silver', 1000, noGuard);
      tiers.set(G, 'bronze', 100, noGuard);
      tiers.set(G, 'alt', 100, noGuard);
      expect(tiers.list(G).map((t) => t.roleId)).toEqual(['alt', 'bronze', 'silver']);
      expect(tiers.list('other-guild')).toEqual([]);
      expect(tiers.standing(G, 0)).toEqual({ tier: null, next: { roleId: 'alt', threshold: 100 } });
      expect(tiers.standing(G, 100)).toEqual({
        tier: { roleId: 'alt', threshold: 100 },
        next: { roleId: 'silver', threshold: 1000 },
      });
      expect(tiers.standing(G, 5000)).toEqual({ tier: { roleId: 'silver', threshold: 1000 }, next: null });
      expect(tiers.progress(G, 150)).toMatchObject({ current: { roleId: 'bronze' }, needed: 850 });
    });

    it('keeps the largest threshold exactly, as a number', () => {
      tiers.set(G, 'max', MAX_THRESHOLD, noGuard);
      expect(tiers.list(G)).toEqual([{ roleId: 'max', threshold: MAX_THRESHOLD }]);
      expect(tiers.standing(G, MAX_THRESHOLD - 1)).toEqual({
        tier: null,
        next: { roleId: 'max', threshold: MAX_THRESHOLD },
      });
    });

    it("counts live grants per role, and who qualifies among the guild's members only", () => {
      tiers.set(G, 'bronze', 100, noGuard);
      tiers.set(G, 'silver', 1000, noGuard);
      for (const [who, key] of [
        ['alice', 'a'],
        ['bob', 'b'],
        ['carol', 'c'],
      ])
        earn(env.ledger, who!, 150, key!);
      env.ledger.credit({
        guildId: 'other',
        userId: 'dave',
        source: 'award',
        kind: 'award',
        amount: 500,
        key: 'd',
        actor: MOD,
      });
      tiers.markGranted(G, 'alice', 'bronze');
      tiers.markGranted(G, 'bob', 'bronze');
      tiers.markGranted(G, 'carol', 'bronze');
      tiers.markRevoked(G, 'carol', 'bronze');
      expect(tiers.grantedCounts(G)).toEqual(new Map([['bronze', 2]]));
      expect(tiers.set(G, 'gold', 120, noGuard).qualifying).toBe(3);
    });

    it('pages the members whose roles disagree, and drops them once marked', () => {
      tiers.set(G, 'bronze', 100, noGuard);
      for (const who of ['alice', 'bob', 'carol']) earn(env.ledger, who, 150, who);
      earn(env.ledger, 'dan', 50, 'dan');
      const first = tiers.pendingMembers(G, 2);
      expect(first).toHaveLength(2);
      expect(new Set(tiers.pendingMembers(G, 10))).toEqual(new Set(['alice', 'bob', 'carol']));
      for (const who of first) tiers.markGranted(G, who, 'bronze');
      const rest = tiers.pendingMembers(G, 10);
      expect(rest).toHaveLength(1);
      expect([...first, ...rest].sort()).toEqual(['alice', 'bob', 'carol']);
      tiers.markGranted(G, rest[0]!, 'bronze');
      expect(tiers.pendingMembers(G, 10)).toEqual([]);
    });
  });

  describe('writes', () => {
    it('setting a tier again changes nothing but the threshold; its creation time stays', () => {
      tiers.set(G, 'gold', 200, noGuard);
      env.clock.advance(60_000);
      expect(tiers.set(G, 'gold', 200, noGuard)).toMatchObject({ previous: 200 });
      tiers.set(G, 'gold', 300, noGuard);
      const rows = env.rows(`SELECT role_id, threshold, created_at FROM tier_roles`);
      expect(rows).toEqual([{ role_id: 'gold', threshold: 300, created_at: env.clock() - 60_000 }]);
    });

    it('marking a grant twice keeps one record, its status the last one set', () => {
      tiers.set(G, 'bronze', 100, noGuard);
      tiers.markGranted(G, 'alice', 'bronze');
      tiers.markGranted(G, 'alice', 'bronze');
      tiers.markRevoked(G, 'alice', 'bronze');
      expect(env.rows(`SELECT user_id, role_id, status FROM tier_grants`)).toEqual([
        { user_id: 'alice', role_id: 'bronze', status: 'revoked' },
      ]);
      expect(tiers.forgetMember(G, 'alice')).toBe(1);
      expect(tiers.forgetMember(G, 'alice')).toBe(0);
    });

    it('removing a tier keeps its grant records', () => {
      tiers.set(G, 'bronze', 100, noGuard);
      tiers.markGranted(G, 'alice', 'bronze');
      tiers.remove(G, 'bronze');
      expect(tiers.list(G)).toEqual([]);
      expect(tiers.grantedCounts(G)).toEqual(new Map([['bronze', 1]]));
    });

    it.each([
      [
        'a threshold of 0',
        `INSERT INTO tier_roles (guild_id, role_id, threshold, created_at) VALUES ('g', 'r', 0, 1)`,
      ],
      [
        'a threshold past 2^53−1',
        `INSERT INTO tier_roles (guild_id, role_id, threshold, created_at) VALUES ('g', 'r', 9007199254740992, 1)`,
      ],
      [
        'a second row for one role',
        `INSERT INTO tier_roles (guild_id, role_id, threshold, created_at) VALUES ('g', 'r', 5, 1), ('g', 'r', 6, 1)`,
      ],
      [
        'a grant with no status',
        `INSERT INTO tier_grants (guild_id, user_id, role_id, status, updated_at) VALUES ('g', 'u', 'r', NULL, 1)`,
      ],
    ])('the schema refuses %s', (_label, statement) => {
      expect(() => env.exec(statement)).toThrow();
      expect(env.rows(`SELECT COUNT(*) AS n FROM tier_roles`)).toEqual([{ n: 0 }]);
    });
  });
});
