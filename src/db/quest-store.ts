import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { SparksError } from '../core/errors.ts';
import type { Db } from './open.ts';
import {
  questCompletions,
  questProgress,
  questSteps,
  questSubmissions,
  quests,
  type QuestRoleStatus,
  type QuestStatus,
} from './schema.ts';

export type QuestRow = typeof quests.$inferSelect;
export type QuestStepRow = typeof questSteps.$inferSelect;
export type QuestProgressRow = typeof questProgress.$inferSelect;
export type QuestSubmissionRow = typeof questSubmissions.$inferSelect;
export type QuestCompletionRow = typeof questCompletions.$inferSelect;
export type QuestEndReason = NonNullable<QuestRow['endReason']>;

export type NewQuest = Omit<
  typeof quests.$inferInsert,
  'id' | 'status' | 'endReason' | 'completions' | 'granted' | 'publishedAt' | 'endedAt'
>;
/** The fields of a draft an admin may change. */
export type QuestDraftFields = Pick<
  QuestRow,
  | 'name'
  | 'nameKey'
  | 'description'
  | 'sparks'
  | 'rewardRoleId'
  | 'recurrence'
  | 'startsAt'
  | 'endsAt'
  | 'prerequisiteId'
  | 'maxCompletions'
  | 'requiredRoleId'
  | 'minMemberDays'
  | 'minAccountDays'
  | 'verifiedWallet'
  | 'badgeRewardId'
>;
export type NewQuestStep = Omit<typeof questSteps.$inferInsert, 'id'>;
export type NewQuestSubmission = Pick<
  QuestSubmissionRow,
  'guildId' | 'questId' | 'stepId' | 'userId' | 'period' | 'content' | 'createdAt'
>;

/** A completion to insert with the entry that paid it. */
export interface NewQuestCompletion {
  userId: string;
  period: string;
  transferId: number;
  roleStatus: QuestRoleStatus;
}

/** A completion with what the announcer needs of its quest. */
export interface QuestAnnouncement extends QuestCompletionRow {
  questName: string;
  sparks: number;
  rewardRoleId: string | null;
}

/** QuestStore's methods, which its PostgreSQL twin (src/db/pg/quest-store.ts) implements too. */
export type QuestStoreApi = { [K in keyof QuestStore]: QuestStore[K] };

/** Live quests: every status but 'ended'. */
const LIVE: QuestStatus[] = ['draft', 'scheduled', 'published'];
/** Bounds SQLite is handed for an unbounded window. */
const FAR = 8_640_000_000_000_000;
const bound = (ms: number) => Math.max(-FAR, Math.min(FAR, ms));

const p = sql.placeholder;

/**
 * Owner of `quests`, `quest_steps`, `quest_progress`, `quest_submissions` and
 * `quest_completions`. It also reads `member_prefs` (how a member wants a completion
 * announced, copied onto the completion as it is written) and `referrals` (the referrals a
 * member made inside a quest's window). Statements are prepared once per connection: the
 * builder for plain CRUD, raw SQL with named parameters for the set-based statements of the
 * burst path, which take a batch's members as one JSON array. Writes run inside the
 * caller's `db.write`.
 */
export class QuestStore {
  private readonly s;
  private readonly raw;

