import { and, asc, count, eq, isNotNull, isNull, lt, lte, min, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from './open.ts';
import { outbox } from './schema.ts';

export type OutboxRow = typeof outbox.$inferSelect;

/** The outbox's surface on either engine (PgOutboxStore in src/db/pg/outbox-store.ts). */
export type OutboxStoreApi = { [K in keyof OutboxStore]: OutboxStore[K] };

const ph = sql.placeholder;
/** A placeholder where drizzle's `set` wants an SQL value. */
const setTo = (name: string) => sql`${ph(name)}`;

/** Owner of `outbox`, prepared once per connection (see OutboxDispatcher for the protocol). */
export class OutboxStore {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const earlier = alias(outbox, 'e');
    const undelivered = isNull(outbox.deliveredAt);
    const byId = and(eq(outbox.id, ph('id')), undelivered);
    this.s = {
      insert: orm
        .insert(outbox)
        .values({
          guildId: ph('guildId'),
          userId: ph('userId'),
          type: ph('type'),
          payload: ph('payload'),
          createdAt: ph('now'),
          nextAttemptAt: ph('now'),
        })
        .returning({ id: outbox.id })
        .prepare(),
      // The head of each member's queue — their oldest undelivered row — when it is due.
      // A later row of a member is never due while an earlier one is undelivered, which is
      // what keeps delivery in order per member, leases and backoff included.
      due: orm
        .select()
        .from(outbox)
        .where(
          and(
            undelivered,
            lte(outbox.nextAttemptAt, ph('now')),
            notExists(
              orm
                .select({ one: sql`1` })
                .from(earlier)
                .where(
                  and(
                    eq(earlier.guildId, outbox.guildId),
                    eq(earlier.userId, outbox.userId),
                    lt(earlier.id, outbox.id),
                    isNull(earlier.deliveredAt),
                  ),
                ),
            ),
          ),
        )
        .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
        .limit(ph('limit'))
        .prepare(),
      lease: orm
        .update(outbox)
        .set({ nextAttemptAt: setTo('until'), attempts: sql`${outbox.attempts} + 1` })
        .where(byId)
        .returning()
        .prepare(),
      // last_error is kept: the history of a row that needed retries stays readable.
      delivered: orm
        .update(outbox)
        .set({ deliveredAt: setTo('now') })
        .where(byId)
        .prepare(),
      failed: orm
        .update(outbox)
        .set({ nextAttemptAt: setTo('next'), lastError: setTo('error') })
        .where(byId)
        .prepare(),
      prune: orm
        .delete(outbox)
        .where(and(isNotNull(outbox.deliveredAt), lt(outbox.deliveredAt, ph('before'))))
        .prepare(),
      stats: orm
        .select({ pending: count(), oldest: min(outbox.createdAt) })
        .from(outbox)
        .where(undelivered)
        .prepare(),
      all: orm.select().from(outbox).orderBy(asc(outbox.id)).prepare(),
    };
  }

  insert(row: { guildId: string; userId: string; type: string; payload: string; now: number }): number {
    return this.s.insert.get(row).id;
  }

  due(now: number, limit: number): OutboxRow[] {
    return this.s.due.all({ now, limit });
  }

  /** Sets the row's next attempt to `until` (the lease) and counts the attempt. */
  lease(id: number, until: number): OutboxRow | undefined {
    return this.s.lease.get({ id, until });
  }

  markDelivered(id: number, now: number): void {
    this.s.delivered.run({ id, now });
  }

  markFailed(id: number, error: string, nextAttemptAt: number): void {
    this.s.failed.run({ id, error, next: nextAttemptAt });
  }

  /** Deletes rows delivered before `before`; returns how many. */
  prune(before: number): number {
    return this.s.prune.run({ before }).changes;
  }

  stats(): { pending: number; oldestPendingAt: number | null } {
    const row = this.s.stats.get();
    return { pending: row?.pending ?? 0, oldestPendingAt: row?.oldest ?? null };
  }

  all(): OutboxRow[] {
    return this.s.all.all();
  }
}
