/**
 * Upgrading a live database: a ledger written under every earlier schema must come through
 * each later migration with the same balances, rollups and rank counts, pass verify, and
 * keep exact ranks as new entries arrive under the new triggers.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import journal from '../../drizzle/meta/_journal.json' with { type: 'json' };
import { applyMigrations, MIGRATIONS_FOLDER, openDatabase, type Db } from '../../src/db/open.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { Ledger, type LeaderboardPeriod } from '../../src/ledger/ledger.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { fakeClock, G, MOD, rankedFlags } from '../helpers/db.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A migrations folder holding only the first `n` migrations: the schema of an older release. */
function olderRelease(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-migrations-'));
  dirs.push(dir);
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  writeFileSync(
    join(dir, 'meta', '_journal.json'),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, n) }),
  );
  return dir;
}

/** Awards across weeks, spending, revokes, a member leaving the boards, scores past 2^10 and 2^20. */
function populate(db: Db): Ledger {
  const clock = fakeClock(Date.UTC(2026, 9, 1, 12));
  const ledger = new Ledger({ db, clock });
  let k = 0;
  for (let day = 0; day < 40; day++) {
    for (let u = 0; u < 12; u++) {
      const amount = [3, 1023, 1_048_570, 40][(u + day) % 4]! * (1 + (u % 3));
      ledger.credit({
        guildId: G,
        userId: `u${u}`,
        source: 'award',
        kind: 'award',
        amount,
        key: `a${k++}`,
        actor: MOD,
      });
    }
    if (day % 7 === 3) {
      const hold = ledger.hold({
        guildId: G,
        userId: `u${day % 12}`,
        amount: 500,
        key: `h${k++}`,
        actor: MOD,
      });
      ledger.closeHold(hold.transfer.id, 'post', { key: `p${k++}`, actor: MOD });
      ledger.revoke({ guildId: G, userId: `u${(day + 5) % 12}`, amount: 1000, key: `r${k++}`, actor: MOD });
    }
    if (day === 20) rankedFlags(ledger)(G, 'u4', false);
    clock.advance(DAY_MS);
  }
  return ledger;
}

function derived(db: Db) {
  const all = (sql: string) => db.sqlite.prepare(sql).all();
  return {
    accounts: all(`SELECT id, type, ref, balance, lifetime_earned, ranked FROM accounts ORDER BY id`),
    periods: all(`SELECT guild_id, period, account_id, earned, ranked FROM earn_periods ORDER BY 1, 2, 3`),
    ranks: all(`SELECT guild_id, board, level, key, n FROM rank_counts WHERE n > 0 ORDER BY 1, 2, 3, 4`),
  };
}

/** Every member's rank (from the histogram) is their place on the board (read by ORDER BY). */
function expectExactRanks(ledger: Ledger) {
  for (const period of ['all', 'week', 'month'] as LeaderboardPeriod[]) {
    const board = ledger.reads.leaderboard(G, period, { limit: 100, offset: 0 });
    expect(board.rows.length).toBeGreaterThan(0);
    for (const row of board.rows)
      expect(ledger.reads.rankOf(G, row.userId, period)).toEqual({ rank: row.rank, score: row.score });
  }
}

describe('upgrading a database written by an earlier release', () => {
  const total = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;

  for (let n = 3; n < total; n++) {
    it(`from ${n} migrations to ${total}: same balances, rollups and rank counts; verify passes; ranks stay exact`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'sparks-upgrade-'));
      dirs.push(dir);
      const file = join(dir, 'sparks.db');
      const old = openDatabase(file, { migrate: false });
      expect(applyMigrations(old.sqlite, olderRelease(n))).toBe(n);
      populate(old);
      // A release with the analytics rollup of 0006 but not 0007 has folded some of it; the
      // rollup tables of 0007 must start over with the others (verify compares each with the
      // journal). A later release folds them all itself, so a hand-made watermark would lie.
      const rollup = n === 7;
      if (rollup)
        old.sqlite
          .prepare(
            `INSERT INTO ledger_rollup (id, watermark, updated_at) VALUES (1, (SELECT MAX(id) FROM transfers), 0)`,
          )
          .run();
      const before = derived(old);
      // Rank counts are kept from migration 0003 on; an upgrade from before builds them.
      const counted = n >= 4;
      expect(before.ranks.length > 0).toBe(counted);
      old.close();

      const db = openDatabase(file);
      try {
        expect(db.sqlite.prepare('SELECT COUNT(*) AS c FROM __drizzle_migrations').get()).toEqual({
          c: total,
        });
        const after = derived(db);
        if (counted) expect(after).toEqual(before);
        else {
          // Before 0003 nothing kept earn_periods.ranked; 0003 copied it from the accounts.
          const earned = (rows: unknown[]) => rows.map((r) => ({ ...(r as object), ranked: undefined }));
          expect(after.accounts).toEqual(before.accounts);
          expect(earned(after.periods)).toEqual(earned(before.periods));
          expect(after.ranks.length).toBeGreaterThan(0);
        }
        expect(verifyLedger(db.sqlite)).toMatchObject({ ok: true });
        if (rollup)
          expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM ledger_rollup').get()).toEqual({ n: 0 });
        const ledger = new Ledger({ db, clock: fakeClock(Date.UTC(2026, 10, 12, 12)) });
        expectExactRanks(ledger);
        for (let u = 0; u < 12; u++)
          ledger.credit({
            guildId: G,
            userId: `u${u}`,
            source: 'award',
            kind: 'award',
            amount: 700 * u + 1,
            key: `after-${u}`,
            actor: MOD,
          });
        rankedFlags(ledger)(G, 'u4', true);
        expectExactRanks(ledger);
        expect(verifyLedger(db.sqlite)).toMatchObject({ ok: true });
      } finally {
        db.close();
      }
    });
  }
});