  constructor(db: Db) {
    const { orm, sqlite } = db;
    const byKey = and(
      eq(questCompletions.questId, p('questId')),
      eq(questCompletions.userId, p('userId')),
      eq(questCompletions.period, p('period')),
    );
    this.s = {
      insert: orm
        .insert(quests)
        .values({
          guildId: p('guildId'),
          name: p('name'),
          nameKey: p('nameKey'),
          description: p('description'),
          sparks: p('sparks'),
          rewardRoleId: p('rewardRoleId'),
          recurrence: p('recurrence'),
          startsAt: p('startsAt'),
          endsAt: p('endsAt'),
          prerequisiteId: p('prerequisiteId'),
          maxCompletions: p('maxCompletions'),
          requiredRoleId: p('requiredRoleId'),
          minMemberDays: p('minMemberDays'),
          minAccountDays: p('minAccountDays'),
          verifiedWallet: p('verifiedWallet'),
          badgeRewardId: p('badgeRewardId'),
          createdBy: p('createdBy'),
          createdAt: p('createdAt'),
          updatedAt: p('updatedAt'),
        })
        .returning()
        .prepare(),
      byId: orm
        .select()
        .from(quests)
        .where(eq(quests.id, p('id')))
        .prepare(),
      liveByName: orm
        .select()
        .from(quests)
        .where(
          and(eq(quests.guildId, p('guildId')), eq(quests.nameKey, p('nameKey')), ne(quests.status, 'ended')),
        )
        .prepare(),
      latestByName: orm
        .select()
        .from(quests)
        .where(and(eq(quests.guildId, p('guildId')), eq(quests.nameKey, p('nameKey'))))
        .orderBy(desc(quests.id))
        .limit(1)
        .prepare(),
      inGuild: orm
        .select()
        .from(quests)
        .where(eq(quests.guildId, p('guildId')))
        .orderBy(desc(quests.id))
        .limit(p('limit'))
        .prepare(),
      published: orm
        .select()
        .from(quests)
        .where(eq(quests.status, 'published'))
        .orderBy(asc(quests.id))
        .prepare(),
      pending: orm
        .select()
        .from(quests)
        .where(inArray(quests.status, ['scheduled', 'published']))
        .orderBy(asc(quests.id))
        .prepare(),
      updateDraft: orm
        .update(quests)
        .set({
          name: sql`${p('name')}`,
          nameKey: sql`${p('nameKey')}`,
          description: sql`${p('description')}`,
          sparks: sql`${p('sparks')}`,
          rewardRoleId: sql`${p('rewardRoleId')}`,
          recurrence: sql`${p('recurrence')}`,
          startsAt: sql`${p('startsAt')}`,
          endsAt: sql`${p('endsAt')}`,
          prerequisiteId: sql`${p('prerequisiteId')}`,
          maxCompletions: sql`${p('maxCompletions')}`,
          requiredRoleId: sql`${p('requiredRoleId')}`,
          minMemberDays: sql`${p('minMemberDays')}`,
          minAccountDays: sql`${p('minAccountDays')}`,
          verifiedWallet: sql`${p('verifiedWallet')}`,
          badgeRewardId: sql`${p('badgeRewardId')}`,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(quests.id, p('id')), eq(quests.status, 'draft')))
        .prepare(),
      publish: orm
        .update(quests)
        .set({
          status: sql`${p('status')}`,
          publishedAt: sql`${p('publishedAt')}`,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(quests.id, p('id')), eq(quests.status, sql`${p('from')}`)))
        .prepare(),
      end: orm
        .update(quests)
        .set({
          status: 'ended',
          endReason: sql`${p('reason')}`,
          endedAt: sql`${p('now')}`,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(quests.id, p('id')), inArray(quests.status, LIVE)))
        .prepare(),
      count: orm
        .update(quests)
        .set({
          completions: sql`${quests.completions} + ${p('completions')}`,
          granted: sql`${quests.granted} + ${p('granted')}`,
        })
        .where(eq(quests.id, p('id')))
        .prepare(),
      insertStep: orm
        .insert(questSteps)
        .values({
          questId: p('questId'),
          position: p('position'),
          kind: p('kind'),
          channelId: p('channelId'),
          messageId: p('messageId'),
          emojiKey: p('emojiKey'),
          emojiDisplay: p('emojiDisplay'),
          roleId: p('roleId'),
          count: p('count'),
          volumeCents: p('volumeCents'),
          prompt: p('prompt'),
          answers: p('answers'),
          attempts: p('attempts'),
          createdAt: p('createdAt'),
        })
        .returning()
        .prepare(),
      steps: orm
        .select()
        .from(questSteps)
        .where(eq(questSteps.questId, p('questId')))
        .orderBy(asc(questSteps.position))
        .prepare(),
      progress: orm
        .select()
        .from(questProgress)
        .where(
          and(
            eq(questProgress.questId, p('questId')),
            eq(questProgress.userId, p('userId')),
            eq(questProgress.period, p('period')),
          ),
        )
        .prepare(),
      completion: orm.select().from(questCompletions).where(byKey).prepare(),
      completedAny: orm
        .select({ one: sql<number>`1` })
        .from(questCompletions)
        .where(and(eq(questCompletions.questId, p('questId')), eq(questCompletions.userId, p('userId'))))
        .limit(1)
        .prepare(),
      memberCompletions: orm
        .select()
        .from(questCompletions)
        .where(and(eq(questCompletions.guildId, p('guildId')), eq(questCompletions.userId, p('userId'))))
        .orderBy(desc(questCompletions.completedAt))
        .limit(p('limit'))
        .prepare(),
      markNotified: orm
        .update(questCompletions)
        .set({ notifiedAt: sql`${p('now')}` })
        .where(and(byKey, isNull(questCompletions.notifiedAt)))
        .prepare(),
      notifyByReply: orm
        .update(questCompletions)
        .set({ notify: 'reply' })
        .where(and(byKey, isNull(questCompletions.notifiedAt)))
        .prepare(),
      setRole: orm
        .update(questCompletions)
        .set({ roleStatus: sql`${p('to')}` })
        .where(and(byKey, eq(questCompletions.roleStatus, 'due')))
        .prepare(),
      insertSubmission: orm
        .insert(questSubmissions)
        .values({
          guildId: p('guildId'),
          questId: p('questId'),
          stepId: p('stepId'),
          userId: p('userId'),
          period: p('period'),
          content: p('content'),
          createdAt: p('createdAt'),
        })
        .returning()
        .prepare(),
      submission: orm
        .select()
        .from(questSubmissions)
        .where(eq(questSubmissions.id, p('id')))
        .prepare(),
      latestSubmission: orm
        .select()
        .from(questSubmissions)
        .where(
          and(
            eq(questSubmissions.questId, p('questId')),
            eq(questSubmissions.stepId, p('stepId')),
            eq(questSubmissions.userId, p('userId')),
            eq(questSubmissions.period, p('period')),
          ),
        )
        .orderBy(desc(questSubmissions.id))
        .limit(1)
        .prepare(),
      queue: orm
        .select()
        .from(questSubmissions)
        .where(and(eq(questSubmissions.guildId, p('guildId')), eq(questSubmissions.status, 'pending')))
        .orderBy(asc(questSubmissions.id))
        .limit(p('limit'))
        .offset(p('offset'))
        .prepare(),
      queueSize: orm
        .select({ n: sql<number>`count(*)` })
        .from(questSubmissions)
        .where(and(eq(questSubmissions.guildId, p('guildId')), eq(questSubmissions.status, 'pending')))
        .prepare(),
      review: orm
        .update(questSubmissions)
        .set({
          status: sql`${p('status')}`,
          reviewerId: sql`${p('reviewerId')}`,
          reason: sql`${p('reason')}`,
          reviewedAt: sql`${p('now')}`,
        })
        .where(and(eq(questSubmissions.id, p('id')), eq(questSubmissions.status, 'pending')))
        .prepare(),
      submissionNotified: orm
        .update(questSubmissions)
        .set({ notifiedAt: sql`${p('now')}` })
        .where(and(eq(questSubmissions.id, p('id')), isNull(questSubmissions.notifiedAt)))
        .prepare(),
      untoldDecisions: orm
        .select()
        .from(questSubmissions)
        .where(
          and(
            eq(questSubmissions.guildId, p('guildId')),
            eq(questSubmissions.userId, p('userId')),
            inArray(questSubmissions.status, ['approved', 'rejected']),
            isNull(questSubmissions.notifiedAt),
          ),
        )
        .orderBy(asc(questSubmissions.id))
        .limit(10)
        .prepare(),
    };
    // The batch's members drive every set-based read (CROSS JOIN keeps json_each outer):
    // left to itself the planner scans the quest's rows once per member.
    this.raw = {
      progressAmong: sqlite.prepare<{ questId: number; pairs: string }, QuestProgressRow>(
        `SELECT p.quest_id AS questId, p.user_id AS userId, p.period, p.step_id AS stepId, p.value,
                p.done_at AS doneAt, p.attempts, p.updated_at AS updatedAt
         FROM json_each(@pairs) j
         CROSS JOIN quest_progress p ON p.quest_id = @questId AND p.user_id = j.value ->> 0 AND p.period = j.value ->> 1`,
      ),
      completedAmong: sqlite.prepare<{ questId: number; pairs: string }, { userId: string; period: string }>(
        `SELECT c.user_id AS userId, c.period FROM json_each(@pairs) j
         CROSS JOIN quest_completions c ON c.quest_id = @questId AND c.user_id = j.value ->> 0 AND c.period = j.value ->> 1`,
      ),
      completedAnyAmong: sqlite.prepare<{ questId: number; userIds: string }, { userId: string }>(
        `SELECT DISTINCT c.user_id AS userId FROM json_each(@userIds) j
         CROSS JOIN quest_completions c ON c.quest_id = @questId AND c.user_id = j.value`,
      ),
      // value, done_at and attempts as the caller computed them (the rule lives in the domain).
      upsertProgress: sqlite.prepare<{ questId: number; rows: string; now: number }>(
        `INSERT INTO quest_progress (quest_id, user_id, period, step_id, value, done_at, attempts, updated_at)
         SELECT @questId, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, @now
         FROM json_each(@rows) j WHERE true
         ON CONFLICT (quest_id, user_id, period, step_id) DO UPDATE SET
           value = excluded.value, done_at = excluded.done_at, attempts = excluded.attempts,
           updated_at = excluded.updated_at`,
      ),
      // How to announce it is the member's choice at this moment (member_prefs, default DM).
      insertCompletions: sqlite.prepare<{ questId: number; guildId: string; rows: string; now: number }>(
        `INSERT INTO quest_completions (quest_id, user_id, period, guild_id, transfer_id, completed_at, role_status, notify)
         SELECT @questId, j.value ->> 0, j.value ->> 1, @guildId, j.value ->> 2, @now, j.value ->> 3,
                CASE WHEN mp.quest_notices = 'ephemeral' THEN 'reply' ELSE 'dm' END
         FROM json_each(@rows) j
         LEFT JOIN member_prefs mp ON mp.guild_id = @guildId AND mp.user_id = j.value ->> 0`,
      ),
      unannounced: sqlite.prepare<{ since: number; limit: number }, QuestAnnouncement>(
        `SELECT c.quest_id AS questId, c.user_id AS userId, c.period, c.guild_id AS guildId,
                c.transfer_id AS transferId, c.completed_at AS completedAt, c.role_status AS roleStatus,
                c.notify, c.notified_at AS notifiedAt, q.name AS questName, q.sparks, q.reward_role_id AS rewardRoleId
         FROM quest_completions c JOIN quests q ON q.id = c.quest_id
         WHERE c.completed_at >= @since
           AND (c.role_status = 'due' OR (c.notified_at IS NULL AND c.notify = 'dm'))
         ORDER BY c.completed_at LIMIT @limit`,
      ),
      replyNotices: sqlite.prepare<{ guildId: string; userId: string }, QuestAnnouncement>(
        `SELECT c.quest_id AS questId, c.user_id AS userId, c.period, c.guild_id AS guildId,
                c.transfer_id AS transferId, c.completed_at AS completedAt, c.role_status AS roleStatus,
                c.notify, c.notified_at AS notifiedAt, q.name AS questName, q.sparks, q.reward_role_id AS rewardRoleId
         FROM quest_completions c JOIN quests q ON q.id = c.quest_id
         WHERE c.guild_id = @guildId AND c.user_id = @userId AND c.notified_at IS NULL AND c.notify = 'reply'
         ORDER BY c.completed_at LIMIT 10`,
      ),
      // A quest's badge is one of the shop's badge rewards (read only: the shop store owns rewards).
      badgeReward: sqlite.prepare<
        { guildId: string; id: number; nameKey: string },
        { id: number; name: string }
      >(
        `SELECT id, name FROM rewards
         WHERE guild_id = @guildId AND kind = 'badge' AND removed_at IS NULL AND (id = @id OR name_key = @nameKey)
         ORDER BY id = @id DESC LIMIT 1`,
      ),
      // The one place quests count referrals: switch it to qualified referrals when they exist.
      referralsIn: sqlite.prepare<
        { guildId: string; userId: string; from: number; to: number },
        { n: number }
      >(
        `SELECT COUNT(*) AS n FROM referrals
         WHERE guild_id = @guildId AND referrer_user_id = @userId AND created_at >= @from AND created_at < @to`,
      ),
    };
  }

