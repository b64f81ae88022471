import type { Statement } from 'better-sqlite3';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { memberStreaks, streakFold } from './schema.ts';

export type MemberStreakRow = typeof memberStreaks.$inferSelect;

/** Where the fold stands: every entry with id <= watermark is folded in (0: none yet). */
export interface StreakFoldState {
  watermark: number;
  /** When the last chunk was folded (ms), or null before the first. */
  updatedAt: number | null;
}

/** A member who had a qualifying entry on `day` (UTC days since the epoch). */
export interface QualifyingDay {
  guildId: string;
  userId: string;
  day: number;
}

/** A streak_freeze redemption fulfilled for the member: its id and UTC day. */
export interface FreezeGainRow {
  id: number;
  day: number;
}

/** A member's streak as folded, with what the fold has not reached yet: one snapshot. */
export interface StreakSnapshot {
  row: MemberStreakRow | undefined;
  /** Their qualifying days in entries after the watermark, ascending. */
  pendingDays: number[];
  /** Their freeze gains after the row's freeze_seen (after 0 without a row), by id. */
  gains: FreezeGainRow[];
}

/** The streak tables (member_streaks, streak_fold), as an engine implements them. */
export interface StreakStoreApi {
  state(): StreakFoldState;
  /** The id of the `limit`-th entry after `after` and how many there are (upto null: none). */
  chunk(after: number, limit: number): { upto: number | null; n: number };
  /**
   * Outside any write, before a fold's: where an engine's ids are not committed in order
   * (PostgreSQL), the bound `chunk` stops at is moved (src/db/pg/settled.ts). SQLite's single
   * writer commits ids in order and needs none.
   */
  settle?(limit: number): void;
  /** Members' qualifying days (see QUALIFYING_DAYS) in entries (after, upto], by guild, member and day. */
  qualifyingDays(after: number, upto: number): QualifyingDay[];
  get(guildId: string, userId: string): MemberStreakRow | undefined;
  /** Freeze gains of a member with a redemption id above `after`, by id. */
  gains(guildId: string, userId: string, after: number): FreezeGainRow[];
  /** Writes a member's streak (inside the caller's `db.write`). */
  put(row: MemberStreakRow): void;
  /** Moves the watermark (inside the caller's `db.write`). */
  mark(upto: number, now: number): void;
  /** A member's row, pending days and gains, read in one transaction. */
  snapshot(guildId: string, userId: string): StreakSnapshot;
}

const p = sql.placeholder;

/**
 * Issuance sources whose Sparks do not make a day qualify: moderator awards (SPEC §10),
 * season prizes (the bot pays them at a season's end; not an action of the member's) and
 * the streak bonuses themselves (posted when the fold runs, maybe the day after the day
 * they reward, which must not count because of them).
 */
export const NOT_QUALIFYING = ['award', 'season', 'streak'] as const;

// Sparks a member earned: from a campaign budget, or minted by an issuance account whose
// source counts. A reversal (a revoke undone) is a correction, not an action. `t` is the
// entry, `s` its debit account. Plain SQL both engines answer (the PostgreSQL twin uses it too).
export const QUALIFYING = `t.kind <> 'reversal'
  AND (s.type = 'campaign' OR (s.type = 'issuance' AND s.ref NOT IN (${NOT_QUALIFYING.map((r) => `'${r}'`).join(', ')})))`;

/**
 * The (guild, member, UTC day) of every qualifying entry the `range` condition on `t`
 * keeps: the fold's input, and what verifyLedger checks member_streaks against.
 */
export const QUALIFYING_DAYS = (
  range: string,
) => `SELECT t.guild_id AS guildId, m.ref AS userId, t.created_at / 86400000 AS day
    FROM transfers t
    JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
    JOIN accounts s ON s.id = t.debit_account_id
   WHERE ${range} AND ${QUALIFYING}
   GROUP BY 1, 2, 3`;

/**
 * Owner of `member_streaks` and `streak_fold`: derived data, folded from `transfers` off the
 * write path (src/streaks/streaks.ts), so it changes without any action of a member. It reads
 * `transfers` and `accounts` (the ledger store's) and `redemptions` and `rewards` (the shop
 * store's) and never writes them. Raw SQL where drizzle's builder cannot say it: integer
 * day arithmetic in GROUP BY, the snapshot's subquery on the watermark.
 */
export class StreakStore implements StreakStoreApi {
  private readonly s: {
    chunk: Statement<[{ after: number; limit: number }], { upto: number | null; n: number }>;
    days: Statement<[{ after: number; upto: number }], QualifyingDay>;
    pending: Statement<[{ guildId: string; userId: string }], { day: number }>;
    gains: Statement<[{ guildId: string; userId: string; after: number }], FreezeGainRow>;
    mark: Statement<[{ upto: number; now: number }]>;
  };

