/**
 * The quests' tables (quests, quest_steps, quest_progress, quest_submissions,
 * quest_completions) on PostgreSQL, through the synchronous facade (sync.ts): the same
 * methods and results as the SQLite `QuestStore` (src/db/quest-store.ts), so `QuestService`
 * and `QuestGrants` run unchanged on either engine. `questStore(db)` is the one place that
 * picks. Writes run inside the caller's `db.write`; a batch's members go as arrays
 * (`unnest`), as the SQLite store sends them as one JSON array.
 *
 * SQLite runs each write alone; here writes run at READ COMMITTED side by side, so what the
 * service reads and then decides on inside a write is made to hold the same way:
 * - `lockForWrite` takes the quest's row lock (FOR UPDATE): the grant batches, webhook
 *   events, answers, reviews and submissions of one quest run one after the other, so its
 *   cap, its counters, a member's progress counts and quiz attempts stay exact, and a step
 *   added while the quest is published meanwhile is refused;
 * - `lockPrerequisites` takes the guild's prerequisite lock (`lockInWrite(db, 'quests',
 *   'prerequisites', guild)`) before a draft edit reads the quests it links: two edits of
 *   one guild's prerequisites run one after the other, so the second's cycle check sees the
 *   first's link (A→B and B→A at once: the second is refused as a cycle);
 * - a completion is paid once: a second writer of one (quest, member, period) meets the
 *   ledger key (or the completions' primary key) the first committed, and its transaction
 *   runs again, which then reads the completion;
 * - the status moves (publish, end, review, notified, the role settled) are guarded UPDATEs:
 *   a second writer waits on the row lock, re-checks the guard and changes nothing;
 * - a live name or a step position a concurrent writer took first (`quests_live_name`,
 *   `quest_steps_position`) runs the write again, which then sees it taken; a second pending
 *   submission (`quest_submissions_one_pending`) is SPARKS.QUEST_PENDING, as on SQLite.
 */
import { SparksError } from '../../core/errors.ts';
import type { AppDb } from '../engine.ts';
import {
  QuestStore,
  type NewQuest,
  type NewQuestCompletion,
  type NewQuestStep,
  type NewQuestSubmission,
  type QuestAnnouncement,
  type QuestCompletionRow,
  type QuestDraftFields,
  type QuestEndReason,
  type QuestProgressRow,
  type QuestRow,
  type QuestStepRow,
  type QuestStoreApi,
  type QuestSubmissionRow,
} from '../quest-store.ts';
import type { QuestRoleStatus, QuestStatus } from '../schema.ts';
import { lockInWrite } from './locks.ts';
import {
  questCompletions,
  questProgress,
  questSteps,
  questSubmissions,
  quests,
} from './schema-quests-core.ts';
import { selectList } from './select-list.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

const QUEST_COLS = selectList(quests);
const STEP_COLS = selectList(questSteps);
const PROGRESS_COLS = selectList(questProgress, 'p');
const SUBMISSION_COLS = selectList(questSubmissions);
const COMPLETION_COLS = selectList(questCompletions);

/** The fields of a draft, in the order `insert` and `updateDraft` send them. */
const DRAFT_FIELDS = [
  ['name', 'name'],
  ['name_key', 'nameKey'],
  ['description', 'description'],
  ['sparks', 'sparks'],
  ['reward_role_id', 'rewardRoleId'],
  ['recurrence', 'recurrence'],
  ['starts_at', 'startsAt'],
  ['ends_at', 'endsAt'],
  ['prerequisite_id', 'prerequisiteId'],
  ['max_completions', 'maxCompletions'],
  ['required_role_id', 'requiredRoleId'],
  ['min_member_days', 'minMemberDays'],
  ['min_account_days', 'minAccountDays'],
  ['verified_wallet', 'verifiedWallet'],
  ['badge_reward_id', 'badgeRewardId'],
] as const satisfies readonly (readonly [string, keyof QuestDraftFields])[];
const N = DRAFT_FIELDS.length;
/** What the columns with a default take when a new quest leaves them out. */
const DRAFT_DEFAULTS: Partial<Record<keyof QuestDraftFields, unknown>> = {
  description: '',
  recurrence: 'once',
  verifiedWallet: 0,
};

