/**
 * Ranks come from the rank_counts histogram; this property checks them against a brute
 * force ranking of every member, across random earnings (small and past the 2^10 / 2^20
 * block edges), spending, revokes, members leaving and returning, and weeks passing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { Ledger, type LeaderboardPeriod } from '../../src/ledger/ledger.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { fakeClock, G, MOD, rankedFlags } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const USERS = Array.from({ length: 8 }, (_, i) => `u${i}`);
type Op =
  | { t: 'earn'; u: number; amount: number }
  | { t: 'revoke' | 'spend'; u: number; amount: number }
  | { t: 'ranked'; u: number; ranked: boolean }
  | { t: 'days'; days: number };

const amount = fc.oneof(
  fc.integer({ min: 1, max: 50 }),
  fc.constantFrom(1023, 1024, 1025, 1_048_575, 1_048_576, 3_000_000),
  fc.integer({ min: 1, max: 2_000_000 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('earn' as const), u: fc.nat({ max: 7 }), amount }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom('revoke' as const, 'spend' as const),
      u: fc.nat({ max: 7 }),
      amount,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('ranked' as const), u: fc.nat({ max: 7 }), ranked: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('days' as const), days: fc.integer({ min: 1, max: 20 }) }),
  },
);

const fresh = engineDbs();
// Fewer runs on PostgreSQL: every step re-reads every member's rank on three boards there
// through loopback round trips (~0.3 ms a statement).
const RUNS: Record<Engine, number> = { sqlite: 60, postgres: 6 };

describe.each(ENGINES)('leaderboard ranks from rank counts on %s', (engine) => {
  it('equal a brute-force ranking for every member and board, after every step', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const env = fresh(engine);
        const clock = fakeClock();
        const ledger = new Ledger({ db: env.db, clock });
        const setRanked = rankedFlags(ledger);
        let k = 0;
        try {
          for (const o of ops) {
            const user = o.t === 'days' ? '' : USERS[o.u]!;
            try {
              if (o.t === 'earn')
                ledger.credit({
                  guildId: G,
                  userId: user,
                  source: 'award',
                  kind: 'award',
                  amount: o.amount,
                  key: `k${k++}`,
                  actor: MOD,
                });
              if (o.t === 'revoke')
                ledger.revoke({ guildId: G, userId: user, amount: o.amount, key: `k${k++}`, actor: MOD });
              if (o.t === 'spend')
                ledger.hold({ guildId: G, userId: user, amount: o.amount, key: `k${k++}`, actor: MOD });
              if (o.t === 'ranked') setRanked(G, user, o.ranked);
              if (o.t === 'days') clock.advance(o.days * DAY_MS);
            } catch (e) {
              if (!isSparksError(e, 'SPARKS.INSUFFICIENT')) throw e;
            }
            for (const period of ['all', 'week', 'month'] as LeaderboardPeriod[]) {
              const scored = USERS.map((u) => {
                const account = ledger.reads.account(G, { type: 'member', ref: u });
                return {
                  u,
                  id: account?.id ?? Infinity,
                  ranked: account?.ranked === 1,
                  score: ledger.reads.rankOf(G, u, period).score,
                };
              });
              const ranked = scored
                .filter((s) => s.ranked && s.score > 0)
                .sort((a, b) => b.score - a.score || a.id - b.id);
              for (const s of scored) {
                const expected = ranked.findIndex((r) => r.u === s.u);
                expect(ledger.reads.rankOf(G, s.u, period).rank).toBe(expected < 0 ? null : expected + 1);
              }
              const page = ledger.reads.leaderboard(G, period, { limit: 3, offset: 1 });
              expect(page.total).toBe(ranked.length);
              expect(page.rows.map((r) => r.userId)).toEqual(ranked.slice(1, 4).map((r) => r.u));
            }
          }
          expect(env.verify()).toEqual({ ok: true, problems: [] });
        } finally {
          env.cleanup();
        }
      }),
      { numRuns: RUNS[engine], seed: 4242 },
    );
  });
});
