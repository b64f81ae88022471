/**
 * `Ledger.postManyInTransaction` (the campaign group commit's one-statement insert) must
 * leave exactly the ledger that posting the same inputs one by one leaves: balances,
 * lifetime earned, the week/month rollups, the rank histogram, the entries, what the hooks
 * saw, and the same error when one input cannot be posted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import {
  BatchNotApplicable,
  CAMPAIGN_BUDGET,
  ISSUANCE,
  Ledger,
  MEMBER,
  type AccountKey,
  type PostInput,
} from '../../src/ledger/ledger.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { fakeClock, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine, type EngineDb } from '../helpers/engines.ts';

const SOURCES: AccountKey[] = [
  ISSUANCE('award'),
  ISSUANCE('platform'),
  CAMPAIGN_BUDGET(1),
  ISSUANCE('quest'),
  ISSUANCE('streak'),
];
const user = (i: number) => `u${i}`;

const fresh = engineDbs();
// Fewer runs on PostgreSQL, where each statement is a loopback round trip.
const RUNS: Record<Engine, number> = { sqlite: 120, postgres: 30 };

function world(engine: Engine) {
  const env = fresh(engine);
  const { db } = env;
  const clock = fakeClock();
  const ledger = new Ledger({ db, clock });
  const seen: unknown[] = [];
  ledger.onPosted((t, debit, credit, input) => {
    const { id: _id, ...entry } = t;
    seen.push([
      entry,
      debit.type,
      debit.ref,
      debit.balance,
      credit.ref,
      credit.balance,
      credit.lifetimeEarned,
      credit.ranked,
      input.to.ranked,
    ]);
  });
  return { env, db, clock, ledger, seen };
}

function snapshot(w: { env: EngineDb }) {
  const all = (sql: string) => w.env.rows(sql);
  return {
    accounts: all(
      `SELECT guild_id, type, ref, balance, lifetime_earned, ranked FROM accounts ORDER BY guild_id, type, ref`,
    ),
    transfers: all(
      `SELECT t.guild_id, kind, d.type AS dt, d.ref AS dr, c.type AS ct, c.ref AS cr, amount, idempotency_key,
              actor_type, actor_id, reason, t.ref, t.created_at
       FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
       ORDER BY t.id`,
    ),
    periods: all(
      `SELECT p.guild_id, p.period, a.ref, p.earned, p.ranked FROM earn_periods p JOIN accounts a ON a.id = p.account_id
       ORDER BY p.guild_id, p.period, a.ref`,
    ),
    ranks: all(`SELECT guild_id, board, level, key, n FROM rank_counts WHERE n > 0 ORDER BY 1, 2, 3, 4`),
  };
}

/**
 * Both worlds start alike: some members already earned (last week and today), a campaign
 * funded, and maybe a running season counting some sources (its board is a rollup too).
 */
function seed(
  w: ReturnType<typeof world>,
  earlier: { u: number; amount: number }[],
  budget: number,
  season: number | null = null,
) {
  if (season !== null)
    w.env.exec(
      `INSERT INTO seasons (guild_id, name, sources, starts_at, ends_at, status, created_by, created_at)
       VALUES ('${G}', 'S1', ${season}, ${w.clock() - 4 * DAY_MS}, ${w.clock() + 30 * DAY_MS}, 'running', '${MOD.id}', ${w.clock()})`,
    );
  w.clock.advance(-8 * DAY_MS);
  earlier.forEach(({ u, amount }, i) => {
    if (i === earlier.length >> 1) w.clock.advance(8 * DAY_MS);
    w.ledger.post({
      guildId: G,
      kind: 'award',
      from: ISSUANCE('award'),
      to: MEMBER(user(u)),
      amount,
      key: `seed-${i}`,
      actor: MOD,
    });
  });
  w.ledger.post({
    guildId: G,
    kind: 'campaign.fund',
    from: ISSUANCE('campaign'),
    to: CAMPAIGN_BUDGET(1),
    amount: budget,
    key: 'fund',
    actor: MOD,
  });
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return isSparksError(e) ? e.code : String(e);
  }
}

const amount = fc.oneof(
  fc.integer({ min: 1, max: 300 }),
  fc.constantFrom(1023, 1024, 1_048_576),
  fc.integer({ min: 1, max: 2_000_000 }),
);