const STEP_FIELDS = [
  ['quest_id', 'questId'],
  ['position', 'position'],
  ['kind', 'kind'],
  ['channel_id', 'channelId'],
  ['message_id', 'messageId'],
  ['emoji_key', 'emojiKey'],
  ['emoji_display', 'emojiDisplay'],
  ['role_id', 'roleId'],
  ['count', 'count'],
  ['volume_cents', 'volumeCents'],
  ['prompt', 'prompt'],
  ['answers', 'answers'],
  ['attempts', 'attempts'],
  ['created_at', 'createdAt'],
] as const satisfies readonly (readonly [string, keyof NewQuestStep])[];

const params = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => `$${from + k}`).join(', ');

/** A completion's key ($1 quest, $2 member, $3 period). */
const BY_KEY = `quest_id = $1 AND user_id = $2 AND period = $3`;

/** A completion with its quest's name, Sparks and reward role, as `QuestAnnouncement`. */
const ANNOUNCEMENT = `SELECT ${selectList(questCompletions, 'c')}, q.name AS "questName", q.sparks,
    q.reward_role_id AS "rewardRoleId"
  FROM quest_completions c JOIN quests q ON q.id = c.quest_id`;

const SQL = {
  insert: `INSERT INTO quests (guild_id, ${DRAFT_FIELDS.map(([c]) => c).join(', ')}, created_by, created_at, updated_at)
    VALUES (${params(1, N + 4)}) RETURNING ${QUEST_COLS}`,
  byId: `SELECT ${QUEST_COLS} FROM quests WHERE id = $1`,
  lockForWrite: `SELECT ${QUEST_COLS} FROM quests WHERE id = $1 FOR UPDATE`,
  liveByName: `SELECT ${QUEST_COLS} FROM quests WHERE guild_id = $1 AND name_key = $2 AND status <> 'ended'`,
  latestByName: `SELECT ${QUEST_COLS} FROM quests WHERE guild_id = $1 AND name_key = $2 ORDER BY id DESC LIMIT 1`,
  inGuild: `SELECT ${QUEST_COLS} FROM quests WHERE guild_id = $1 ORDER BY id DESC LIMIT $2`,
  published: `SELECT ${QUEST_COLS} FROM quests WHERE status = 'published' ORDER BY id ASC`,
  pending: `SELECT ${QUEST_COLS} FROM quests WHERE status IN ('scheduled', 'published') ORDER BY id ASC`,
  updateDraft: `UPDATE quests SET ${DRAFT_FIELDS.map(([c], k) => `${c} = $${k + 1}`).join(', ')},
      updated_at = $${N + 1}
    WHERE id = $${N + 2} AND status = 'draft'`,
  publish: `UPDATE quests SET status = $3, published_at = $4, updated_at = $5 WHERE id = $1 AND status = $2`,
  end: `UPDATE quests SET status = 'ended', end_reason = $2, ended_at = $3, updated_at = $3
    WHERE id = $1 AND status IN ('draft', 'scheduled', 'published')`,
  count: `UPDATE quests SET completions = completions + $2, granted = granted + $3 WHERE id = $1`,
  insertStep: `INSERT INTO quest_steps (${STEP_FIELDS.map(([c]) => c).join(', ')})
    VALUES (${params(1, STEP_FIELDS.length)}) RETURNING ${STEP_COLS}`,
  steps: `SELECT ${STEP_COLS} FROM quest_steps WHERE quest_id = $1 ORDER BY position ASC`,
  progress: `SELECT ${PROGRESS_COLS} FROM quest_progress p
    WHERE p.quest_id = $1 AND p.user_id = $2 AND p.period = $3 ORDER BY p.step_id`,
  progressAmong: `SELECT ${PROGRESS_COLS} FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS j(u, per, n)
    JOIN quest_progress p ON p.quest_id = $1 AND p.user_id = j.u AND p.period = j.per
    ORDER BY j.n, p.step_id`,
  // value, done_at and attempts as the caller computed them (the rule lives in the domain).
  upsertProgress: `INSERT INTO quest_progress (quest_id, user_id, period, step_id, value, done_at, attempts, updated_at)
    SELECT $1, j.u, j.per, j.s, j.v, j.d, j.a, $8
    FROM unnest($2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int[]) AS j(u, per, s, v, d, a)
    ON CONFLICT (quest_id, user_id, period, step_id) DO UPDATE SET
      value = excluded.value, done_at = excluded.done_at, attempts = excluded.attempts,
      updated_at = excluded.updated_at`,
  completion: `SELECT ${COMPLETION_COLS} FROM quest_completions WHERE ${BY_KEY}`,
  completedAmong: `SELECT c.user_id AS "userId", c.period FROM unnest($2::text[], $3::text[]) AS j(u, per)
    JOIN quest_completions c ON c.quest_id = $1 AND c.user_id = j.u AND c.period = j.per`,
  completedAny: `SELECT 1 AS one FROM quest_completions WHERE quest_id = $1 AND user_id = $2 LIMIT 1`,
  completedAnyAmong: `SELECT DISTINCT c.user_id AS "userId" FROM unnest($2::text[]) AS j(u)
    JOIN quest_completions c ON c.quest_id = $1 AND c.user_id = j.u`,
  // How to announce it is the member's choice at this moment (member_prefs, default DM).
  insertCompletions: `INSERT INTO quest_completions
      (quest_id, user_id, period, guild_id, transfer_id, completed_at, role_status, notify)
    SELECT $1, j.u, j.per, $2, j.t, $7, j.r, CASE WHEN mp.quest_notices = 'ephemeral' THEN 'reply' ELSE 'dm' END
    FROM unnest($3::text[], $4::text[], $5::int8[], $6::text[]) WITH ORDINALITY AS j(u, per, t, r, n)
    LEFT JOIN member_prefs mp ON mp.guild_id = $2 AND mp.user_id = j.u
    ORDER BY j.n`,
  memberCompletions: `SELECT ${COMPLETION_COLS} FROM quest_completions WHERE guild_id = $1 AND user_id = $2
    ORDER BY completed_at DESC, quest_id DESC, period DESC LIMIT $3`,
  unannounced: `${ANNOUNCEMENT}
    WHERE c.completed_at >= $1
      AND (c.role_status = 'due' OR (c.notified_at IS NULL AND c.notify = 'dm'))
    ORDER BY c.completed_at, c.quest_id, c.user_id, c.period LIMIT $2`,
  replyNotices: `${ANNOUNCEMENT}
    WHERE c.guild_id = $1 AND c.user_id = $2 AND c.notified_at IS NULL AND c.notify = 'reply'
    ORDER BY c.completed_at, c.quest_id, c.period LIMIT 10`,
  markNotified: `UPDATE quest_completions SET notified_at = $4 WHERE ${BY_KEY} AND notified_at IS NULL`,
  notifyByReply: `UPDATE quest_completions SET notify = 'reply' WHERE ${BY_KEY} AND notified_at IS NULL`,
  settleRole: `UPDATE quest_completions SET role_status = $4 WHERE ${BY_KEY} AND role_status = 'due'`,
  // A quest's badge is one of the shop's badge rewards (read only: the shop store owns rewards).
  badgeReward: `SELECT id, name FROM rewards
    WHERE guild_id = $1 AND kind = 'badge' AND removed_at IS NULL AND (id = $2 OR name_key = $3)
    ORDER BY (id = $2) DESC LIMIT 1`,
  // The one place quests count referrals (as in the SQLite store).
  referralsIn: `SELECT COUNT(*) AS n FROM referrals
    WHERE guild_id = $1 AND referrer_user_id = $2 AND created_at >= $3 AND created_at < $4`,
  insertSubmission: `INSERT INTO quest_submissions (guild_id, quest_id, step_id, user_id, period, content, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SUBMISSION_COLS}`,
  submission: `SELECT ${SUBMISSION_COLS} FROM quest_submissions WHERE id = $1`,
  latestSubmission: `SELECT ${SUBMISSION_COLS} FROM quest_submissions
    WHERE quest_id = $1 AND step_id = $2 AND user_id = $3 AND period = $4 ORDER BY id DESC LIMIT 1`,
  queue: `SELECT ${SUBMISSION_COLS} FROM quest_submissions WHERE guild_id = $1 AND status = 'pending'
    ORDER BY id ASC LIMIT $3 OFFSET $2`,
  queueSize: `SELECT COUNT(*) AS n FROM quest_submissions WHERE guild_id = $1 AND status = 'pending'`,
  review: `UPDATE quest_submissions SET status = $2, reviewer_id = $3, reason = $4, reviewed_at = $5
    WHERE id = $1 AND status = 'pending'`,
  submissionNotified: `UPDATE quest_submissions SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL`,
  untoldDecisions: `SELECT ${SUBMISSION_COLS} FROM quest_submissions
    WHERE guild_id = $1 AND user_id = $2 AND status IN ('approved', 'rejected') AND notified_at IS NULL
    ORDER BY id ASC LIMIT 10`,
} as const;

