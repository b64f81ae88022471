/**
 * Transaction-scoped advisory locks on a named key, for what SQLite gets from its single
 * writer: a rule read and then written inside one write (a count under a limit, "who holds
 * this") holds on PostgreSQL, at READ COMMITTED, only if two writers of the same key take
 * their turns. `lockInWrite(db, 'shop', guildId, userId)` takes
 * `pg_advisory_xact_lock(hashtextextended('shop:<guild>:<member>', 0))`: a second
 * transaction on the same key waits until the first commits or rolls back, and its next
 * statement sees what the first committed. Outside a write it does nothing (a plain read
 * promises nothing to wait for). Keys name their owner first (`shop`, `tiers`, …), so two
 * stores never share one by accident; a store takes its keys in one fixed order.
 */
import type { PgSyncDb } from './sync.ts';

const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;

/** Inside a write: waits for, then holds to the end of the transaction, the lock on `key`. */
export function lockInWrite(db: PgSyncDb, ...key: string[]): void {
  if (db.inTransaction) db.query(LOCK, [key.join(':')]);
}
