/**
 * `outbox` on PostgreSQL through the synchronous facade: the same methods and results as the
 * SQLite `OutboxStore` (src/db/outbox-store.ts), so the Outbox and its dispatcher run
 * unchanged on either engine. `outboxStore(db)` is the one place that picks the engine.
 *
 * Claiming differs in one way: SQLite's BEGIN IMMEDIATE lets one dispatcher claim at a time,
 * while PostgreSQL's read-committed writes run side by side. So `due` locks the heads it
 * returns (FOR UPDATE SKIP LOCKED: a concurrent dispatcher passes over rows being claimed,
 * and one that waited re-checks the lease it finds), which keeps two dispatchers off one row.
 */
import type { AppDb } from '../engine.ts';
import { OutboxStore, type OutboxRow, type OutboxStoreApi } from '../outbox-store.ts';
import type { PgSyncDb } from './sync.ts';

const COLS = `id, guild_id AS "guildId", user_id AS "userId", type, payload, created_at AS "createdAt",
  attempts, next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", last_error AS "lastError"`;

const SQL = {
  insert: `INSERT INTO outbox (guild_id, user_id, type, payload, created_at, next_attempt_at)
    VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
  // The head of each member's queue — their oldest undelivered row — when it is due (see
  // the SQLite store: this is what keeps delivery in order per member).
  due: `SELECT ${COLS} FROM outbox o
    WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1
      AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.guild_id = o.guild_id AND e.user_id = o.user_id
                        AND e.id < o.id AND e.delivered_at IS NULL)
    ORDER BY o.next_attempt_at, o.id LIMIT $2
    FOR UPDATE SKIP LOCKED`,
  lease: `UPDATE outbox SET next_attempt_at = $2, attempts = attempts + 1
    WHERE id = $1 AND delivered_at IS NULL RETURNING ${COLS}`,
  // last_error is kept: the history of a row that needed retries stays readable.
  delivered: `UPDATE outbox SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL`,
  failed: `UPDATE outbox SET next_attempt_at = $3, last_error = $2 WHERE id = $1 AND delivered_at IS NULL`,
  prune: `DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1`,
  stats: `SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE delivered_at IS NULL`,
  all: `SELECT ${COLS} FROM outbox ORDER BY id`,
};

export class PgOutboxStore implements OutboxStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  insert(row: { guildId: string; userId: string; type: string; payload: string; now: number }): number {
    return this.db.query<{ id: number }>(SQL.insert, [
      row.guildId,
      row.userId,
      row.type,
      row.payload,
      row.now,
    ])[0]!.id;
  }

  due(now: number, limit: number): OutboxRow[] {
    return this.db.query<OutboxRow>(SQL.due, [now, limit]);
  }

  lease(id: number, until: number): OutboxRow | undefined {
    return this.db.query<OutboxRow>(SQL.lease, [id, until])[0];
  }

  markDelivered(id: number, now: number): void {
    this.db.run(SQL.delivered, [id, now]);
  }

  markFailed(id: number, error: string, nextAttemptAt: number): void {
    this.db.run(SQL.failed, [id, error, nextAttemptAt]);
  }

  prune(before: number): number {
    return this.db.run(SQL.prune, [before]).rowCount;
  }

  stats(): { pending: number; oldestPendingAt: number | null } {
    const row = this.db.query<{ pending: number; oldest: number | null }>(SQL.stats)[0];
    return { pending: row?.pending ?? 0, oldestPendingAt: row?.oldest ?? null };
  }

  all(): OutboxRow[] {
    return this.db.query<OutboxRow>(SQL.all);
  }
}

/** The outbox store of `db`'s engine. */
export function outboxStore(db: AppDb): OutboxStoreApi {
  return db.engine === 'postgres' ? new PgOutboxStore(db) : new OutboxStore(db);
}
