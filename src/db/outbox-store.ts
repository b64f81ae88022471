import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';

export interface OutboxRow {
  id: number;
  guildId: string;
  userId: string;
  type: string;
  payload: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}

const COLS = `id, guild_id AS guildId, user_id AS userId, type, payload, created_at AS createdAt, attempts,
  next_attempt_at AS nextAttemptAt, delivered_at AS deliveredAt, last_error AS lastError`;

/** The outbox's SQL, prepared once per connection (see OutboxDispatcher for the protocol). */
export class OutboxStore {
  private readonly s: {
    insert: Statement<[string, string, string, string, number, number], { id: number }>;
    due: Statement<[{ now: number; limit: number }], OutboxRow>;
    lease: Statement<[number, number], OutboxRow>;
    delivered: Statement<[number, number]>;
    failed: Statement<[number, string, number]>;
    prune: Statement<[number]>;
    stats: Statement<[], { pending: number; oldest: number | null }>;
    all: Statement<[], OutboxRow>;
  };

  constructor(readonly sqlite: Sqlite) {
    const p = <B extends unknown[], R>(source: string) => sqlite.prepare<B, R>(source);
    this.s = {
      insert: p(
        `INSERT INTO outbox (guild_id, user_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
         RETURNING id`,
      ),
      // The head of each member's queue — their oldest undelivered row — when it is due.
      // A later row of a member is never due while an earlier one is undelivered, which is
      // what keeps delivery in order per member, leases and backoff included.
      due: p(
        `SELECT ${COLS} FROM outbox o
         WHERE o.delivered_at IS NULL AND o.next_attempt_at <= @now
           AND NOT EXISTS (SELECT 1 FROM outbox e
                           WHERE e.guild_id = o.guild_id AND e.user_id = o.user_id AND e.id < o.id
                             AND e.delivered_at IS NULL)
         ORDER BY o.next_attempt_at, o.id LIMIT @limit`,
      ),
      lease: p(
        `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ? AND delivered_at IS NULL
         RETURNING ${COLS}`,
      ),
      // last_error is kept: the history of a row that needed retries stays readable.
      delivered: p(`UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`),
      failed: p(
        `UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL`,
      ),
      prune: p(`DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
      stats: p(
        `SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE delivered_at IS NULL`,
      ),
      all: p(`SELECT ${COLS} FROM outbox ORDER BY id`),
    };
  }

  insert(row: { guildId: string; userId: string; type: string; payload: string; now: number }): number {
    return this.s.insert.get(row.guildId, row.userId, row.type, row.payload, row.now, row.now)!.id;
  }

  due(now: number, limit: number): OutboxRow[] {
    return this.s.due.all({ now, limit });
  }

  /** Sets the row's next attempt to `until` (the lease) and counts the attempt. */
  lease(id: number, until: number): OutboxRow | undefined {
    return this.s.lease.get(until, id);
  }

  markDelivered(id: number, now: number): void {
    this.s.delivered.run(now, id);
  }

  markFailed(id: number, error: string, nextAttemptAt: number): void {
    this.s.failed.run(nextAttemptAt, error, id);
  }

  /** Deletes rows delivered before `before`; returns how many. */
  prune(before: number): number {
    return this.s.prune.run(before).changes;
  }

  stats(): { pending: number; oldestPendingAt: number | null } {
    const row = this.s.stats.get()!;
    return { pending: row.pending, oldestPendingAt: row.oldest };
  }

  all(): OutboxRow[] {
    return this.s.all.all();
  }
}
