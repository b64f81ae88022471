/**
 * The streak tables (member_streaks, streak_fold) on PostgreSQL, through the synchronous
 * facade (sync.ts): the same methods and results as the SQLite `StreakStore`
 * (src/db/streak-store.ts), so `StreakService` runs unchanged on either engine. Like the
 * SQLite store it reads `transfers`, `accounts`, `redemptions` and `rewards` and never writes
 * them. `streakStore(db)` is the one place that picks the engine's store.
 *
 * `snapshot` inside a write (the shop's `reserve` asking how many freezes the member holds
 * before it sells one) first takes the member's freeze lock (locks.ts), held to the end of
 * the transaction: two purchases by one member count one after the other, the second seeing
 * the first's freeze, so MAX_FREEZES holds as under SQLite's single writer.
 */
import type { AppDb } from '../engine.ts';
import {
  QUALIFYING,
  StreakStore,
  type FreezeGainRow,
  type MemberStreakRow,
  type QualifyingDay,
  type StreakFoldState,
  type StreakSnapshot,
  type StreakStoreApi,
} from '../streak-store.ts';
import { lockInWrite } from './locks.ts';
import { SettledBound } from './settled.ts';
import type { PgSyncDb } from './sync.ts';

const STREAK_COLS = `guild_id AS "guildId", user_id AS "userId", current, best, last_day AS "lastDay",
  started_day AS "startedDay", freezes_held AS "freezesHeld", freezes_used AS "freezesUsed",
  freeze_seen AS "freezeSeen", updated_at AS "updatedAt"`;

/** A member's fulfilled streak_freeze redemptions above `after` ($1 guild, $2 member), by id. */
const gainsAfter = (after: string) =>
  `SELECT r.id, r.created_at / 86400000 AS day
     FROM redemptions r JOIN rewards w ON w.id = r.reward_id
    WHERE r.guild_id = $1 AND r.user_id = $2 AND r.id > ${after}
      AND r.status = 'fulfilled' AND w.kind = 'streak_freeze'`;

