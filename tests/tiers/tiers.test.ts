import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { MAX_TIERS, progressOf, TierService } from '../../src/tiers/tiers.ts';
import { freshLedger, G, MOD } from '../helpers/db.ts';

let env: ReturnType<typeof freshLedger>;
let tiers: TierService;
beforeEach(() => {
  env = freshLedger();
  tiers = new TierService({ db: env.db, ledger: env.ledger, clock: env.clock });
});
afterEach(() => env.db.cleanup());

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