  // ---- quests ---------------------------------------------------------------------------

  insert(q: NewQuest): QuestRow {
    return this.s.insert.get({ ...q });
  }

  byId(id: number): QuestRow | undefined {
    return this.s.byId.get({ id });
  }

  /**
   * The quest's row, read by a write that decides on it (its counters, cap, steps, its
   * members' progress): SQLite's writer is alone already; the PostgreSQL twin holds the row
   * locked until the write ends, so two such writes on one quest run one after the other.
   */
  lockForWrite(id: number): QuestRow | undefined {
    return this.byId(id);
  }

  /**
   * Called first by a write that sets a prerequisite, before it reads the quests it links:
   * the cycle check reads the guild's prerequisite chain and then writes one link of it, so
   * two such writes in one guild must take their turns (A→B and B→A each alone see no
   * cycle). SQLite's writer is alone already; the PostgreSQL twin takes the guild's
   * prerequisite lock to the end of the write (other guilds' writes do not wait).
   */
  lockPrerequisites(_guildId: string): void {}

  /** The guild's quest of this (lower-cased) name that has not ended. */
  liveByName(guildId: string, nameKey: string): QuestRow | undefined {
    return this.s.liveByName.get({ guildId, nameKey });
  }

  /** The guild's latest quest of this (lower-cased) name, ended or not. */
  latestByName(guildId: string, nameKey: string): QuestRow | undefined {
    return this.s.latestByName.get({ guildId, nameKey });
  }

