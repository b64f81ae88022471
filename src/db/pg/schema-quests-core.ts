/**
 * The quests' own tables on PostgreSQL (issue 22): `quests`, `quest_steps`,
 * `quest_progress`, `quest_submissions` and `quest_completions` (the streak tables, also a
 * quests-area feature, are in schema-quests.ts). The same names, columns, NOT NULLs,
 * defaults, CHECKs, uniques and indexes as the SQLite schema (src/db/schema.ts, whose
 * comments say what each column holds). Ids, times and sums (a quest's Sparks granted, a
 * trade step's cents) are int8, read as JS numbers; the other bounded values integer. The
 * text enums have no CHECK, as on SQLite (the app writes them). No triggers: SQLite has none
 * on these tables; what its single writer made safe is said in src/db/pg/quest-store.ts.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import {
  QUEST_RECURRENCES,
  QUEST_ROLE_STATUSES,
  QUEST_STATUSES,
  QUEST_STEP_KINDS,
  QUEST_SUBMISSION_STATUSES,
} from '../schema.ts';
import { transfers } from './schema.ts';
import { rewards } from './schema-shop.ts';
import { int8 } from './columns.ts';

export const quests = pgTable(
  'quests',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    description: text('description').notNull().default(''),
    sparks: integer('sparks').notNull(),
    rewardRoleId: text('reward_role_id'),
    recurrence: text('recurrence', { enum: QUEST_RECURRENCES }).notNull().default('once'),
    startsAt: int8('starts_at'),
    endsAt: int8('ends_at'),
    prerequisiteId: int8('prerequisite_id').references((): AnyPgColumn => quests.id),
    maxCompletions: integer('max_completions'),
    requiredRoleId: text('required_role_id'),
    minMemberDays: integer('min_member_days'),
    minAccountDays: integer('min_account_days'),
    badgeRewardId: int8('badge_reward_id').references((): AnyPgColumn => rewards.id),
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    status: text('status', { enum: QUEST_STATUSES }).notNull().default('draft'),
    endReason: text('end_reason', { enum: ['time', 'cap', 'moderator'] }),
    completions: int8('completions').notNull().default(0),
    granted: int8('granted').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: int8('created_at').notNull(),
    updatedAt: int8('updated_at').notNull(),
    publishedAt: int8('published_at'),
    endedAt: int8('ended_at'),
  },
  (t) => [
    uniqueIndex('quests_live_name')
      .on(t.guildId, t.nameKey)
      .where(sql`status <> 'ended'`),
    index('quests_guild').on(t.guildId, t.status, t.id),
    index('quests_status').on(t.status),
    check('quests_sparks', sql`${t.sparks} BETWEEN 1 AND 1000000000`),
    check('quests_window', sql`${t.startsAt} IS NULL OR ${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`),
    check('quests_max', sql`${t.maxCompletions} IS NULL OR ${t.maxCompletions} >= 1`),
    check('quests_counts', sql`${t.completions} >= 0 AND ${t.granted} >= 0`),
    check('quests_not_own_prerequisite', sql`${t.prerequisiteId} IS NULL OR ${t.prerequisiteId} <> ${t.id}`),
  ],
);

export const questSteps = pgTable(
  'quest_steps',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    questId: int8('quest_id')
      .notNull()
      .references((): AnyPgColumn => quests.id),
    position: integer('position').notNull(),
    kind: text('kind', { enum: QUEST_STEP_KINDS }).notNull(),
    channelId: text('channel_id'),
    messageId: text('message_id'),
    emojiKey: text('emoji_key'),
    emojiDisplay: text('emoji_display'),
    roleId: text('role_id'),
    count: integer('count'),
    volumeCents: int8('volume_cents'),
    prompt: text('prompt'),
    answers: text('answers'),
    attempts: integer('attempts'),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('quest_steps_position').on(t.questId, t.position),
    check('quest_steps_count', sql`${t.count} IS NULL OR ${t.count} BETWEEN 1 AND 1000000`),
    check('quest_steps_volume', sql`${t.volumeCents} IS NULL OR ${t.volumeCents} >= 1`),
    check('quest_steps_attempts', sql`${t.attempts} IS NULL OR ${t.attempts} BETWEEN 1 AND 100`),
  ],
);

export const questProgress = pgTable(
  'quest_progress',
  {
    questId: int8('quest_id')
      .notNull()
      .references((): AnyPgColumn => quests.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    stepId: int8('step_id')
      .notNull()
      .references((): AnyPgColumn => questSteps.id),
    value: int8('value').notNull().default(0),
    doneAt: int8('done_at'),
    attempts: integer('attempts').notNull().default(0),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.questId, t.userId, t.period, t.stepId] }),
    check('quest_progress_counts', sql`${t.value} >= 0 AND ${t.attempts} >= 0`),
  ],
);

export const questSubmissions = pgTable(
  'quest_submissions',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    questId: int8('quest_id')
      .notNull()
      .references((): AnyPgColumn => quests.id),
    stepId: int8('step_id')
      .notNull()
      .references((): AnyPgColumn => questSteps.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    content: text('content').notNull(),
    status: text('status', { enum: QUEST_SUBMISSION_STATUSES }).notNull().default('pending'),
    reviewerId: text('reviewer_id'),
    reason: text('reason'),
    createdAt: int8('created_at').notNull(),
    reviewedAt: int8('reviewed_at'),
    notifiedAt: int8('notified_at'),
  },
  (t) => [
    uniqueIndex('quest_submissions_one_pending')
      .on(t.questId, t.stepId, t.userId, t.period)
      .where(sql`status = 'pending'`),
    index('quest_submissions_queue').on(t.guildId, t.status, t.id),
    index('quest_submissions_member').on(t.questId, t.userId, t.period),
    check('quest_submissions_length', sql`length(${t.content}) BETWEEN 1 AND 2000`),
  ],
);

export const questCompletions = pgTable(
  'quest_completions',
  {
    questId: int8('quest_id')
      .notNull()
      .references((): AnyPgColumn => quests.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    guildId: text('guild_id').notNull(),
    transferId: int8('transfer_id')
      .notNull()
      .references((): AnyPgColumn => transfers.id),
    completedAt: int8('completed_at').notNull(),
    roleStatus: text('role_status', { enum: QUEST_ROLE_STATUSES }).notNull().default('none'),
    notify: text('notify', { enum: ['dm', 'reply'] })
      .notNull()
      .default('dm'),
    notifiedAt: int8('notified_at'),
  },
  (t) => [
    primaryKey({ columns: [t.questId, t.userId, t.period] }),
    index('quest_completions_member').on(t.guildId, t.userId, t.completedAt),
    index('quest_completions_unannounced')
      .on(t.guildId, t.completedAt)
      .where(sql`notified_at IS NULL OR role_status = 'due'`),
  ],
);
