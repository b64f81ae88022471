/**
 * The quest rule, written once: plain functions of (state, events, context) that return an
 * outcome, with no I/O and no clock (the context carries the event's time and the facts
 * read for it). Every path that moves a quest — the grant queue's grouped fast path and its
 * one-savepoint-per-operation slow path, the platform webhook, a quiz answer, a reviewed
 * submission, a role check — decides with `decide`, then folds the outcome with `evolve`.
 */
import type { QuestRecurrence, QuestStatus, QuestStepKind } from '../db/schema.ts';
import { questWindow } from './periods.ts';

/** What a step needs to be done. */
export interface StepRule {
  id: number;
  kind: QuestStepKind;
  /** Messages or referrals needed. */
  count: number | null;
  /** Trade volume needed, in cents. */
  volumeCents: number | null;
  /** Quiz attempts per period. */
  attempts: number | null;
}

/** A member's progress on one step in one period. */
export interface StepProgress {
  /** Messages counted, cents traded, referrals made (1 once a one-off step is done). */
  value: number;
  done: boolean;
  /** Quiz answers tried. */
  attempts: number;
}

export const NO_PROGRESS: StepProgress = { value: 0, done: false, attempts: 0 };

/** Something that happened, for one step. */
export type StepEvent =
  | { kind: 'reaction' | 'message' | 'role' | 'subscription' | 'submission' }
  | { kind: 'trade'; cents: number }
  /** How many referrals the member made inside the window (absolute, not added). */
  | { kind: 'referrals'; count: number }
  | { kind: 'quiz'; correct: boolean };

const EVENT_FOR: Record<QuestStepKind, StepEvent['kind']> = {
  platform_trade: 'trade',
  platform_subscription: 'subscription',
  platform_referral: 'referrals',
  reaction: 'reaction',
  message: 'message',
  role: 'role',
  submission: 'submission',
  quiz: 'quiz',
};

/** A quest's figures as one batch (or one call) sees them. */
export interface QuestTally {
  status: QuestStatus;
  recurrence: QuestRecurrence;
  startsAt: number | null;
  endsAt: number | null;
  publishedAt: number | null;
  sparks: number;
  maxCompletions: number | null;
  completions: number;
  granted: number;
  /** Set once the quest reached its cap in this batch; later operations find it closed. */
  endReason: 'cap' | null;
  /** Why the quest ended, if it has: one ended by time still takes what was missed before it. */
  endedBy: 'time' | 'cap' | 'moderator' | null;
}

/** Where a member stands in one period of a quest. */
export interface MemberPeriod {
  completed: boolean;
  steps: ReadonlyMap<number, StepProgress>;
}

export interface DecideContext {
  /** When it happened (ms). */
  at: number;
  /** The period `at` falls in (see periods.ts); the caller read the member's state for it. */
  period: string;
  /**
   * Found by reconciliation (missed while offline) or decided late (a submission reviewed
   * after the end): counts even after the end time, if it happened before it.
   */
  reconcile: boolean;
  /** The prerequisite quest is completed (in any period), or there is none. */
  prerequisiteMet: boolean;
  /**
   * 'pass': the member's gates were checked on their facts (or the quest has none that
   * need Discord); 'unknown': the event came without them (a webhook, a moderator's review),
   * so a quest it would complete waits for a look at the member.
   */
  gates: 'pass' | 'unknown';
}

export interface StepUpdate {
  step: StepRule;
  event: StepEvent;
}

export type QuestOutcome =
  /** The quest is not open (not published, ended, or at its cap). */
  | { type: 'closed' }
  /** Before the quest's window (a scheduled start, or its publication). */
  | { type: 'early' }
  /** At or after the quest's end. */
  | { type: 'late' }
  /** The prerequisite quest is not completed yet. */
  | { type: 'locked' }
  /** Already completed in this period: exactly once per period. */
  | { type: 'completed' }
  /** Nothing moved (the step was done, or the event is for no step of this quest). */
  | { type: 'unchanged' }
  /** The quiz's attempts for this period are used up. */
  | { type: 'no_attempts' }
  | { type: 'wrong'; changes: Map<number, StepProgress>; attemptsLeft: number }
  | { type: 'progress'; changes: Map<number, StepProgress>; awaitingFacts: boolean }
  | { type: 'complete'; changes: Map<number, StepProgress>; amount: number };