/**
 * A migration that rebuilds a table (a new CHECK makes drizzle-kit copy `rewards` into a new
 * table, drop the old and rename) must keep every row that points at it: redemptions and
 * raffles reference rewards, raffle draws reference redemptions.
 */
describe('a migration that rebuilds a referenced table', () => {
  const total = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  const streaks = journal.entries.findIndex((e) => e.tag.endsWith('_streaks'));

  /** A database of the release before `n` migrations' end, with a reward redeemed and raffled. */
  function shopDatabase(n: number): { file: string; db: Db } {
    const dir = mkdtempSync(join(tmpdir(), 'sparks-upgrade-'));
    dirs.push(dir);
    const file = join(dir, 'sparks.db');
    const db = openDatabase(file, { migrate: false });
    expect(applyMigrations(db.sqlite, olderRelease(n))).toBe(n);
    const run = (sql: string) => db.sqlite.prepare(sql).run();
    const at = Date.UTC(2026, 10, 1);
    run(`INSERT INTO rewards (id, guild_id, name, name_key, cost, kind, created_by, created_at, updated_at)
         VALUES (7, '${G}', 'Spot', 'spot', 500, 'manual', 'mod', ${at}, ${at})`);
    run(`INSERT INTO redemptions (id, guild_id, user_id, reward_id, cost, source, status, idempotency_key, created_at, updated_at)
         VALUES (3, '${G}', 'u1', 7, 0, 'raffle:1', 'pending_manual', 'raffle:1:prize:u1', ${at}, ${at})`);
    run(`INSERT INTO raffles (id, guild_id, name, name_key, reward_id, winners, entry_cost, max_entries_per_member,
           ends_at, commitment, seed, seed_revealed, status, entries, created_by, created_at)
         VALUES (1, '${G}', 'R', 'r', 7, 1, 0, 3, ${at + DAY_MS}, 'c', 's', 1, 'drawn', 1, 'mod', ${at})`);
    run(
      `INSERT INTO raffle_entries (raffle_id, user_id, count, idempotency_key, created_at) VALUES (1, 'u1', 1, 'k', ${at})`,
    );
    run(
      `INSERT INTO raffle_draws (raffle_id, step, user_id, ticket, outcome, redemption_id) VALUES (1, 0, 'u1', 0, 'won', 3)`,
    );
    return { file, db };
  }

  const rows = (db: Db) => ({
    rewards: db.sqlite.prepare(`SELECT id, name, kind, cost FROM rewards`).all(),
    redemptions: db.sqlite.prepare(`SELECT id, reward_id, status FROM redemptions`).all(),
    raffles: db.sqlite.prepare(`SELECT id, reward_id, status FROM raffles`).all(),
    draws: db.sqlite.prepare(`SELECT raffle_id, redemption_id FROM raffle_draws`).all(),
  });

  it('upgrades a shop with a redemption and a raffle on a reward: rows and references intact', () => {
    expect(streaks).toBeGreaterThan(0);
    const { file, db: old } = shopDatabase(streaks);
    const before = rows(old);
    old.close();

    const db = openDatabase(file);
    try {
      expect(db.sqlite.prepare('SELECT COUNT(*) AS c FROM __drizzle_migrations').get()).toEqual({ c: total });
      expect(rows(db)).toEqual(before);
      expect(db.sqlite.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
      // The new kind is accepted, and foreign keys are enforced again after the migration.
      expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      db.sqlite
        .prepare(
          `INSERT INTO rewards (guild_id, name, name_key, cost, kind, created_by, created_at, updated_at)
           VALUES ('${G}', 'Freeze', 'freeze', 50, 'streak_freeze', 'mod', 1, 1)`,
        )
        .run();
      expect(() =>
        db.sqlite
          .prepare(
            `INSERT INTO redemptions (guild_id, user_id, reward_id, cost, status, idempotency_key, created_at, updated_at)
             VALUES ('${G}', 'u2', 999, 0, 'fulfilled', 'x', 1, 1)`,
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
      expect(verifyLedger(db.sqlite)).toMatchObject({ ok: true });
    } finally {
      db.close();
    }
  });

  it('rolls back a migration that leaves a broken reference, and says how many', () => {
    const { file, db: old } = shopDatabase(total);
    const before = rows(old);
    old.close();
    // A release whose next migration drops the reward a redemption and a raffle point at.
    const dir = olderRelease(total);
    const tag = '9999_broken';
    writeFileSync(
      join(dir, `${tag}.sql`),
      'CREATE TABLE `scratch` (`id` integer);\n--> statement-breakpoint\nDELETE FROM `rewards` WHERE `id` = 7;',
    );
    writeFileSync(
      join(dir, 'meta', '_journal.json'),
      JSON.stringify({
        ...journal,
        entries: [
          ...journal.entries,
          { idx: total, version: '6', when: Date.UTC(2099, 0, 1), tag, breakpoints: true },
        ],
      }),
    );
    const db = openDatabase(file, { migrate: false });
    try {
      db.sqlite.pragma('foreign_keys = ON');
      expect(() => applyMigrations(db.sqlite, dir)).toThrow(
        'a migration left 2 broken foreign key reference(s)',
      );
      expect(db.sqlite.prepare('SELECT COUNT(*) AS c FROM __drizzle_migrations').get()).toEqual({ c: total });
      expect(rows(db)).toEqual(before);
      expect(db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE name = 'scratch'`).all()).toEqual([]);
      expect(db.sqlite.inTransaction).toBe(false);
      expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });
});