describe.each(ENGINES)('postManyInTransaction on %s', (engine) => {
  it('leaves the same ledger, hook calls and errors as posting one by one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ u: fc.nat({ max: 11 }), amount }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.uniqueArray(fc.nat({ max: 11 }), { minLength: 1, maxLength: 12 }),
        fc.array(
          fc.record({ source: fc.nat({ max: 4 }), amount, ranked: fc.constantFrom(undefined, true, false) }),
          { minLength: 12, maxLength: 12 },
        ),
        fc.option(fc.integer({ min: 1, max: 15 })),
        (earlier, budget, targets, picks, season) => {
          const inputs: PostInput[] = targets.map((u, k) => ({
            guildId: G,
            kind: picks[k]!.source >= 2 ? 'campaign.grant' : 'award',
            from: SOURCES[picks[k]!.source]!,
            // A known leaderboard flag opens a new account with it (and is ignored otherwise).
            to: MEMBER(user(u), picks[k]!.ranked),
            amount: picks[k]!.source === 2 ? Math.min(picks[k]!.amount, 3000) : picks[k]!.amount,
            key: `k${k}`,
            actor: { type: 'campaign', id: '1' },
            reason: `batch ${k}`,
            ref: k % 2 ? `ref-${k}` : null,
          }));
          const one = world(engine);
          const many = world(engine);
          seed(one, earlier, budget, season);
          seed(many, earlier, budget, season);
          const a = outcome(() => one.db.write(() => inputs.forEach((i) => one.ledger.postInTransaction(i))));
          const b = outcome(() => many.db.write(() => many.ledger.postManyInTransaction(inputs)));
          expect(b).toBe(a);
          expect(snapshot(many)).toEqual(snapshot(one));
          if (a === 'ok') expect(many.seen).toEqual(one.seen);
          expect(many.env.verify()).toEqual({ ok: true, problems: [] });
          // The batch's gate (SQLite's) is down again whatever happened (the triggers serve
          // the next write). PostgreSQL's batch has no gate.
          if (engine === 'sqlite')
            expect(many.env.rows('SELECT COUNT(*) AS n FROM batch_gate')).toEqual([{ n: 0 }]);
          one.env.cleanup();
          many.env.cleanup();
        },
      ),
      { numRuns: RUNS[engine] },
    );
  });

  it('returns each entry with its own id, in the order given', () => {
    const w = world(engine);
    const results = w.db.write(() =>
      w.ledger.postManyInTransaction(
        ['b', 'a', 'c'].map((u, k) => ({
          guildId: G,
          kind: 'award',
          from: ISSUANCE('award'),
          to: MEMBER(u),
          amount: k + 1,
          key: `key-${u}`,
          actor: MOD,
        })),
      ),
    );
    expect(results.map((r) => [r.transfer.idempotencyKey, r.transfer.amount, r.duplicate])).toEqual([
      ['key-b', 1, false],
      ['key-a', 2, false],
      ['key-c', 3, false],
    ]);
    for (const r of results) expect(w.ledger.reads.transferById(r.transfer.id)).toEqual(r.transfer);
    w.env.cleanup();
  });

  it('refuses batches it cannot take as one statement, before writing anything', () => {
    const w = world(engine);
    const grant = (to: string, key: string, from: AccountKey = ISSUANCE('award')): PostInput => ({
      guildId: G,
      kind: 'award',
      from,
      to: MEMBER(to),
      amount: 5,
      key,
      actor: MOD,
    });
    w.ledger.post(grant('old', 'posted'));
    const before = snapshot(w);
    const refused: PostInput[][] = [
      [grant('a', 'k1'), grant('b', 'k1')], // a repeated key
      [grant('a', 'k1'), grant('a', 'k2')], // a repeated credit account
      [grant('a', 'k1'), grant('b', 'k2', MEMBER('a'))], // credited and debited
      [grant('a', 'k1'), grant('b', 'posted')], // a key posted before
      [{ ...grant('a', 'k1'), kind: 'reversal', closesId: 1 }], // a closing entry
    ];
    for (const batch of refused) {
      expect(() => w.db.write(() => w.ledger.postManyInTransaction(batch))).toThrow(BatchNotApplicable);
    }
    expect(() => w.ledger.postManyInTransaction([grant('a', 'k1')])).toThrow(/needs an open db.write/);
    expect(snapshot(w)).toEqual(before);
    expect(w.db.write(() => w.ledger.postManyInTransaction([]))).toEqual([]);
    w.env.cleanup();
  });

  it('checks every input like post does: a bad amount fails the batch and nothing is written', () => {
    const w = world(engine);
    const before = snapshot(w);
    const grant = (to: string, amount: number): PostInput => ({
      guildId: G,
      kind: 'award',
      from: ISSUANCE('award'),
      to: MEMBER(to),
      amount,
      key: `k-${to}`,
      actor: MOD,
    });
    expect(
      outcome(() => w.db.write(() => w.ledger.postManyInTransaction([grant('a', 5), grant('b', 0.5)]))),
    ).toBe('SPARKS.INVALID_AMOUNT');
    expect(snapshot(w)).toEqual(before);
    w.env.cleanup();
  });
});