  private readonly q;
  private readonly read: (guildId: string, userId: string) => StreakSnapshot;

  constructor(db: Db) {
    const { sqlite, orm } = db;
    this.q = {
      state: orm
        .select({ watermark: streakFold.watermark, updatedAt: streakFold.updatedAt })
        .from(streakFold)
        .where(eq(streakFold.id, 1))
        .prepare(),
      get: orm
        .select()
        .from(memberStreaks)
        .where(and(eq(memberStreaks.guildId, p('guildId')), eq(memberStreaks.userId, p('userId'))))
        .prepare(),
      put: orm
        .insert(memberStreaks)
        .values({
          guildId: p('guildId'),
          userId: p('userId'),
          current: p('current'),
          best: p('best'),
          lastDay: p('lastDay'),
          startedDay: p('startedDay'),
          freezesHeld: p('freezesHeld'),
          freezesUsed: p('freezesUsed'),
          freezeSeen: p('freezeSeen'),
          updatedAt: p('updatedAt'),
        })
        .onConflictDoUpdate({
          target: [memberStreaks.guildId, memberStreaks.userId],
          set: {
            current: sql`excluded.current`,
            best: sql`excluded.best`,
            lastDay: sql`excluded.last_day`,
            startedDay: sql`excluded.started_day`,
            freezesHeld: sql`excluded.freezes_held`,
            freezesUsed: sql`excluded.freezes_used`,
            freezeSeen: sql`excluded.freeze_seen`,
            updatedAt: sql`excluded.updated_at`,
          },
        })
        .prepare(),
    };
    this.s = {
      chunk: sqlite.prepare(
        `SELECT MAX(id) AS upto, COUNT(*) AS n FROM (SELECT id FROM transfers WHERE id > @after ORDER BY id LIMIT @limit)`,
      ),
      days: sqlite.prepare(`${QUALIFYING_DAYS('t.id > @after AND t.id <= @upto')} ORDER BY 1, 2, 3`),
      // The member's credits after the watermark through their own index (credit account, id).
      pending: sqlite.prepare(
        `SELECT DISTINCT t.created_at / 86400000 AS day
           FROM accounts m
           JOIN transfers t ON t.credit_account_id = m.id
                           AND t.id > COALESCE((SELECT watermark FROM streak_fold WHERE id = 1), 0)
           JOIN accounts s ON s.id = t.debit_account_id
          WHERE m.guild_id = @guildId AND m.type = 'member' AND m.ref = @userId AND ${QUALIFYING}
          ORDER BY day`,
      ),
      gains: sqlite.prepare(
        `SELECT r.id, r.created_at / 86400000 AS day
           FROM redemptions r JOIN rewards w ON w.id = r.reward_id
          WHERE r.guild_id = @guildId AND r.user_id = @userId AND r.id > @after
            AND r.status = 'fulfilled' AND w.kind = 'streak_freeze'
          ORDER BY r.id`,
      ),
      mark: sqlite.prepare(
        `INSERT INTO streak_fold (id, watermark, updated_at) VALUES (1, @upto, @now)
         ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at`,
      ),
    };
    // A read transaction: the row, the watermark behind the pending days and the gains all
    // from one snapshot, even while another process folds (a savepoint inside a write).
    const read = sqlite.transaction((guildId: string, userId: string): StreakSnapshot => {
      const row = this.get(guildId, userId);
      return {
        row,
        pendingDays: this.s.pending.all({ guildId, userId }).map((r) => r.day),
        gains: this.gains(guildId, userId, row?.freezeSeen ?? 0),
      };
    });
    this.read = (guildId, userId) => read.deferred(guildId, userId);
  }

  state(): StreakFoldState {
    const row = this.q.state.get();
    return row ? { watermark: row.watermark, updatedAt: row.updatedAt } : { watermark: 0, updatedAt: null };
  }

  chunk(after: number, limit: number): { upto: number | null; n: number } {
    return this.s.chunk.get({ after, limit })!;
  }

  qualifyingDays(after: number, upto: number): QualifyingDay[] {
    return this.s.days.all({ after, upto });
  }

  get(guildId: string, userId: string): MemberStreakRow | undefined {
    return this.q.get.get({ guildId, userId });
  }

  gains(guildId: string, userId: string, after: number): FreezeGainRow[] {
    return this.s.gains.all({ guildId, userId, after });
  }

  put(row: MemberStreakRow): void {
    this.q.put.run(row);
  }

  mark(upto: number, now: number): void {
    this.s.mark.run({ upto, now });
  }

  snapshot(guildId: string, userId: string): StreakSnapshot {
    return this.read(guildId, userId);
  }
}
