/**
 * Quests (SPEC §10): an admin builds a quest (a draft), adds steps the bot can verify, and
 * publishes it — at once, or at a scheduled start; members complete every step inside one
 * period and are paid once per period from ISSUANCE('quest').
 *
 * Events reach a quest on four paths, all deciding with the same rule (decide.ts) and
 * writing through the same machinery (grants.ts):
 * - reactions and messages, in bursts: matched in memory (active-index.ts) by the Discord
 *   plugin, which checks the gates on the event's member, then queued on the shared grant
 *   queue (one transaction per batch);
 * - platform events: inside the webhook's own transaction (PlatformService.onApplied), so a
 *   trade counts exactly once, with the event;
 * - a member's quiz answer or submission, and a moderator's review: one write each;
 * - a look at the member (`evaluate`): their roles tick role steps, and a quest whose steps
 *   are all done but whose gates needed Discord's facts completes.
 * A completion is written with its entry; after the commit the service tells its listeners
 * (the plugin announces it and grants the reward role).
 */
import type { AuditSink, AuditValue } from '../audit.ts';
import { parseDuration } from '../campaigns/parse.ts';
import type { Clock } from '../core/clock.ts';
import { DAY_MS } from '../core/clock.ts';
import { isSparksError, SparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { questStore } from '../db/pg/quest-store.ts';
import { excludedRoleReader } from '../members/ranking.ts';
import {
  type QuestAnnouncement,
  type QuestCompletionRow,
  type QuestEndReason,
  type QuestRow,
  type QuestStepRow,
  type QuestStoreApi,
  type QuestSubmissionRow,
} from '../db/quest-store.ts';
import { QUEST_RECURRENCES, type QuestRecurrence } from '../db/schema.ts';
import type { GrantQueue } from '../grants/queue.ts';
import { assertAmount } from '../ledger/amount.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { gateRefusal, NO_GATES, parseGateDays, type GateFacts, type Gates } from '../members/gates.ts';
import { NO_WALLETS, type WalletLookup } from '../wallets/wallets.ts';
import type { PlatformFact } from '../platform/service.ts';
import { QuestIndex, type PublishedQuest, type QuestTarget } from './active-index.ts';
import { decide, NO_PROGRESS, type StepProgress } from './decide.ts';
import {
  progressOf,
  QuestGrants,
  tallyOf,
  type MadeCompletion,
  type OpDecision,
  type QuestOp,
} from './grants.ts';
import { nextReset, periodOf, questWindow } from './periods.ts';
import {
  answerMatches,
  checkSubmission,
  invalid,
  MAX_ANSWER,
  MAX_STEPS,
  validateStep,
  type StepInput,
} from './steps.ts';
import './errors.ts';

export type {
  QuestAnnouncement,
  QuestCompletionRow,
  QuestRow,
  QuestStepRow,
  QuestSubmissionRow,
} from '../db/quest-store.ts';
export type { QuestTarget } from './active-index.ts';
export type { QuestOp } from './grants.ts';

export const MAX_QUEST_NAME = 80;
export const MAX_DESCRIPTION = 500;
export const MAX_COMPLETIONS = 1_000_000;
export const MAX_REASON = 300;
/** How far back the announcer looks for completions it has not announced. */
export const ANNOUNCE_WINDOW_MS = 7 * DAY_MS;

export interface QuestFields {
  name: string;
  sparks: number;
  description?: string | null;
  recurrence?: string | null;
  /** Durations from now, as a campaign's `ends_in` takes them (`30m`, `12h`, `3d`). */
  startsIn?: string | null;
  endsIn?: string | null;
  rewardRoleId?: string | null;
  maxCompletions?: number | null;
  requiredRoleId?: string | null;
  minMemberDays?: number | null;
  minAccountDays?: number | null;
  /** A shop badge reward (its name or id) the quest awards with its Sparks. */
  badge?: string | null;
  /** Only members who linked a wallet (the `verified_wallet` gate). */
  verifiedWallet?: boolean | null;
  /** Another quest of the guild (its id or name) to complete first. */
  prerequisite?: string | null;
}

export interface CreateQuestInput extends QuestFields {
  guildId: string;
  moderatorId: string;
}

/** One step and where the member stands on it. */
export interface StepView {
  step: QuestStepRow;
  progress: StepProgress;
  /** The member's latest submission for it in this period. */
  submission: QuestSubmissionRow | null;
}

/** A quest as a member sees it now (never the quiz answers). */
export interface QuestView {
  quest: QuestRow;
  period: string;
  steps: StepView[];
  completion: QuestCompletionRow | null;
  /** The prerequisite the member has not completed yet. */
  locked: QuestRow | null;
  /** The gate the member fails (from the facts given), if any. */
  refusal: SparksError | null;
  /** When a daily or weekly quest starts over. */
  resetsAt: number | null;
  open: boolean;
}

export interface QuestSummary {
  quest: QuestRow;
  steps: QuestStepRow[];
  pendingSubmissions: number;
}

export type QuestChange = { type: 'publish' | 'end' | 'steps'; quest: QuestRow };

/**
 * What a member's facts (from an interaction or an event) say for gates and role steps;
 * their roles also decide a new account's leaderboard flag (see QuestOp.memberRoles).
 */
export type MemberFacts = GateFacts;

export interface AnswerResult {
  correct: boolean;
  attemptsLeft: number;
  completed: boolean;
  /** The answer was right before: nothing moved. */
  already: boolean;
}

export interface ReviewResult {
  submission: QuestSubmissionRow;
  quest: QuestRow;
  completed: boolean;
}

/** Gates of a quest; only `min_account_days` can be checked without Discord. */
const gatesOf = (
  q: Pick<QuestRow, 'requiredRoleId' | 'minMemberDays' | 'minAccountDays' | 'verifiedWallet'>,
): Gates => ({
  requiredRoleId: q.requiredRoleId,
  minMemberDays: q.minMemberDays,
  minAccountDays: q.minAccountDays,
  verifiedWallet: q.verifiedWallet === 1,
});
const needsDiscord = (g: Gates) => g.requiredRoleId !== null || g.minMemberDays !== null;

export class QuestService {
  readonly store: QuestStoreApi;
  private readonly db: AppDb;
  private readonly wallets: WalletLookup;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private readonly audit: AuditSink;
  private readonly queue: GrantQueue;
  private readonly grants: QuestGrants;
  private readonly index: QuestIndex;
  private readonly changeListeners = new Set<(change: QuestChange) => void>();
  private readonly completionListeners = new Set<(made: readonly MadeCompletion[]) => void>();
  private readonly factListeners = new Set<(guildId: string, userIds: readonly string[]) => void>();

  constructor(deps: {
    db: AppDb;
    ledger: Ledger;
    clock: Clock;
    audit: AuditSink;
    grants: GrantQueue;
    /** For the `verified_wallet` gate; without it no member has a wallet. */
    wallets?: WalletLookup;
  }) {
    this.db = deps.db;
    this.wallets = deps.wallets ?? NO_WALLETS;
    this.ledger = deps.ledger;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.queue = deps.grants;
    this.store = questStore(deps.db);
    this.index = new QuestIndex(() => this.loadPublished(), this.clock);
    this.grants = new QuestGrants({
      store: this.store,
      ledger: this.ledger,
      excludedRole: excludedRoleReader(deps.db),
      clock: this.clock,
      hooks: {
        endInBatch: (questId) => {
          this.store.end(questId, 'cap', this.clock());
        },
        afterCommit: (batch) => {
          // After the commit: the queue runs this once the batch is durable; the one-off
          // paths defer it past the caller's transaction (see `runNow`).
          if (batch.tally.endReason === 'cap') {
            const ended = this.store.byId(batch.row.id);
            if (ended) this.afterEnd(ended);
          }
          if (batch.completed.length > 0) this.emitCompleted(batch.completed);
          if (batch.awaitingFacts.length > 0) this.emitNeedsFacts(batch.row.guildId, batch.awaitingFacts);
        },
      },
    });
  }

  // ---- building -------------------------------------------------------------------------

  /**
   * Creates a draft. Errors: SPARKS.QUEST_INVALID (reasonKey: name, name_taken, description,
   * recurrence, starts_in, ends_in, window, max_completions), SPARKS.INVALID_AMOUNT,
   * SPARKS.OUT_OF_RANGE (gate days), SPARKS.QUEST_NOT_FOUND (the prerequisite).
   */
  create(input: CreateQuestInput): QuestRow {
    const now = this.clock();
    const quest = this.db.write(() => {
      const fields = this.validate(input.guildId, input, now, null);
      return this.store.insert({
        guildId: input.guildId,
        ...fields,
        createdBy: input.moderatorId,
        createdAt: now,
        updatedAt: now,
      });
    });
    return quest;
  }

  /**
   * Changes a draft's fields (the dashboard's editor). Errors: as `create`, and
   * SPARKS.QUEST_INVALID 'quest.invalid.not_draft', 'quest.invalid.prerequisite_cycle'.
   */
  update(guildId: string, ref: string, input: QuestFields): QuestRow {
    const now = this.clock();
    return this.db.write(() => {
      // The guild's prerequisite edits take turns before anything is read (see `reaches`).
      this.store.lockPrerequisites(guildId);
      const quest = this.find(guildId, ref);
      if (quest.status !== 'draft') throw invalid('quest.invalid.not_draft', { name: quest.name });
      const fields = this.validate(guildId, input, now, quest);
      if (!this.store.updateDraft(quest.id, fields, now))
        throw invalid('quest.invalid.not_draft', { name: quest.name });
      return this.store.byId(quest.id)!;
    });
  }

  /**
   * Sets (or clears, with null) a draft's prerequisite. Errors: SPARKS.QUEST_NOT_FOUND,
   * SPARKS.QUEST_INVALID 'quest.invalid.not_draft', 'quest.invalid.prerequisite_cycle'.
   */
  setPrerequisite(guildId: string, ref: string, prerequisite: string | null): QuestRow {
    const now = this.clock();
    return this.db.write(() => {
      this.store.lockPrerequisites(guildId);
      const quest = this.find(guildId, ref);
      if (quest.status !== 'draft') throw invalid('quest.invalid.not_draft', { name: quest.name });
      const pre = prerequisite?.trim() ? this.find(guildId, prerequisite) : null;
      if (pre && this.reaches(pre.id, quest.id))
        throw invalid('quest.invalid.prerequisite_cycle', { name: pre.name });
      this.store.updateDraft(quest.id, { ...quest, prerequisiteId: pre?.id ?? null }, now);
      return this.store.byId(quest.id)!;
    });
  }

  private validate(guildId: string, input: QuestFields, now: number, existing: QuestRow | null) {
    const name = input.name.replace(/\s+/g, ' ').trim();
    if (!name || name.length > MAX_QUEST_NAME) throw invalid('quest.invalid.name', { max: MAX_QUEST_NAME });
    const nameKey = name.toLowerCase();
    const taken = this.store.liveByName(guildId, nameKey);
    if (taken && taken.id !== existing?.id) throw invalid('quest.invalid.name_taken', { name });
    const sparks = assertAmount(input.sparks, 'sparks');
    const description = (input.description ?? '').trim();
    if (description.length > MAX_DESCRIPTION)
      throw invalid('quest.invalid.description', { max: MAX_DESCRIPTION });
    const recurrence = (input.recurrence ?? 'once').toLowerCase() as QuestRecurrence;
    if (!QUEST_RECURRENCES.includes(recurrence)) throw invalid('quest.invalid.recurrence');
    const startsAt = input.startsIn ? now + duration(input.startsIn, 'quest.invalid.starts_in') : null;
    const endsAt = input.endsIn ? now + duration(input.endsIn, 'quest.invalid.ends_in') : null;
    if (endsAt !== null && endsAt <= (startsAt ?? now)) throw invalid('quest.invalid.window');
    const maxCompletions = input.maxCompletions ?? null;
    if (
      maxCompletions !== null &&
      !(Number.isSafeInteger(maxCompletions) && maxCompletions >= 1 && maxCompletions <= MAX_COMPLETIONS)
    )
      throw invalid('quest.invalid.max_completions', { max: MAX_COMPLETIONS });
    let badgeRewardId: number | null = null;
    if (input.badge?.trim()) {
      const badge = this.store.badgeReward(guildId, input.badge);
      if (!badge) throw invalid('quest.invalid.badge', { name: input.badge.trim().slice(0, 100) });
      badgeRewardId = badge.id;
    }
    let prerequisiteId: number | null = null;
    if (input.prerequisite?.trim()) {
      const pre = this.find(guildId, input.prerequisite);
      if (existing && this.reaches(pre.id, existing.id))
        throw invalid('quest.invalid.prerequisite_cycle', { name: pre.name });
      prerequisiteId = pre.id;
    }
    return {
      name,
      nameKey,
      description,
      sparks,
      rewardRoleId: input.rewardRoleId ?? null,
      recurrence,
      startsAt,
      endsAt,
      prerequisiteId,
      maxCompletions,
      requiredRoleId: input.requiredRoleId ?? null,
      minMemberDays: parseGateDays(input.minMemberDays, 'min_member_days'),
      minAccountDays: parseGateDays(input.minAccountDays, 'min_account_days'),
      verifiedWallet: input.verifiedWallet ? 1 : 0,
      badgeRewardId,
    };
  }

  /**
   * Whether following prerequisites from `from` arrives at `target` (itself included): a cycle.
   * The walk reads the chain and the caller then writes one link of it, so it holds only if
   * no other write links the guild's quests meanwhile: every caller runs inside a write that
   * took `store.lockPrerequisites(guild)` first (on PostgreSQL, A→B and B→A at once would
   * otherwise each see no cycle and both commit one). A new quest needs no turn: nothing
   * points at it yet, so it closes no cycle.
   */
  private reaches(from: number, target: number): boolean {
    let at: number | null = from;
    for (let hops = 0; at !== null && hops < 1000; hops++) {
      if (at === target) return true;
      at = this.store.byId(at)?.prerequisiteId ?? null;
    }
    return false;
  }

  /**
   * Adds a step to a draft or scheduled quest (a published one keeps its rules). The Discord
   * edge has checked what only Discord knows. Errors: SPARKS.QUEST_INVALID (as validateStep,
   * 'quest.invalid.not_editable', 'quest.invalid.too_many_steps').
   */
  addStep(guildId: string, ref: string, input: StepInput): { quest: QuestRow; step: QuestStepRow } {
    const now = this.clock();
    const valid = validateStep(input);
    const result = this.db.write(() => {
      // Locked (on PostgreSQL) against a publish or another step meanwhile.
      const quest = this.store.lockForWrite(this.find(guildId, ref).id)!;
      if (quest.status !== 'draft' && quest.status !== 'scheduled')
        throw invalid('quest.invalid.not_editable', { name: quest.name });
      const steps = this.store.steps(quest.id);
      if (steps.length >= MAX_STEPS) throw invalid('quest.invalid.too_many_steps', { max: MAX_STEPS });
      const step = this.store.insertStep({
        questId: quest.id,
        position: steps.length + 1,
        kind: valid.kind,
        channelId: valid.channelId,
        messageId: valid.messageId,
        emojiKey: valid.emojiKey,
        emojiDisplay: valid.emojiDisplay,
        roleId: valid.roleId,
        count: valid.count,
        volumeCents: valid.volumeCents,
        prompt: valid.prompt,
        answers: valid.answers ? JSON.stringify(valid.answers) : null,
        attempts: valid.attempts,
        createdAt: now,
      });
      return { quest, step };
    });
    this.changed({ type: 'steps', quest: result.quest });
    return result;
  }

  /**
   * Publishes a draft: open now, or scheduled (invisible until its start). Errors:
   * SPARKS.QUEST_INVALID 'quest.invalid.not_draft', 'quest.invalid.no_steps',
   * 'quest.invalid.already_over'.
   */
  publish(guildId: string, ref: string, moderatorId: string): QuestRow {
    const now = this.clock();
    const quest = this.db.write(() => {
      const q = this.find(guildId, ref);
      if (q.status !== 'draft') throw invalid('quest.invalid.not_draft', { name: q.name });
      if (this.store.steps(q.id).length === 0) throw invalid('quest.invalid.no_steps', { name: q.name });
      if (q.endsAt !== null && q.endsAt <= now) throw invalid('quest.invalid.already_over', { name: q.name });
      const scheduled = q.startsAt !== null && q.startsAt > now;
      this.store.publish(q.id, 'draft', scheduled ? 'scheduled' : 'published', scheduled ? null : now, now);
      return this.store.byId(q.id)!;
    });
    if (quest.status === 'scheduled') {
      this.audit.record({
        guildId,
        kind: 'quest.schedule',
        actorId: moderatorId,
        amount: quest.sparks,
        fields: compact({ quest: quest.name, starts_at: time(quest.startsAt), ends_at: time(quest.endsAt) }),
        at: now,
      });
    } else this.afterPublish(quest, moderatorId);
    this.changed({ type: 'publish', quest });
    return quest;
  }

  /** Opens a scheduled quest whose start came (the scheduler); false when it was not scheduled. */
  openScheduled(questId: number): boolean {
    const now = this.clock();
    const quest = this.store.byId(questId);
    if (!quest || quest.status !== 'scheduled' || (quest.startsAt ?? 0) > now) return false;
    const moved = this.db.write(() =>
      this.store.publish(questId, 'scheduled', 'published', quest.startsAt, now),
    );
    if (!moved) return false;
    const opened = this.store.byId(questId)!;
    this.afterPublish(opened, undefined);
    this.changed({ type: 'publish', quest: opened });
    return true;
  }

  private afterPublish(quest: QuestRow, actorId: string | undefined): void {
    this.audit.record({
      guildId: quest.guildId,
      kind: 'quest.publish',
      ...(actorId ? { actorId } : {}),
      amount: quest.sparks,
      fields: compact({
        quest: quest.name,
        recurrence: quest.recurrence,
        steps: this.store.steps(quest.id).length,
        ends_at: time(quest.endsAt),
      }),
      at: this.clock(),
    });
  }

  /**
   * Ends a quest (idempotent: false when it had ended already). Queued events are applied
   * first. Errors: SPARKS.QUEST_NOT_FOUND.
   */
  end(questId: number, reason: QuestEndReason, actorId?: string): boolean {
    this.queue.flush();
    const ended = this.db.write(() => this.store.end(questId, reason, this.clock()));
    if (!ended) return false;
    this.afterEnd(this.store.byId(questId)!, actorId);
    return true;
  }

  private afterEnd(quest: QuestRow, actorId?: string): void {
    this.audit.record({
      guildId: quest.guildId,
      kind: 'quest.end',
      ...(actorId ? { actorId } : {}),
      fields: compact({
        quest: quest.name,
        quest_end: quest.endReason ?? undefined,
        completions: quest.completions,
        granted: quest.granted,
      }),
      at: quest.endedAt ?? this.clock(),
    });
    this.changed({ type: 'end', quest });
  }

  // ---- lookups --------------------------------------------------------------------------

  /**
   * The guild's quest an admin or member means: its id (what autocomplete sends) or its name,
   * case-insensitively (the live one first, else the latest). Errors: SPARKS.QUEST_NOT_FOUND.
   */
  find(guildId: string, ref: string): QuestRow {
    const q = ref.trim();
    if (/^\d{1,15}$/.test(q)) {
      const byId = this.store.byId(Number(q));
      if (byId && byId.guildId === guildId) return byId;
    }
    const key = q.replace(/\s+/g, ' ').toLowerCase();
    const found = this.store.liveByName(guildId, key) ?? this.store.latestByName(guildId, key);
    if (found) return found;
    throw new SparksError('SPARKS.QUEST_NOT_FOUND', { name: q.slice(0, 100) });
  }

  byId(id: number): QuestRow | undefined {
    return this.store.byId(id);
  }

  steps(questId: number): QuestStepRow[] {
    return this.store.steps(questId);
  }

  /** The guild's quests, newest first, with their steps and waiting submissions. */
  list(guildId: string, limit = 50): QuestSummary[] {
    const pending = new Map<number, number>();
    for (const s of this.store.queue(guildId, 0, 1000).items)
      pending.set(s.questId, (pending.get(s.questId) ?? 0) + 1);
    return this.store.inGuild(guildId, limit).map((quest) => ({
      quest,
      steps: this.store.steps(quest.id),
      pendingSubmissions: pending.get(quest.id) ?? 0,
    }));
  }

  /** Whether members see the quest at `at`: published, started, not ended. */
  isOpen(q: QuestRow, at = this.clock()): boolean {
    return (
      q.status === 'published' && (q.startsAt ?? -Infinity) <= at && (q.endsAt === null || at < q.endsAt)
    );
  }

  /** The quests members see now, oldest first. Drafts and scheduled quests are not among them. */
  openQuests(guildId: string): QuestRow[] {
    const now = this.clock();
    return this.index
      .inGuild(guildId)
      .map((p) => p.quest)
      .filter((q) => this.isOpen(q, now));
  }

  /** A quest as the member sees it now; `facts` (when known) check the gates. */
  view(guildId: string, userId: string, quest: QuestRow, facts?: GateFacts): QuestView {
    const now = this.clock();
    const period = periodOf(quest.recurrence, now);
    const progress = progressOf(this.store.progress(quest.id, userId, period));
    const completion = this.store.completion(quest.id, userId, period) ?? null;
    const pre = quest.prerequisiteId !== null ? this.store.byId(quest.prerequisiteId) : undefined;
    const locked = pre && !this.store.completedAny(pre.id, userId) ? pre : null;
    return {
      quest,
      period,
      steps: this.store.steps(quest.id).map((step) => ({
        step,
        progress: completion
          ? { ...NO_PROGRESS, done: true, value: 1 }
          : (progress.get(step.id) ?? NO_PROGRESS),
        submission:
          step.kind === 'submission'
            ? (this.store.latestSubmission(quest.id, step.id, userId, period) ?? null)
            : null,
      })),
      completion,
      locked,
      refusal: facts ? this.refusal(guildId, gatesOf(quest), facts, now) : null,
      resetsAt: nextReset(quest.recurrence, now),
      open: this.isOpen(quest, now),
    };
  }

  // ---- what members do ------------------------------------------------------------------

  /**
   * A member's answer to a quiz step. Errors: SPARKS.QUEST_CLOSED, SPARKS.QUEST_LOCKED,
   * SPARKS.QUEST_COMPLETED, SPARKS.QUEST_NO_ATTEMPTS, the gates' errors, SPARKS.QUEST_INVALID
   * ('quest.invalid.step', 'quest.invalid.answer_length').
   */
  answer(input: {
    guildId: string;
    questId: number;
    stepId: number;
    userId: string;
    answer: string;
    facts: MemberFacts;
  }): AnswerResult {
    const { quest, step } = this.memberStep(
      input.guildId,
      input.questId,
      input.stepId,
      'quiz',
      input.userId,
      input.facts,
    );
    if (input.answer.length > MAX_ANSWER * 4)
      throw invalid('quest.invalid.answer_length', { max: MAX_ANSWER });
    const accepted = JSON.parse(step.answers ?? '[]') as string[];
    const correct = answerMatches(accepted, input.answer);
    const [d] = this.runNow(quest.id, [
      this.memberOp(quest, input.userId, input.facts, [
        { stepId: step.id, event: { kind: 'quiz', correct } },
      ]),
    ]);
    const outcome = this.refuse(quest, d!, step.attempts ?? 1);
    if (outcome.type === 'wrong')
      return { correct: false, attemptsLeft: outcome.attemptsLeft, completed: false, already: false };
    return {
      correct: true,
      attemptsLeft: 0,
      completed: outcome.type === 'complete',
      already: outcome.type === 'unchanged',
    };
  }

  /**
   * A member's submission for a moderator to review. Errors: as `answer`, SPARKS.QUEST_PENDING,
   * SPARKS.QUEST_INVALID ('quest.invalid.submission_*', 'quest.invalid.step_done').
   */
  submit(input: {
    guildId: string;
    questId: number;
    stepId: number;
    userId: string;
    content: string;
    facts: MemberFacts;
  }): QuestSubmissionRow {
    const content = checkSubmission(input.content);
    const { quest, step } = this.memberStep(
      input.guildId,
      input.questId,
      input.stepId,
      'submission',
      input.userId,
      input.facts,
    );
    const now = this.clock();
    return this.db.write(() => {
      // Locked (on PostgreSQL) against a completion or an approval of this quest meanwhile.
      this.store.lockForWrite(quest.id);
      const period = periodOf(quest.recurrence, now);
      if (this.store.completion(quest.id, input.userId, period))
        throw new SparksError('SPARKS.QUEST_COMPLETED', { name: quest.name });
      const done = this.store
        .progress(quest.id, input.userId, period)
        .some((p) => p.stepId === step.id && p.doneAt !== null);
      if (done) throw invalid('quest.invalid.step_done');
      return this.store.insertSubmission({
        guildId: quest.guildId,
        questId: quest.id,
        stepId: step.id,
        userId: input.userId,
        period,
        content,
        createdAt: now,
      });
    });
  }

  /**
   * A moderator's decision on a pending submission, exactly once. Approval ticks the step in
   * the period it was submitted in (even if the quest ended by time since). Errors:
   * SPARKS.QUEST_SUBMISSION_NOT_FOUND, SPARKS.QUEST_INVALID 'quest.invalid.reason'.
   */
  review(input: {
    guildId: string;
    submissionId: number;
    moderatorId: string;
    decision: 'approve' | 'reject';
    reason?: string | null;
  }): ReviewResult {
    const reason = input.reason?.trim() || null;
    if (reason && reason.length > MAX_REASON) throw invalid('quest.invalid.reason', { max: MAX_REASON });
    const now = this.clock();
    const deferred: { after: (() => void) | null } = { after: null };
    const result = this.db.write(() => {
      const sub = this.store.submission(input.submissionId);
      if (!sub || sub.guildId !== input.guildId || sub.status !== 'pending')
        throw new SparksError('SPARKS.QUEST_SUBMISSION_NOT_FOUND');
      const status = input.decision === 'approve' ? 'approved' : 'rejected';
      if (!this.store.review(sub.id, status, input.moderatorId, reason, now))
        throw new SparksError('SPARKS.QUEST_SUBMISSION_NOT_FOUND');
      const quest = this.store.byId(sub.questId)!;
      let completed = false;
      if (status === 'approved') {
        const run = this.grants.runInTransaction(quest.id, [
          {
            questId: quest.id,
            userId: sub.userId,
            at: sub.createdAt,
            reconcile: true,
            updates: [{ stepId: sub.stepId, event: { kind: 'submission' } }],
            roleIds: null,
            memberRoles: null,
            // The gates were checked when the member submitted; Discord's are looked at again.
            gates: needsDiscord(gatesOf(quest)) ? 'unknown' : 'pass',
          },
        ]);
        deferred.after = run.after;
        completed = run.decisions[0]?.outcome.type === 'complete';
      }
      return { submission: this.store.submission(sub.id)!, quest, completed };
    });
    if (deferred.after) setImmediate(deferred.after);
    this.audit.record({
      guildId: input.guildId,
      kind: 'quest.review',
      actorId: input.moderatorId,
      userId: result.submission.userId,
      ...(reason ? { reason } : {}),
      fields: {
        quest: result.quest.name,
        decision: result.submission.status,
        submission: `#${result.submission.id}`,
      },
      at: now,
    });
    return result;
  }

  /** The guild's pending submissions, oldest first. */
  pendingSubmissions(
    guildId: string,
    offset: number,
    limit: number,
  ): { items: QuestSubmissionRow[]; total: number } {
    return this.store.queue(guildId, offset, limit);
  }

  submission(id: number): QuestSubmissionRow | undefined {
    return this.store.submission(id);
  }

  markSubmissionNotified(id: number): void {
    this.db.write(() => this.store.markSubmissionNotified(id, this.clock()));
  }

  /** Decisions on the member's submissions not told yet (shown in their next quest reply). */
  untoldDecisions(guildId: string, userId: string): QuestSubmissionRow[] {
    return this.store.untoldDecisions(guildId, userId);
  }

  /**
   * A look at the member (an interaction, a role change, a fetch after a webhook): in every
   * open quest of the guild, role steps they hold are ticked, and a quest whose steps are
   * all done completes if their gates pass. Writes only when something moves. Returns the
   * completions it made.
   */
  evaluate(guildId: string, userId: string, facts: MemberFacts, only?: readonly number[]): MadeCompletion[] {
    const now = this.clock();
    const made: MadeCompletion[] = [];
    for (const { quest, steps } of this.index.inGuild(guildId)) {
      if ((only && !only.includes(quest.id)) || !this.isOpen(quest, now)) continue;
      if (this.refusal(guildId, gatesOf(quest), facts, now)) continue;
      const op = this.memberOp(quest, userId, facts, []);
      if (!this.wouldMove(quest, steps, op)) continue;
      const [d] = this.runNow(quest.id, [op]);
      if (d?.outcome.type === 'complete') made.push({ questId: quest.id, guildId, userId, period: d.period });
    }
    return made;
  }

  /** Whether an operation would write anything (decided on a read, without a transaction). */
  private wouldMove(quest: QuestRow, steps: readonly QuestStepRow[], op: QuestOp): boolean {
    const period = this.grants.periodFor(quest, op);
    if (this.store.completion(quest.id, op.userId, period)) return false;
    const progress = progressOf(this.store.progress(quest.id, op.userId, period));
    const rules = steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      count: s.count,
      volumeCents: s.volumeCents,
      attempts: s.attempts,
    }));
    const updates = steps
      .filter((s) => s.kind === 'role' && s.roleId && op.roleIds?.includes(s.roleId))
      .map((s) => ({ step: rules.find((r) => r.id === s.id)!, event: { kind: 'role' } as const }));
    const prerequisiteMet =
      quest.prerequisiteId === null || this.store.completedAny(quest.prerequisiteId, op.userId);
    const outcome = decide(tallyOf(quest), rules, { completed: false, steps: progress }, updates, {
      at: op.at,
      period,
      reconcile: false,
      prerequisiteMet,
      gates: op.gates,
    });
    return outcome.type === 'complete' || (outcome.type === 'progress' && outcome.changes.size > 0);
  }

  // ---- events ---------------------------------------------------------------------------

  /** Published quest steps a reaction with this emoji on this message ticks (from memory). */
  matchReaction(messageId: string, emojiKey: string): readonly QuestTarget[] {
    return this.index.reaction(messageId, emojiKey);
  }

  /** Published quest steps a message in this channel counts toward (from memory). */
  matchMessage(channelId: string): readonly QuestTarget[] {
    return this.index.message(channelId);
  }

  /** Published quests with their steps (reconciliation walks their reaction steps). */
  published(): readonly PublishedQuest[] {
    return this.index.all();
  }

  /** The guild's published quests that have a role step (a role change may tick one). */
  withRoleSteps(guildId: string): readonly PublishedQuest[] {
    return this.index.inGuild(guildId).filter((p) => p.steps.some((s) => s.kind === 'role'));
  }

  /**
   * Queues a reaction or a message for a quest step; applied within a few milliseconds with
   * others. The caller checked the gates on the event's member (`facts`).
   */
  enqueue(
    target: QuestTarget,
    userId: string,
    at: number,
    event: { kind: 'reaction' | 'message' },
    facts: MemberFacts | null,
    options: { reconcile?: boolean } = {},
  ): void {
    // Without the member's facts only the account's age (from its id) and the wallet gate
    // (from the wallets the member linked) can be checked.
    if (!facts && this.withoutDiscord(target.guildId, target.gates, userId, at) === null) return;
    this.queue.enqueue(this.grants, {
      questId: target.questId,
      userId,
      at,
      reconcile: options.reconcile ?? false,
      updates: [{ stepId: target.stepId, event }],
      roleIds: target.hasRoleStep && facts ? facts.roleIds : null,
      gates: facts || !needsDiscord(target.gates) ? 'pass' : 'unknown',
      memberRoles: facts?.roleIds ?? null,
    });
  }

  /**
   * A platform event, inside the webhook's transaction: trades add their volume (if they
   * happened inside the quest's window), a subscription ticks its step, a referral makes the
   * referrer's count in the window. Gates that need Discord leave a finished quest waiting
   * for a look at the member; an account too young for the quest gets no progress.
   */
  recordPlatform(fact: PlatformFact): void {
    const quests = this.index.inGuild(fact.guildId);
    if (quests.length === 0) return;
    const now = this.clock();
    const at = Math.min(fact.occurredAt, now);
    const kind =
      fact.type === 'trade.executed'
        ? 'platform_trade'
        : fact.type === 'subscription.started'
          ? 'platform_subscription'
          : 'platform_referral';
    for (const { quest, steps } of quests) {
      const matching = steps.filter((s) => s.kind === kind);
      if (matching.length === 0) continue;
      const gated = gatesOf(quest);
      if (this.withoutDiscord(quest.guildId, gated, fact.userId, now) === null) continue;
      const gates = needsDiscord(gated) ? 'unknown' : 'pass';
      const period = periodOf(quest.recurrence, at);
      const event =
        fact.type === 'trade.executed'
          ? ({ kind: 'trade', cents: fact.volumeCents ?? 0 } as const)
          : fact.type === 'subscription.started'
            ? ({ kind: 'subscription' } as const)
            : (() => {
                const w = questWindow(quest, period);
                return {
                  kind: 'referrals',
                  count: this.store.referralsIn(fact.guildId, fact.userId, w.from, w.to),
                } as const;
              })();
      const op: QuestOp = {
        questId: quest.id,
        userId: fact.userId,
        at,
        reconcile: false,
        updates: matching.map((s) => ({ stepId: s.id, event })),
        roleIds: null,
        memberRoles: null,
        gates,
      };
      this.runNow(quest.id, [op]);
    }
  }

  /**
   * The gate `facts` fail for a quest of the guild, if any: `gateRefusal` with the member's
   * wallets looked up when the quest asks for one (the facts from Discord cannot say).
   */
  refusal(guildId: string, gates: Gates, facts: GateFacts, now: number): SparksError | null {
    if (!gates.verifiedWallet) return gateRefusal(gates, facts, now);
    return gateRefusal(
      gates,
      {
        ...facts,
        hasWallet: this.wallets.hasWallet(guildId, facts.userId),
        walletPage: this.wallets.pageUrl(guildId),
      },
      now,
    );
  }

  /**
   * 'pass' when the gates that need nothing from Discord pass — the account's age (from its
   * id) and a linked wallet — else null.
   */
  private withoutDiscord(guildId: string, gates: Gates, userId: string, now: number): 'pass' | null {
    const checkable = {
      ...NO_GATES,
      minAccountDays: gates.minAccountDays,
      verifiedWallet: gates.verifiedWallet,
    };
    return this.refusal(guildId, checkable, { userId, roleIds: [], joinedAt: null }, now) ? null : 'pass';
  }

  // ---- announcements --------------------------------------------------------------------

  /**
   * Completions whose reward role is due or whose DM is unsent (the announcer's work), oldest
   * first, in every guild.
   */
  unannounced(limit = 100): QuestAnnouncement[] {
    return this.store.unannounced(this.clock() - ANNOUNCE_WINDOW_MS, limit);
  }

  /** Completions to tell the member in this reply; they count as told. */
  takeReplyNotices(guildId: string, userId: string): QuestAnnouncement[] {
    const notices = this.store.replyNotices(guildId, userId);
    if (notices.length > 0)
      this.db.write(() => {
        for (const n of notices) this.store.markNotified(n.questId, n.userId, n.period, this.clock());
      });
    return notices;
  }

  markAnnounced(c: Pick<QuestCompletionRow, 'questId' | 'userId' | 'period'>): void {
    this.db.write(() => this.store.markNotified(c.questId, c.userId, c.period, this.clock()));
  }

  /** The member's DMs are closed: tell them in their next quest reply. */
  announceByReply(c: Pick<QuestCompletionRow, 'questId' | 'userId' | 'period'>): void {
    this.db.write(() => this.store.notifyByReply(c.questId, c.userId, c.period));
  }

  /**
   * Settles a due reward role: granted, member gone, or refused — a refusal will not fix
   * itself and is reported to the log channel. `unknown` leaves it due for the next pass.
   */
  settleRole(c: QuestAnnouncement, outcome: 'granted' | 'left' | { refused: string; detail?: string }): void {
    const to = typeof outcome === 'string' ? outcome : 'refused';
    const moved = this.db.write(() => this.store.settleRole(c.questId, c.userId, c.period, to));
    if (moved && typeof outcome !== 'string')
      this.audit.record({
        guildId: c.guildId,
        kind: 'quest.role_failed',
        userId: c.userId,
        reason: outcome.refused,
        fields: compact({
          quest: c.questName,
          role: c.rewardRoleId ? { type: 'role', id: c.rewardRoleId } : undefined,
          detail: outcome.detail,
        }),
        at: this.clock(),
      });
  }

  /** A member's latest completions (the member page). */
  memberCompletions(guildId: string, userId: string, limit = 20): QuestCompletionRow[] {
    return this.store.memberCompletions(guildId, userId, limit);
  }

  // ---- schedules ------------------------------------------------------------------------

  /**
   * Quests whose start (scheduled) or end (published) has come, in every guild (the
   * leader's schedule).
   */
  due(): { toOpen: QuestRow[]; toEnd: QuestRow[] } {
    const now = this.clock();
    const pending = this.store.pending();
    return {
      toOpen: pending.filter((q) => q.status === 'scheduled' && (q.startsAt ?? 0) <= now),
      toEnd: pending.filter((q) => q.status === 'published' && q.endsAt !== null && q.endsAt <= now),
    };
  }

  /** The next start or end among every guild's quests; null when none is set. */
  nextDue(): number | null {
    let next: number | null = null;
    for (const q of this.store.pending()) {
      const at = q.status === 'scheduled' ? q.startsAt : q.endsAt;
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  // ---- listeners and the queue ----------------------------------------------------------

  onChange(listener: (change: QuestChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called after the commit with the completions a batch or call made. */
  onCompleted(listener: (made: readonly MadeCompletion[]) => void): () => void {
    this.completionListeners.add(listener);
    return () => this.completionListeners.delete(listener);
  }

  /** Called after the commit with members whose finished quest waits for a look at them in Discord. */
  onNeedsFacts(listener: (guildId: string, userIds: readonly string[]) => void): () => void {
    this.factListeners.add(listener);
    return () => this.factListeners.delete(listener);
  }

  /** Resolves once everything queued so far has been committed. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  flush(): void {
    this.queue.flush();
  }

  // ---- private --------------------------------------------------------------------------

  /**
   * Runs operations of one quest in a write of their own (a savepoint inside a caller's),
   * and defers what follows the commit past the current call stack, so a caller's outer
   * transaction (the webhook's) has committed — or rolled back, in which case listeners
   * find nothing to do.
   */
  private runNow(questId: number, ops: readonly QuestOp[]): OpDecision[] {
    const { decisions, after } = this.db.write(() => this.grants.runInTransaction(questId, ops));
    if (after) setImmediate(after);
    return decisions;
  }

  private memberOp(
    quest: QuestRow,
    userId: string,
    facts: MemberFacts,
    updates: QuestOp['updates'],
  ): QuestOp {
    return {
      questId: quest.id,
      userId,
      at: this.clock(),
      reconcile: false,
      updates,
      roleIds: facts.roleIds,
      gates: 'pass',
      memberRoles: facts.roleIds,
    };
  }

  /** A quest and one of its steps of `kind`, open to this member. Errors: see `answer`. */
  private memberStep(
    guildId: string,
    questId: number,
    stepId: number,
    kind: 'quiz' | 'submission',
    userId: string,
    facts: GateFacts,
  ): { quest: QuestRow; step: QuestStepRow } {
    const quest = this.store.byId(questId);
    if (!quest || quest.guildId !== guildId)
      throw new SparksError('SPARKS.QUEST_NOT_FOUND', { name: String(questId) });
    const now = this.clock();
    if (!this.isOpen(quest, now)) throw new SparksError('SPARKS.QUEST_CLOSED', { name: quest.name });
    const refusal = this.refusal(guildId, gatesOf(quest), facts, now);
    if (refusal) throw refusal;
    const step = this.store.steps(quest.id).find((s) => s.id === stepId);
    if (!step || step.kind !== kind) throw invalid('quest.invalid.step');
    if (quest.prerequisiteId !== null && !this.store.completedAny(quest.prerequisiteId, userId)) {
      const pre = this.store.byId(quest.prerequisiteId);
      throw new SparksError('SPARKS.QUEST_LOCKED', { name: quest.name, prerequisite: pre?.name ?? '' });
    }
    return { quest, step };
  }

  /** A member-facing outcome, or the error that says why nothing happened. */
  private refuse(quest: QuestRow, d: OpDecision, attempts: number) {
    const { outcome } = d;
    switch (outcome.type) {
      case 'closed':
      case 'early':
      case 'late':
        throw new SparksError('SPARKS.QUEST_CLOSED', { name: quest.name });
      case 'locked': {
        const pre = quest.prerequisiteId !== null ? this.store.byId(quest.prerequisiteId) : undefined;
        throw new SparksError('SPARKS.QUEST_LOCKED', { name: quest.name, prerequisite: pre?.name ?? '' });
      }
      case 'completed':
        throw new SparksError('SPARKS.QUEST_COMPLETED', { name: quest.name });
      case 'no_attempts':
        throw new SparksError('SPARKS.QUEST_NO_ATTEMPTS', { attempts });
      case 'complete':
      case 'progress':
      case 'unchanged':
      case 'wrong':
        return outcome;
    }
  }

  private loadPublished(): PublishedQuest[] {
    return this.store.published().map((quest) => ({ quest, steps: this.store.steps(quest.id) }));
  }

  private changed(change: QuestChange): void {
    this.index.invalidate();
    for (const l of this.changeListeners) {
      try {
        l(change);
      } catch {
        // A listener's failure is its own; the change stands.
      }
    }
  }

  private emitCompleted(made: readonly MadeCompletion[]): void {
    for (const l of this.completionListeners) {
      try {
        l(made);
      } catch {
        // The announcer sweeps again; nothing is lost.
      }
    }
  }

  private emitNeedsFacts(guildId: string, userIds: readonly string[]): void {
    for (const l of this.factListeners) {
      try {
        l(guildId, userIds);
      } catch {
        // The member's next interaction evaluates them again.
      }
    }
  }
}

function duration(text: string, reasonKey: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    if (isSparksError(e)) throw invalid(reasonKey);
    throw e;
  }
}

function time(at: number | null): AuditValue | undefined {
  return at === null ? undefined : { type: 'time', at };
}

function compact(o: Record<string, AuditValue | undefined>): Record<string, AuditValue> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, AuditValue] => e[1] !== undefined));
}