  /** The guild's quests, newest first. */
  inGuild(guildId: string, limit: number): QuestRow[] {
    return this.s.inGuild.all({ guildId, limit });
  }

  /** Every published quest of every guild (the in-memory event index is built from these). */
  published(): QuestRow[] {
    return this.s.published.all();
  }

  /** Every quest the scheduler may have to move: scheduled (to open) or published (to end). */
  pending(): QuestRow[] {
    return this.s.pending.all();
  }

  /** Rewrites a draft's fields; false when it is no longer a draft. */
  updateDraft(id: number, fields: QuestDraftFields, now: number): boolean {
    return this.s.updateDraft.run({ ...fields, id, now }).changes === 1;
  }

  /** Moves a quest from `from` to scheduled or published; false when it was not in `from`. */
  publish(
    id: number,
    from: QuestStatus,
    to: 'scheduled' | 'published',
    publishedAt: number | null,
    now: number,
  ): boolean {
    return this.s.publish.run({ id, from, status: to, publishedAt, now }).changes === 1;
  }

  /** True when this call ended it; false when it had already ended. */
  end(id: number, reason: QuestEndReason, now: number): boolean {
    return this.s.end.run({ id, reason, now }).changes === 1;
  }

  /** Adds completions and the Sparks they paid to the quest's counters (in the completions' transaction). */
  count(id: number, completions: number, granted: number): void {
    this.s.count.run({ id, completions, granted });
  }

