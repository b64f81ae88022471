/**
 * The ledger rollup on both engines (issue 22): the same generated history gives the same
 * analytics (flows, earners per day and week, the referral funnel) and the same earnings by
 * kind on SQLite and PostgreSQL, whatever the chunk size and the folds in between; each
 * engine's rollup equals a direct aggregate of its journal; and on PostgreSQL an entry whose
 * id was drawn before a fold ran but whose transaction committed after it is still folded.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.ts';
import { platformStore } from '../../src/db/pg/platform-store.ts';
import { rollupStore } from '../../src/db/pg/rollup-store.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { MEMBER } from '../../src/ledger/accounts.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { AdminAnalytics } from '../../src/moderation/analytics.ts';
import { EARNING_KINDS, LedgerRollup } from '../../src/moderation/ledger-rollup.ts';
import { fakeClock, G, MOD } from '../helpers/db.ts';
import { ENGINES, engineDbs, type EngineDb } from '../helpers/engines.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const fresh = engineDbs();
const G2 = '200000000000000002';
const START = Date.UTC(2026, 10, 2, 12);
const NOW = START + 30 * DAY_MS;
const user = (i: number) => `3000000000000000${String(i).padStart(2, '0')}`;

type Op =
  | { op: 'credit'; guild: 0 | 1; member: number; amount: number; day: number; kind: number }
  | { op: 'revoke'; guild: 0 | 1; member: number; amount: number; day: number }
  | { op: 'redeem'; guild: 0 | 1; member: number; amount: number; day: number; post: boolean }
  | { op: 'refer'; guild: 0 | 1; member: number; referrer: number }
  | { op: 'fold'; chunks: number };

const CREDITS = [
  { source: 'award', kind: 'award' },
  { source: 'campaign', kind: 'campaign.grant' },
  { source: 'platform', kind: 'platform.trade' },
  { source: 'platform', kind: 'platform.referral' },
  { source: 'platform', kind: 'platform.subscription' },
] as const;

const base = { guild: fc.constantFrom<0 | 1>(0, 1), member: fc.nat(5), day: fc.nat(20) };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('credit' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 500 }),
      kind: fc.nat(CREDITS.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('revoke' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('redeem' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 300 }),
      post: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('refer' as const),
      guild: base.guild,
      member: base.member,
      referrer: base.member,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('fold' as const), chunks: fc.integer({ min: 1, max: 3 }) }),
  },
);

/** Applies the ops through the services; refusals (not enough Sparks, a referral already there) write nothing. */
function play(env: EngineDb, ops: readonly Op[], rollup: LedgerRollup): void {
  const { db } = env;
  const clock = fakeClock(START);
  const ledger = new Ledger({ db, clock });
  const platform = platformStore(db);
  let n = 0;
  for (const o of ops) {
    const key = `k${n++}`;
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch {
        // A refused entry writes nothing.
      }
    };
    if (o.op === 'fold') {
      rollup.catchUp(o.chunks);
      continue;
    }
    const guildId = o.guild === 0 ? G : G2;
    if (o.op === 'refer') {
      if (o.member !== o.referrer && !platform.referralOf(guildId, user(o.member)))
        db.write(() =>
          platform.insertReferral({
            guildId,
            inviteeUserId: user(o.member),
            referrerUserId: user(o.referrer),
            eventId: key,
            createdAt: clock(),
          }),
        );
      continue;
    }
    clock.set(START + o.day * DAY_MS + (n % 7) * 3_600_000);
    const entry = { guildId, userId: user(o.member), amount: o.amount, key, actor: MOD };
    if (o.op === 'credit') attempt(() => ledger.credit({ ...entry, ...CREDITS[o.kind]! }));
    else if (o.op === 'revoke') attempt(() => ledger.revoke(entry));
    else
      attempt(() => {
        const hold = ledger.hold(entry).transfer;
        ledger.closeHold(hold.id, o.post ? 'post' : 'void', { key: `${key}c`, actor: MOD });
      });
  }
}

