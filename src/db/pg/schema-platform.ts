/**
 * The platform area's tables on PostgreSQL (see schema.ts for how int8/integer are chosen):
 * the outbox of outbound events (OutboxStore / PgOutboxStore).
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { int8 } from './columns.ts';

/** Outbound platform events, delivered at least once, in order per member. */
export const outbox = pgTable(
  'outbox',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    createdAt: int8('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: int8('next_attempt_at').notNull(),
    deliveredAt: int8('delivered_at'),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending')
      .on(t.nextAttemptAt)
      .where(sql`delivered_at IS NULL`),
    index('outbox_member').on(t.guildId, t.userId, t.id),
  ],
);