/** Bounds of an unbounded window, as the SQLite store hands them (within int8 and 2^53). */
const FAR = 8_640_000_000_000_000;
const bound = (ms: number) => Math.max(-FAR, Math.min(FAR, ms));

/** `QuestStore`'s methods on PostgreSQL; see the module comment. */
export class PgQuestStore implements QuestStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, values: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, values)[0];
  }

  private changed(text: string, values: readonly unknown[]): boolean {
    return this.db.run(text, values).rowCount === 1;
  }

  /** A unique key a concurrent writer took first: the write runs again and sees it. */
  private retryOn<T>(constraint: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === constraint) throw this.db.retryTransaction(e);
      throw e;
    }
  }

  // ---- quests ---------------------------------------------------------------------------

  insert(q: NewQuest): QuestRow {
    const fields = DRAFT_FIELDS.map(([, k]) => q[k] ?? DRAFT_DEFAULTS[k] ?? null);
    return this.retryOn('quests_live_name', () =>
      this.one<QuestRow>(SQL.insert, [q.guildId, ...fields, q.createdBy, q.createdAt, q.updatedAt])!,
    );
  }

  byId(id: number): QuestRow | undefined {
    return this.one(SQL.byId, [id]);
  }

  lockForWrite(id: number): QuestRow | undefined {
    return this.one(SQL.lockForWrite, [id]);
  }

  lockPrerequisites(guildId: string): void {
    lockInWrite(this.db, 'quests', 'prerequisites', guildId);
  }

  liveByName(guildId: string, nameKey: string): QuestRow | undefined {
    return this.one(SQL.liveByName, [guildId, nameKey]);
  }

  latestByName(guildId: string, nameKey: string): QuestRow | undefined {
    return this.one(SQL.latestByName, [guildId, nameKey]);
  }

  inGuild(guildId: string, limit: number): QuestRow[] {
    return this.db.query(SQL.inGuild, [guildId, limit]);
  }

  published(): QuestRow[] {
    return this.db.query(SQL.published);
  }

  pending(): QuestRow[] {
    return this.db.query(SQL.pending);
  }

  updateDraft(id: number, fields: QuestDraftFields, now: number): boolean {
    const values = DRAFT_FIELDS.map(([, k]) => fields[k]);
    return this.retryOn('quests_live_name', () => this.changed(SQL.updateDraft, [...values, now, id]));
  }

  publish(
    id: number,
    from: QuestStatus,
    to: 'scheduled' | 'published',
    publishedAt: number | null,
    now: number,
  ): boolean {
    return this.changed(SQL.publish, [id, from, to, publishedAt, now]);
  }

  end(id: number, reason: QuestEndReason, now: number): boolean {
    return this.changed(SQL.end, [id, reason, now]);
  }

  count(id: number, completions: number, granted: number): void {
    this.db.run(SQL.count, [id, completions, granted]);
  }

  // ---- steps ----------------------------------------------------------------------------

  insertStep(step: NewQuestStep): QuestStepRow {
    const values = STEP_FIELDS.map(([, k]) => step[k] ?? null);
    return this.retryOn('quest_steps_position', () => this.one<QuestStepRow>(SQL.insertStep, values)!);
  }

  steps(questId: number): QuestStepRow[] {
    return this.db.query(SQL.steps, [questId]);
  }

  // ---- progress and completions ---------------------------------------------------------

  progress(questId: number, userId: string, period: string): QuestProgressRow[] {
    return this.db.query(SQL.progress, [questId, userId, period]);
  }

  progressAmong(questId: number, pairs: readonly (readonly [string, string])[]): QuestProgressRow[] {
    if (pairs.length === 0) return [];
    return this.db.query(SQL.progressAmong, [questId, pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
  }

  upsertProgress(
    questId: number,
    rows: readonly (readonly [string, string, number, number, number | null, number])[],
    now: number,
  ): void {
    if (rows.length === 0) return;
    this.db.run(SQL.upsertProgress, [questId, ...[0, 1, 2, 3, 4, 5].map((k) => rows.map((r) => r[k])), now]);
  }

  completion(questId: number, userId: string, period: string): QuestCompletionRow | undefined {
    return this.one(SQL.completion, [questId, userId, period]);
  }

  completedAmong(questId: number, pairs: readonly (readonly [string, string])[]): Set<string> {
    if (pairs.length === 0) return new Set();
    const rows = this.db.query<{ userId: string; period: string }>(SQL.completedAmong, [
      questId,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    ]);
    return new Set(rows.map((r) => `${r.userId}\n${r.period}`));
  }

  completedAny(questId: number, userId: string): boolean {
    return this.one(SQL.completedAny, [questId, userId]) !== undefined;
  }

  completedAnyAmong(questId: number, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set();
    const rows = this.db.query<{ userId: string }>(SQL.completedAnyAmong, [questId, [...userIds]]);
    return new Set(rows.map((r) => r.userId));
  }

  insertCompletions(
    questId: number,
    guildId: string,
    rows: readonly NewQuestCompletion[],
    now: number,
  ): void {
    if (rows.length === 0) return;
    this.retryOn('quest_completions_quest_id_user_id_period_pk', () =>
      this.db.run(SQL.insertCompletions, [
        questId,
        guildId,
        rows.map((r) => r.userId),
        rows.map((r) => r.period),
        rows.map((r) => r.transferId),
        rows.map((r) => r.roleStatus),
        now,
      ]),
    );
  }

  memberCompletions(guildId: string, userId: string, limit: number): QuestCompletionRow[] {
    return this.db.query(SQL.memberCompletions, [guildId, userId, limit]);
  }

  unannounced(since: number, limit: number): QuestAnnouncement[] {
    return this.db.query(SQL.unannounced, [since, limit]);
  }

  replyNotices(guildId: string, userId: string): QuestAnnouncement[] {
    return this.db.query(SQL.replyNotices, [guildId, userId]);
  }

  markNotified(questId: number, userId: string, period: string, now: number): boolean {
    return this.changed(SQL.markNotified, [questId, userId, period, now]);
  }

  notifyByReply(questId: number, userId: string, period: string): void {
    this.db.run(SQL.notifyByReply, [questId, userId, period]);
  }

  settleRole(
    questId: number,
    userId: string,
    period: string,
    to: Exclude<QuestRoleStatus, 'due' | 'none'>,
  ): boolean {
    return this.changed(SQL.settleRole, [questId, userId, period, to]);
  }

  badgeReward(guildId: string, ref: string): { id: number; name: string } | undefined {
    const id = /^\d{1,15}$/.test(ref.trim()) ? Number(ref.trim()) : -1;
    return this.one(SQL.badgeReward, [guildId, id, ref.trim().toLowerCase()]);
  }

  referralsIn(guildId: string, userId: string, from: number, to: number): number {
    return this.one<{ n: number }>(SQL.referralsIn, [guildId, userId, bound(from), bound(to)])!.n;
  }

  // ---- submissions ----------------------------------------------------------------------

  insertSubmission(row: NewQuestSubmission): QuestSubmissionRow {
    try {
      return this.one<QuestSubmissionRow>(SQL.insertSubmission, [
        row.guildId,
        row.questId,
        row.stepId,
        row.userId,
        row.period,
        row.content,
        row.createdAt,
      ])!;
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === 'quest_submissions_one_pending')
        throw new SparksError('SPARKS.QUEST_PENDING', {}, 'a submission is already pending');
      throw e;
    }
  }

  submission(id: number): QuestSubmissionRow | undefined {
    return this.one(SQL.submission, [id]);
  }

  latestSubmission(
    questId: number,
    stepId: number,
    userId: string,
    period: string,
  ): QuestSubmissionRow | undefined {
    return this.one(SQL.latestSubmission, [questId, stepId, userId, period]);
  }

  queue(guildId: string, offset: number, limit: number): { items: QuestSubmissionRow[]; total: number } {
    return {
      items: this.db.query(SQL.queue, [guildId, offset, limit]),
      total: this.one<{ n: number }>(SQL.queueSize, [guildId])?.n ?? 0,
    };
  }

  review(
    id: number,
    status: 'approved' | 'rejected',
    reviewerId: string,
    reason: string | null,
    now: number,
  ): boolean {
    return this.changed(SQL.review, [id, status, reviewerId, reason, now]);
  }

  markSubmissionNotified(id: number, now: number): boolean {
    return this.changed(SQL.submissionNotified, [id, now]);
  }

  untoldDecisions(guildId: string, userId: string): QuestSubmissionRow[] {
    return this.db.query(SQL.untoldDecisions, [guildId, userId]);
  }
}

/** The quests' store for `db`'s engine: the one place that picks. */
export function questStore(db: AppDb): QuestStoreApi {
  return db.engine === 'postgres' ? new PgQuestStore(db) : new QuestStore(db);
}