/** Everything the analytics page and the member page read from the rollup, keyed by guild and member. */
function readings(env: EngineDb, rollup: LedgerRollup) {
  const clock = fakeClock(NOW);
  const analytics = new AdminAnalytics({ db: env.db, clock, rollup });
  const reads = new Ledger({ db: env.db, clock }).reads;
  const store = rollupStore(env.db);
  return [G, G2].map((g) => ({
    flows: analytics.flows(g, 30),
    daily: analytics.activeEarnersDaily(g, 30),
    weekly: analytics.activeEarnersWeekly(g, 8),
    funnel: analytics.referralFunnel(g),
    earned: Array.from({ length: 6 }, (_, i) => {
      const account = reads.account(g, MEMBER(user(i)));
      return account ? store.earnedByKind(account.id) : [];
    }),
  }));
}

const KINDS = EARNING_KINDS.map((k) => `'${k}'`).join(', ');
/** The rollup's tables and the same figures straight from the journal, in SQL both engines answer. */
function rollupVsJournal(env: EngineDb, upto: number) {
  const q = (sql: string) => env.rows(sql);
  return {
    rollup: {
      days: q(`SELECT guild_id, day, kind, amount, entries FROM ledger_days ORDER BY 1, 2, 3`),
      dayEarners: q(`SELECT guild_id, day, earners FROM ledger_earner_days WHERE earners > 0 ORDER BY 1, 2`),
      weekEarners: q(
        `SELECT guild_id, week, earners FROM ledger_earner_weeks WHERE earners > 0 ORDER BY 1, 2`,
      ),
      kinds: q(`SELECT account_id, kind FROM ledger_account_kinds ORDER BY 1, 2`),
    },
    journal: {
      days: q(`SELECT guild_id, created_at / 86400000 AS day, kind, SUM(amount) AS amount, COUNT(*) AS entries
                 FROM transfers WHERE id <= ${upto} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
      dayEarners: q(`SELECT guild_id, day, COUNT(*) AS earners FROM (
                       SELECT DISTINCT guild_id, created_at / 86400000 AS day, credit_account_id FROM transfers
                        WHERE id <= ${upto} AND kind IN (${KINDS})) x
                      GROUP BY 1, 2 ORDER BY 1, 2`),
      weekEarners: q(`SELECT guild_id, substr(period, 3) AS week, COUNT(*) AS earners FROM earn_periods
                       WHERE period LIKE 'w:%' AND earned > 0 GROUP BY 1, 2 ORDER BY 1, 2`),
      kinds: q(
        `SELECT DISTINCT credit_account_id AS account_id, kind FROM transfers WHERE id <= ${upto} ORDER BY 1, 2`,
      ),
    },
  };
}

describe.each(ENGINES)('the ledger rollup on %s', (engine) => {
  it('folds exactly what a direct aggregate of its journal gives, whatever the chunk size', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 10, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (ops, chunk) => {
          const env = fresh(engine);
          try {
            const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk });
            play(env, ops, rollup);
            const done = rollup.catchUp();
            expect(done.caughtUp).toBe(true);
            const { rollup: tables, journal } = rollupVsJournal(env, done.watermark);
            expect(tables).toEqual(journal);
            expect(Number(env.rows(`SELECT COALESCE(MAX(id), 0) AS n FROM transfers`)[0]!.n)).toBe(
              done.watermark,
            );
            expect(env.verify().problems).toEqual([]);
          } finally {
            env.cleanup();
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('folds nothing twice: a repeated catch-up changes nothing', () => {
    const env = fresh(engine);
    try {
      const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk: 4 });
      const ops: Op[] = Array.from({ length: 20 }, (_, i) => ({
        op: 'credit',
        guild: 0,
        member: i % 5,
        amount: 10 + i,
        day: i % 9,
        kind: i % CREDITS.length,
      }));
      play(env, ops, rollup);
      const first = rollup.catchUp();
      expect(first).toMatchObject({ folded: 20, caughtUp: true, watermark: 20 });
      const before = rollupVsJournal(env, first.watermark);
      expect(rollup.catchUp()).toMatchObject({ folded: 0, caughtUp: true, watermark: 20 });
      expect(new LedgerRollup({ db: env.db, clock: fakeClock(NOW) }).catchUp().folded).toBe(0);
      expect(rollupVsJournal(env, first.watermark)).toEqual(before);
      expect(before.rollup).toEqual(before.journal);
    } finally {
      env.cleanup();
    }
  });

  it('counts a referrer once when several referrals of theirs arrive in one statement after their share was folded', () => {
    const env = fresh(engine);
    try {
      const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW) });
      play(env, [{ op: 'credit', guild: 0, member: 1, amount: 5, day: 0, kind: 3 }], rollup);
      rollup.catchUp();
      env.exec(`INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at)
                VALUES ('${G}', '${user(2)}', '${user(1)}', 'e1', 1), ('${G}', '${user(3)}', '${user(1)}', 'e2', 1)`);
      env.exec(`INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at)
                VALUES ('${G}', '${user(4)}', '${user(1)}', 'e3', 1)`);
      expect(rollupStore(env.db).referralFunnel(G)).toEqual({ registered: 3, traded: 0, credited: 1 });
      expect(rollupStore(env.db).referralFunnel(G2)).toEqual({ registered: 0, traded: 0, credited: 0 });
    } finally {
      env.cleanup();
    }
  });
});

describe('the ledger rollup on both engines', () => {
  it('gives the same analytics and earnings by kind for the same history', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 10, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (ops, chunk) => {
          const envs = ENGINES.map((engine) => fresh(engine));
          try {
            const seen = envs.map((env) => {
              const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk });
              play(env, ops, rollup);
              // Mid-history readings as well as caught-up ones: they cover the same entries.
              expect(rollup.catchUp().caughtUp).toBe(true);
              return readings(env, rollup);
            });
            expect(seen[1]).toEqual(seen[0]);
          } finally {
            for (const env of envs) env.cleanup();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('the fold on PostgreSQL, with entries committed out of id order', () => {
  let database: TestDatabase;
  let db: PgSyncDb;
  let other: pg.Client;
  beforeAll(async () => {
    database = await freshDatabase();
    db = openPgSync(database.url);
    other = new pg.Client({ connectionString: database.url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    db?.close();
    await database?.drop();
  });

  it('folds an entry whose id was drawn before a fold ran and whose transaction committed after it', async () => {
    const clock = fakeClock(START);
    const ledger = new Ledger({ db, clock });
    // The held entry is in another guild than the one committed meanwhile, so the two share no
    // row (accounts, earn_periods, rank_counts are per guild) and neither waits for the other.
    const credit = (guildId: string, userId: string, amount: number, key: string) =>
      ledger.credit({ guildId, userId, amount, key, actor: MOD, source: 'award', kind: 'award' });
    credit(G2, user(1), 10, 'a');
    credit(G, user(2), 20, 'b');
    const member = ledger.reads.account(G2, MEMBER(user(1)))!.id;
    const [{ issuance }] = db.query<{ issuance: number }>(
      `SELECT debit_account_id AS issuance FROM transfers WHERE id = 1`,
    ) as [{ issuance: number }];
    const rollup = new LedgerRollup({ db, clock: fakeClock(NOW) });

    // Another connection draws id 3 and holds its transaction open ...
    await other.query('BEGIN');
    const held = await other.query<{ id: string }>(
      `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
         actor_type, actor_id, created_at) VALUES ($1, 'award', $2, $3, 300, 'late', 'moderator', $4, $5) RETURNING id`,
      [G2, issuance, member, MOD.id, START],
    );
    expect(Number(held.rows[0]!.id)).toBe(3);
    // ... while id 4 commits here.
    credit(G, user(2), 40, 'd');
    // The held transaction commits on the server in 300 ms, with no help from this (blocked) thread.
    const late = other.query('SELECT pg_sleep(0.3); COMMIT');
    const started = Date.now();
    for (;;) {
      const [row] = db.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.3)%' AND state = 'active'`,
      );
      if (row!.n > 0) break;
      if (Date.now() - started > 5_000) throw new Error('the held transaction never started its COMMIT');
    }
    const first = rollup.catchUp();
    await late;
    const second = rollup.catchUp();
    expect(second).toMatchObject({ caughtUp: true, watermark: 4 });
    expect(first.folded + second.folded).toBe(4);
    // Every entry is in the rollup, the late one too.
    expect(
      db.query(`SELECT SUM(amount)::int8 AS amount, SUM(entries)::int8 AS entries FROM ledger_days`),
    ).toEqual([{ amount: 370, entries: 4 }]);
    expect(rollupStore(db).earnedByKind(member)).toEqual([{ kind: 'award', sparks: 310 }]);
    const analytics = new AdminAnalytics({ db, clock: fakeClock(NOW), rollup });
    expect(analytics.flows(G2, 31).issued.award.reduce((a, b) => a + b, 0)).toBe(310);
    expect(analytics.flows(G, 31).issued.award.reduce((a, b) => a + b, 0)).toBe(60);
  });
});