  // ---- steps ----------------------------------------------------------------------------

  insertStep(step: NewQuestStep): QuestStepRow {
    return this.s.insertStep.get({ ...step });
  }

  steps(questId: number): QuestStepRow[] {
    return this.s.steps.all({ questId });
  }

  // ---- progress and completions ---------------------------------------------------------

  /** A member's progress rows in one period of a quest. */
  progress(questId: number, userId: string, period: string): QuestProgressRow[] {
    return this.s.progress.all({ questId, userId, period });
  }

  /** The progress rows of these (member, period) pairs: one statement for a batch. */
  progressAmong(questId: number, pairs: readonly (readonly [string, string])[]): QuestProgressRow[] {
    if (pairs.length === 0) return [];
    return this.raw.progressAmong.all({ questId, pairs: JSON.stringify(pairs) });
  }

  /**
   * Writes progress rows (member, period, step, value, done_at, attempts) in one statement,
   * replacing what those keys held.
   */
  upsertProgress(
    questId: number,
    rows: readonly (readonly [string, string, number, number, number | null, number])[],
    now: number,
  ): void {
    if (rows.length === 0) return;
    this.raw.upsertProgress.run({ questId, rows: JSON.stringify(rows), now });
  }

  completion(questId: number, userId: string, period: string): QuestCompletionRow | undefined {
    return this.s.completion.get({ questId, userId, period });
  }

  /** Which of these (member, period) pairs completed the quest, as `member\nperiod` keys. */
  completedAmong(questId: number, pairs: readonly (readonly [string, string])[]): Set<string> {
    if (pairs.length === 0) return new Set();
    const rows = this.raw.completedAmong.all({ questId, pairs: JSON.stringify(pairs) });
    return new Set(rows.map((r) => `${r.userId}\n${r.period}`));
  }

  /** Whether the member completed the quest in any period (a prerequisite). */
  completedAny(questId: number, userId: string): boolean {
    return this.s.completedAny.get({ questId, userId }) !== undefined;
  }

  /** Which of these members completed the quest in any period. */
  completedAnyAmong(questId: number, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set();
    const rows = this.raw.completedAnyAmong.all({ questId, userIds: JSON.stringify(userIds) });
    return new Set(rows.map((r) => r.userId));
  }