/** A step's progress after an event; the same progress when the event is not for it. */
export function advance(rule: StepRule, current: StepProgress, event: StepEvent): StepProgress {
  if (EVENT_FOR[rule.kind] !== event.kind || current.done) return current;
  switch (event.kind) {
    case 'message': {
      const value = current.value + 1;
      return { ...current, value, done: value >= (rule.count ?? 1) };
    }
    case 'trade': {
      const value = Math.min(current.value + Math.max(0, event.cents), Number.MAX_SAFE_INTEGER);
      return { ...current, value, done: value >= (rule.volumeCents ?? 1) };
    }
    case 'referrals': {
      const value = Math.max(current.value, event.count);
      return { ...current, value, done: value >= (rule.count ?? 1) };
    }
    case 'quiz':
      return {
        ...current,
        attempts: current.attempts + 1,
        value: event.correct ? 1 : 0,
        done: event.correct,
      };
    case 'reaction':
    case 'role':
    case 'submission':
    case 'subscription':
      return { ...current, value: 1, done: true };
  }
}

/**
 * What `updates` do to a member's period of a quest: nothing once the quest is closed, before
 * its window, after it (unless reconciled), once the period is completed, or while the
 * prerequisite is not met; otherwise the steps advance, and when every step is done the
 * quest completes — if the gates are known to pass and the cap is not reached.
 */
export function decide(
  tally: QuestTally,
  rules: readonly StepRule[],
  member: MemberPeriod,
  updates: readonly StepUpdate[],
  ctx: DecideContext,
): QuestOutcome {
  if (tally.endReason !== null) return { type: 'closed' };
  const lateButOk = ctx.reconcile && tally.status === 'ended' && tally.endedBy === 'time';
  if (tally.status !== 'published' && !lateButOk) return { type: 'closed' };
  const window = questWindow(tally, ctx.period);
  if (ctx.at < window.from) return { type: 'early' };
  if (!ctx.reconcile && ctx.at >= window.to) return { type: 'late' };
  if (member.completed) return { type: 'completed' };
  if (!ctx.prerequisiteMet) return { type: 'locked' };
  const now = (id: number) => changes.get(id) ?? member.steps.get(id) ?? NO_PROGRESS;
  const changes = new Map<number, StepProgress>();
  let quiz: { rule: StepRule; correct: boolean } | null = null;
  for (const { step, event } of updates) {
    const current = now(step.id);
    if (event.kind === 'quiz' && step.kind === 'quiz' && !current.done) {
      if (current.attempts >= (step.attempts ?? 1)) return { type: 'no_attempts' };
      quiz = { rule: step, correct: event.correct };
    }
    const next = advance(step, current, event);
    if (next !== current) changes.set(step.id, next);
  }
  if (quiz && !quiz.correct)
    return { type: 'wrong', changes, attemptsLeft: (quiz.rule.attempts ?? 1) - now(quiz.rule.id).attempts };
  const allDone = rules.length > 0 && rules.every((r) => now(r.id).done);
  if (!allDone)
    return changes.size > 0 ? { type: 'progress', changes, awaitingFacts: false } : { type: 'unchanged' };
  if (ctx.gates === 'unknown') return { type: 'progress', changes, awaitingFacts: true };
  if (tally.maxCompletions !== null && tally.completions >= tally.maxCompletions) return { type: 'closed' };
  return { type: 'complete', changes, amount: tally.sparks };
}

/** The figures after an outcome was written: a completion counts, and the cap ends the quest. */
export function evolve(tally: QuestTally, outcome: QuestOutcome): QuestTally {
  if (outcome.type !== 'complete') return tally;
  const completions = tally.completions + 1;
  const next = { ...tally, completions, granted: tally.granted + outcome.amount };
  return tally.maxCompletions !== null && completions >= tally.maxCompletions
    ? { ...next, endReason: 'cap' }
    : next;
}
