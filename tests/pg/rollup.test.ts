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
import { rollupStore } from '../../src/db/pg/rollup-store.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { MEMBER } from '../../src/ledger/accounts.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { AdminAnalytics } from '../../src/moderation/analytics.ts';
import { EARNING_KINDS, LedgerRollup } from '../../src/moderation/ledger-rollup.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { StreakService } from '../../src/streaks/streaks.ts';
import { fakeClock, G, MOD } from '../helpers/db.ts';
import { DEFAULTS } from '../helpers/platform.ts';
import { ENGINES, engineDbs, type EngineDb } from '../helpers/engines.ts';
import { creditRun, G2, opArb, play, START, user } from '../helpers/rollup-history.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const fresh = engineDbs();
const NOW = START + 30 * DAY_MS;

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
  // A property over a PostgreSQL database: more than the default 20 s on a loaded machine.
  it(
    'folds exactly what a direct aggregate of its journal gives, whatever the chunk size',
    { timeout: 90_000 },
    () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { minLength: 10, maxLength: 40 }),
          fc.integer({ min: 1, max: 7 }),
          (ops, chunk) => {
            const env = fresh(engine);
            try {
              const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk });
              play(env.db, ops, rollup);
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
        { numRuns: 6 },
      );
    },
  );

  it('folds nothing twice: a repeated catch-up changes nothing', () => {
    const env = fresh(engine);
    try {
      const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk: 4 });
      const ops = creditRun(20);
      play(env.db, ops, rollup);
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

  it('resumes where a stopped run left off, covering exactly the entries up to its watermark', () => {
    const env = fresh(engine);
    try {
      const clock = fakeClock(NOW);
      play(env.db, creditRun(25), new LedgerRollup({ db: env.db, clock, chunk: 10 }));
      const stopped = new LedgerRollup({ db: env.db, clock, chunk: 10 }).catchUp(1);
      expect(stopped).toMatchObject({ folded: 10, caughtUp: false, watermark: 10 });
      const partial = rollupVsJournal(env, 10);
      expect(partial.rollup.days).toEqual(partial.journal.days);
      expect(partial.rollup.dayEarners).toEqual(partial.journal.dayEarners);
      const resumed = new LedgerRollup({ db: env.db, clock, chunk: 10 }).catchUp();
      expect(resumed).toMatchObject({ folded: 15, caughtUp: true, watermark: 25 });
      const whole = rollupVsJournal(env, 25);
      expect(whole.rollup).toEqual(whole.journal);
    } finally {
      env.cleanup();
    }
  });

  it('counts a referrer once when several referrals of theirs arrive in one statement after their share was folded', () => {
    const env = fresh(engine);
    try {
      const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW) });
      play(env.db, [{ op: 'credit', guild: 0, member: 1, amount: 5, day: 0, kind: 3 }], rollup);
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
  // A property over a PostgreSQL database: more than the default 20 s on a loaded machine.
  it('gives the same analytics and earnings by kind for the same history', { timeout: 90_000 }, () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 10, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (ops, chunk) => {
          const envs = ENGINES.map((engine) => fresh(engine));
          try {
            const seen = envs.map((env) => {
              const rollup = new LedgerRollup({ db: env.db, clock: fakeClock(NOW), chunk });
              play(env.db, ops, rollup);
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
      { numRuns: 6 },
    );
  });
});

/**
 * Ids 1 and 2 committed; id 3 drawn on a second connection and held open while id 4 commits
 * here; the held transaction commits on the server 300 ms later, with no help from this
 * (blocked) thread. Resolves `late` once that COMMIT is done. The held entry is in another
 * guild than the one committed meanwhile, so the two share no row (accounts, earn_periods,
 * rank_counts are per guild) and neither waits for the other.
 */
async function outOfOrder(db: PgSyncDb, other: pg.Client, ledger: Ledger) {
  const credit = (guildId: string, userId: string, amount: number, key: string) =>
    ledger.credit({ guildId, userId, amount, key, actor: MOD, source: 'award', kind: 'award' });
  credit(G2, user(1), 10, 'a');
  credit(G, user(2), 20, 'b');
  const member = ledger.reads.account(G2, MEMBER(user(1)))!.id;
  const [{ issuance }] = db.query<{ issuance: number }>(
    `SELECT debit_account_id AS issuance FROM transfers WHERE id = 1`,
  ) as [{ issuance: number }];
  await other.query('BEGIN');
  const held = await other.query<{ id: string }>(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
       actor_type, actor_id, created_at) VALUES ($1, 'award', $2, $3, 300, 'late', 'moderator', $4, $5) RETURNING id`,
    [G2, issuance, member, MOD.id, START],
  );
  expect(Number(held.rows[0]!.id)).toBe(3);
  credit(G, user(2), 40, 'd');
  const late = other.query('SELECT pg_sleep(0.3); COMMIT');
  const started = Date.now();
  for (;;) {
    const [row] = db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.3)%' AND state = 'active'`,
    );
    if (row!.n > 0) break;
    if (Date.now() - started > 5_000) throw new Error('the held transaction never started its COMMIT');
  }
  return { member, late };
}

describe.each(['rollup', 'streak fold'])(
  'the %s on PostgreSQL, with entries committed out of id order',
  (fold) => {
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
      const rollup = new LedgerRollup({ db, clock: fakeClock(NOW) });
      const streaks = new StreakService({
        db,
        ledger,
        settings: new SettingsService({ db, defaults: DEFAULTS }),
        clock,
      });
      const catchUp = () => (fold === 'rollup' ? rollup.catchUp() : streaks.catchUp());
      const { member, late } = await outOfOrder(db, other, ledger);
      const first = catchUp();
      await late;
      const second = catchUp();
      // Without the settled bound the first fold passed id 3 (folding 1, 2, 4) and the second
      // found nothing: entry 3 never folded.
      expect(second).toMatchObject({ caughtUp: true, watermark: 4 });
      expect(first.folded + second.folded).toBe(4);
      if (fold !== 'rollup') return;
      // Every entry is in the rollup, the late one too.
      expect(
        db.query(`SELECT SUM(amount)::int8 AS amount, SUM(entries)::int8 AS entries FROM ledger_days`),
      ).toEqual([{ amount: 370, entries: 4 }]);
      expect(rollupStore(db).earnedByKind(member)).toEqual([{ kind: 'award', sparks: 310 }]);
      const analytics = new AdminAnalytics({ db, clock: fakeClock(NOW), rollup });
      expect(analytics.flows(G2, 31).issued.award.reduce((a, b) => a + b, 0)).toBe(310);
      expect(analytics.flows(G, 31).issued.award.reduce((a, b) => a + b, 0)).toBe(60);
    });
  },
);