  /**
   * Records completions with the entries that paid them, in one statement. A duplicate
   * (quest, member, period) fails the statement (the primary key): exactly once.
   */
  insertCompletions(
    questId: number,
    guildId: string,
    rows: readonly NewQuestCompletion[],
    now: number,
  ): void {
    if (rows.length === 0) return;
    const packed = rows.map((r) => [r.userId, r.period, r.transferId, r.roleStatus]);
    this.raw.insertCompletions.run({ questId, guildId, rows: JSON.stringify(packed), now });
  }

  /** A member's completions in a guild, newest first. */
  memberCompletions(guildId: string, userId: string, limit: number): QuestCompletionRow[] {
    return this.s.memberCompletions.all({ guildId, userId, limit });
  }

  /**
   * Completions of every guild since `since` whose role is due or
   * whose DM is not sent, oldest first.
   */
  unannounced(since: number, limit: number): QuestAnnouncement[] {
    return this.raw.unannounced.all({ since, limit });
  }

  /** A member's completions to tell in their next quest reply. */
  replyNotices(guildId: string, userId: string): QuestAnnouncement[] {
    return this.raw.replyNotices.all({ guildId, userId });
  }

  /** True when this call marked it (it was not marked before). */
  markNotified(questId: number, userId: string, period: string, now: number): boolean {
    return this.s.markNotified.run({ questId, userId, period, now }).changes === 1;
  }

  /** The DM could not be delivered: tell the member in their next quest reply instead. */
  notifyByReply(questId: number, userId: string, period: string): void {
    this.s.notifyByReply.run({ questId, userId, period });
  }

  /** Settles a due reward role; false when it was no longer due. */
  settleRole(
    questId: number,
    userId: string,
    period: string,
    to: Exclude<QuestRoleStatus, 'due' | 'none'>,
  ): boolean {
    return this.s.setRole.run({ questId, userId, period, to }).changes === 1;
  }

  /** Referrals the member made in [from, to). */
  /** The guild's live badge reward named `ref` (or with that id); undefined when none. */
  badgeReward(guildId: string, ref: string): { id: number; name: string } | undefined {
    const id = /^\d{1,15}$/.test(ref.trim()) ? Number(ref.trim()) : -1;
    return this.raw.badgeReward.get({ guildId, id, nameKey: ref.trim().toLowerCase() });
  }

  referralsIn(guildId: string, userId: string, from: number, to: number): number {
    return this.raw.referralsIn.get({ guildId, userId, from: bound(from), to: bound(to) })!.n;
  }

  // ---- submissions ----------------------------------------------------------------------

  /** Errors: SPARKS.QUEST_PENDING when one is already waiting for this member, step and period. */
  insertSubmission(row: NewQuestSubmission): QuestSubmissionRow {
    try {
      return this.s.insertSubmission.get({ ...row });
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new SparksError('SPARKS.QUEST_PENDING', {}, 'a submission is already pending');
      throw e;
    }
  }

  submission(id: number): QuestSubmissionRow | undefined {
    return this.s.submission.get({ id });
  }

  /** The member's latest submission for a step in a period. */
  latestSubmission(
    questId: number,
    stepId: number,
    userId: string,
    period: string,
  ): QuestSubmissionRow | undefined {
    return this.s.latestSubmission.get({ questId, stepId, userId, period });
  }

  /** The guild's pending submissions, oldest first, and how many there are. */
  queue(guildId: string, offset: number, limit: number): { items: QuestSubmissionRow[]; total: number } {
    return {
      items: this.s.queue.all({ guildId, offset, limit }),
      total: this.s.queueSize.get({ guildId })?.n ?? 0,
    };
  }

  /** Decides a pending submission; false when it was not pending (decided once). */
  review(
    id: number,
    status: 'approved' | 'rejected',
    reviewerId: string,
    reason: string | null,
    now: number,
  ): boolean {
    return this.s.review.run({ id, status, reviewerId, reason, now }).changes === 1;
  }

  markSubmissionNotified(id: number, now: number): boolean {
    return this.s.submissionNotified.run({ id, now }).changes === 1;
  }

  /** Decisions on a member's submissions they were not told of yet. */
  untoldDecisions(guildId: string, userId: string): QuestSubmissionRow[] {
    return this.s.untoldDecisions.all({ guildId, userId });
  }
}