const SQL = {
  state: `SELECT watermark, updated_at AS "updatedAt" FROM streak_fold WHERE id = 1`,
  // $3 the settled bound (settled.ts): an id past it may still be committed below a folded one.
  chunk: `SELECT MAX(id) AS upto, COUNT(*) AS n
    FROM (SELECT id FROM transfers WHERE id > $1 AND id <= $3 ORDER BY id LIMIT $2) c`,
  days: `SELECT t.guild_id AS "guildId", m.ref AS "userId", t.created_at / 86400000 AS day
    FROM transfers t
    JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
    JOIN accounts s ON s.id = t.debit_account_id
   WHERE t.id > $1 AND t.id <= $2 AND ${QUALIFYING}
   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  get: `SELECT ${STREAK_COLS} FROM member_streaks WHERE guild_id = $1 AND user_id = $2`,
  gains: `${gainsAfter('$3')} ORDER BY r.id`,
  put: `INSERT INTO member_streaks (guild_id, user_id, current, best, last_day, started_day, freezes_held,
      freezes_used, freeze_seen, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET current = excluded.current, best = excluded.best,
      last_day = excluded.last_day, started_day = excluded.started_day, freezes_held = excluded.freezes_held,
      freezes_used = excluded.freezes_used, freeze_seen = excluded.freeze_seen, updated_at = excluded.updated_at`,
  mark: `INSERT INTO streak_fold (id, watermark, updated_at) VALUES (1, $1, $2)
    ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at`,
  // One statement is one snapshot (even under READ COMMITTED, and while another host folds):
  // the row, the pending days behind the watermark it reads, and the gains after its
  // freeze_seen. The member's credits after the watermark go through their own index
  // (credit account, id), as on SQLite.
  snapshot: `WITH row AS (SELECT ${STREAK_COLS} FROM member_streaks WHERE guild_id = $1 AND user_id = $2)
    SELECT (SELECT row_to_json(row) FROM row) AS row,
      ARRAY(SELECT DISTINCT (t.created_at / 86400000)::int AS day
              FROM accounts m
              JOIN transfers t ON t.credit_account_id = m.id
                              AND t.id > COALESCE((SELECT watermark FROM streak_fold WHERE id = 1), 0)
              JOIN accounts s ON s.id = t.debit_account_id
             WHERE m.guild_id = $1 AND m.type = 'member' AND m.ref = $2 AND ${QUALIFYING}
             ORDER BY day) AS "pendingDays",
      COALESCE((SELECT json_agg(g ORDER BY g.id) FROM (${gainsAfter(`COALESCE((SELECT "freezeSeen" FROM row), 0)`)}) g),
        '[]'::json) AS gains`,
} as const;

/**
 * 'STREAK' in ASCII: the transaction-level advisory lock a fold's transaction takes before it
 * reads the watermark (beside MIGRATION_LOCK and LEADER_LOCK).
 */
export const STREAK_FOLD_LOCK = 0x53545245414b;

export class PgStreakStore implements StreakStoreApi {
  private readonly settled: SettledBound;

  constructor(private readonly db: PgSyncDb) {
    this.settled = new SettledBound(db, 'streak_fold');
  }

  /** Before a fold's write: the settled bound its chunk stops at (settled.ts). */
  settle(limit: number): void {
    this.settled.advance(limit);
  }

  /**
   * Inside a write, the watermark is read under STREAK_FOLD_LOCK, held to the end of the
   * transaction: two hosts folding at once queue, and the second reads the watermark the
   * first committed, as SQLite's write lock (BEGIN IMMEDIATE) has it. So a chunk is never
   * folded twice.
   */
  state(): StreakFoldState {
    if (this.db.inTransaction) this.db.query('SELECT pg_advisory_xact_lock($1)', [STREAK_FOLD_LOCK]);
    const row = this.db.query<StreakFoldState>(SQL.state)[0];
    return row ?? { watermark: 0, updatedAt: null };
  }

  chunk(after: number, limit: number): { upto: number | null; n: number } {
    return this.db.query<{ upto: number | null; n: number }>(SQL.chunk, [
      after,
      limit,
      this.settled.value,
    ])[0]!;
  }

  qualifyingDays(after: number, upto: number): QualifyingDay[] {
    return this.db.query<QualifyingDay>(SQL.days, [after, upto]);
  }

  get(guildId: string, userId: string): MemberStreakRow | undefined {
    return this.db.query<MemberStreakRow>(SQL.get, [guildId, userId])[0];
  }

  gains(guildId: string, userId: string, after: number): FreezeGainRow[] {
    return this.db.query<FreezeGainRow>(SQL.gains, [guildId, userId, after]);
  }

  put(row: MemberStreakRow): void {
    this.db.run(SQL.put, [
      row.guildId,
      row.userId,
      row.current,
      row.best,
      row.lastDay,
      row.startedDay,
      row.freezesHeld,
      row.freezesUsed,
      row.freezeSeen,
      row.updatedAt,
    ]);
  }

  mark(upto: number, now: number): void {
    this.db.run(SQL.mark, [upto, now]);
  }

  snapshot(guildId: string, userId: string): StreakSnapshot {
    lockInWrite(this.db, 'streaks', 'freezes', guildId, userId);
    const [snap] = this.db.query<{
      row: MemberStreakRow | null;
      pendingDays: number[];
      gains: FreezeGainRow[];
    }>(SQL.snapshot, [guildId, userId]);
    return { row: snap!.row ?? undefined, pendingDays: snap!.pendingDays, gains: snap!.gains };
  }
}

/** The streak store of `db`'s engine. */
export function streakStore(db: AppDb): StreakStoreApi {
  return db.engine === 'postgres' ? new PgStreakStore(db) : new StreakStore(db);
}
