import { isRankableRaw } from '../members/ranking.ts';
import type { QuestProgressRow, QuestRow, QuestStepRow, QuestStoreApi } from '../db/quest-store.ts';
import type { QuestRoleStatus } from '../db/schema.ts';
import type { GrantSource, GroupPlan, OpResult, Tally } from '../grants/queue.ts';
import { ISSUANCE, MEMBER, type Ledger, type PostInput } from '../ledger/ledger.ts';
import {
  decide,
  evolve,
  type MemberPeriod,
  type QuestOutcome,
  type QuestTally,
  type StepEvent,
  type StepProgress,
  type StepRule,
  type StepUpdate,
} from './decide.ts';
import { periodOf } from './periods.ts';

/** Something that happened to a member that may move a quest: one queue operation. */
export interface QuestOp {
  questId: number;
  userId: string;
  /** When it happened (ms): it picks the period. */
  at: number;
  /** Missed while offline, or decided late (a review): counts after the end if it came before. */
  reconcile: boolean;
  /** Events for steps of the quest. */
  updates: readonly { stepId: number; event: StepEvent }[];
  /** The member's roles when the event brought them: role steps they hold are ticked too. */
  roleIds: readonly string[] | null;
  /** Whether the quest's gates were checked on the member's facts (see DecideContext). */
  gates: 'pass' | 'unknown';
  /**
   * The member's role ids when the event or interaction showed them: a new account opens on
   * the leaderboards unless they hold the guild's excluded role, read once per batch when
   * it is written. Without them it opens ranked, as any account.
   */
  memberRoles: readonly string[] | null;
}

/** A completion made in a batch, for what happens after the commit. */
export interface MadeCompletion {
  questId: number;
  guildId: string;
  userId: string;
  period: string;
}

/** One quest within a batch: its row and steps as read at the batch's start, and its running figures. */
export interface QuestBatch {
  row: QuestRow;
  steps: QuestStepRow[];
  rules: StepRule[];
  tally: QuestTally;
  completed: MadeCompletion[];
  /** Members whose steps are all done but whose gates need a look at Discord. */
  awaitingFacts: string[];
  /** The guild's leaderboard-excluded role, as this batch read it. */
  excludedRole: string | null;
}

export interface OpDecision {
  op: QuestOp;
  period: string;
  outcome: QuestOutcome;
}

/** Lifecycle hooks the service gives the source (the end in the batch's transaction, and after commit). */
export interface QuestGrantHooks {
  /** Ends a quest that reached its cap, inside the batch's transaction. */
  endInBatch: (questId: number) => void;
  /** Runs once the batch (or the call) committed. */
  afterCommit: (batch: QuestBatch) => void;
}

export const questKey = (questId: number, userId: string, period: string) =>
  `quest:${questId}:${userId}:${period}`;

type ProgressTuple = readonly [string, string, number, number, number | null, number];

/** A plan for one quest's operations: decisions in order, and the rows they write. */
interface Plan {
  state: QuestBatch;
  decisions: OpDecision[];
  /** Progress rows by member, period and step (the last write of a key wins). */
  progress: Map<string, ProgressTuple>;
  completions: { op: QuestOp; period: string }[];
}

/**
 * Quest events as a source of the grant queue, and the same machinery for the events that
 * come one at a time (a webhook, a quiz answer, a review, a role check): every path reads a
 * member's period, decides with `decide`, and writes progress rows, the completion and its
 * ledger entry together. A completion pays once per (quest, member, period): the ledger key
 * `quest:<id>:<user>:<period>` and the quest_completions primary key both hold it.
 *
 * On the queue's fast path a quest's operations are decided against one read of the batch's
 * members (progress, completions, prerequisite), then written with one progress statement,
 * one ledger statement and one completions statement. A completing operation writes only
 * its completion: a completed period shows every step done.
 */
export class QuestGrants implements GrantSource<QuestOp, QuestBatch> {
  readonly name = 'quest';

  constructor(
    private readonly deps: {
      store: QuestStoreApi;
      ledger: Ledger;
      clock: () => number;
      hooks: QuestGrantHooks;
      /** The guild's leaderboard-excluded role (settings), read once per batch and quest. */
      excludedRole: (guildId: string) => string | null;
    },
  ) {}

  groupOf(op: QuestOp): number {
    return op.questId;
  }

  describe(op: QuestOp): Record<string, unknown> {
    return { questId: op.questId, userId: op.userId, updates: op.updates.length };
  }

  /**
   * Inside the batch's (or the call's) write: the quest's row is locked for it on PostgreSQL
   * (`lockForWrite`), so the counters, the cap and the members' progress read here are what
   * the write builds on until it commits.
   */
  open(questId: number): QuestBatch | null {
    const row = this.deps.store.lockForWrite(questId);
    if (!row || (row.status !== 'published' && !(row.status === 'ended' && row.endReason === 'time')))
      return null;
    const steps = this.deps.store.steps(questId);
    return {
      row,
      steps,
      rules: steps.map((s) => ({
        id: s.id,
        kind: s.kind,
        count: s.count,
        volumeCents: s.volumeCents,
        attempts: s.attempts,
      })),
      tally: tallyOf(row),
      completed: [],
      awaitingFacts: [],
      excludedRole: this.deps.excludedRole(row.guildId),
    };
  }

  accepts(state: QuestBatch): boolean {
    return state.tally.endReason === null;
  }

  plan(state: QuestBatch, ops: readonly QuestOp[]): GroupPlan<QuestBatch> | null {
    const plan = this.decideAll(state, ops);
    return {
      state: plan.state,
      tallies: plan.decisions.map((d) => tallyOf2(d.outcome)),
      write: () => this.write(plan, 'many'),
    };
  }

  apply(state: QuestBatch, op: QuestOp): OpResult<QuestBatch> {
    const plan = this.decideAll(state, [op]);
    this.write(plan, 'one');
    return { state: plan.state, tally: tallyOf2(plan.decisions[0]!.outcome) };
  }

  finish(state: QuestBatch): (() => void) | void {
    const { row, tally } = state;
    const completions = tally.completions - row.completions;
    if (completions > 0) this.deps.store.count(row.id, completions, tally.granted - row.granted);
    if (tally.endReason === 'cap') this.deps.hooks.endInBatch(row.id);
    if (state.completed.length > 0 || state.awaitingFacts.length > 0 || tally.endReason !== null)
      return () => this.deps.hooks.afterCommit(state);
  }

  /**
   * Decides and writes operations of one quest now, inside the caller's write (a savepoint
   * of it), as the queue's slow path would: for the events that do not come in bursts.
   * Returns the decisions, and what to run once the caller's transaction committed.
   */
  runInTransaction(
    questId: number,
    ops: readonly QuestOp[],
  ): { decisions: OpDecision[]; after: (() => void) | null } {
    const state = this.open(questId);
    if (!state)
      return { decisions: ops.map((op) => ({ op, period: '', outcome: { type: 'closed' } })), after: null };
    const plan = this.decideAll(state, ops);
    this.write(plan, 'one');
    return { decisions: plan.decisions, after: this.finish(plan.state) ?? null };
  }

  /** The period an operation counts in: its moment's, or the last one's if it is past the end. */
  periodFor(row: QuestRow, op: Pick<QuestOp, 'at' | 'reconcile'>): string {
    const at = op.reconcile && row.endsAt !== null && op.at >= row.endsAt ? row.endsAt - 1 : op.at;
    return periodOf(row.recurrence, at);
  }

  private decideAll(state: QuestBatch, ops: readonly QuestOp[]): Plan {
    const { store } = this.deps;
    const { row } = state;
    const periods = ops.map((op) => this.periodFor(row, op));
    const pairs = uniquePairs(ops.map((op, k) => [op.userId, periods[k]!] as const));
    const progress = groupProgress(store.progressAmong(row.id, pairs));
    const completed = store.completedAmong(row.id, pairs);
    const prerequisiteMet =
      row.prerequisiteId === null
        ? null
        : store.completedAnyAmong(row.prerequisiteId, [...new Set(ops.map((op) => op.userId))]);
    const byId = new Map(state.steps.map((s) => [s.id, s]));
    const plan: Plan = { state, decisions: [], progress: new Map(), completions: [] };
    let tally = state.tally;
    const completedNow: MadeCompletion[] = [];
    const awaiting: string[] = [];
    ops.forEach((op, k) => {
      const period = periods[k]!;
      const key = `${op.userId}\n${period}`;
      const member: MemberPeriod = { completed: completed.has(key), steps: progress.get(key) ?? new Map() };
      const updates: StepUpdate[] = [];
      for (const u of op.updates) {
        const step = byId.get(u.stepId);
        if (step) updates.push({ step: state.rules.find((r) => r.id === step.id)!, event: u.event });
      }
      if (op.roleIds) {
        for (const step of state.steps)
          if (step.kind === 'role' && step.roleId && op.roleIds.includes(step.roleId))
            updates.push({ step: state.rules.find((r) => r.id === step.id)!, event: { kind: 'role' } });
      }
      const outcome = decide(tally, state.rules, member, updates, {
        at: op.at,
        period,
        reconcile: op.reconcile,
        prerequisiteMet: prerequisiteMet === null || prerequisiteMet.has(op.userId),
        gates: op.gates,
      });
      plan.decisions.push({ op, period, outcome });
      if (outcome.type === 'complete') {
        completed.add(key);
        plan.completions.push({ op, period });
        completedNow.push({ questId: row.id, guildId: row.guildId, userId: op.userId, period });
      } else if (outcome.type === 'progress' || outcome.type === 'wrong') {
        const steps = new Map(member.steps);
        for (const [stepId, p] of outcome.changes) {
          steps.set(stepId, p);
          plan.progress.set(`${key}\n${stepId}`, [
            op.userId,
            period,
            stepId,
            p.value,
            p.done ? op.at : null,
            p.attempts,
          ]);
        }
        progress.set(key, steps);
        if (outcome.type === 'progress' && outcome.awaitingFacts) awaiting.push(op.userId);
      }
      tally = evolve(tally, outcome);
    });
    plan.state = {
      ...state,
      tally,
      completed: [...state.completed, ...completedNow],
      awaitingFacts: [...state.awaitingFacts, ...awaiting],
    };
    return plan;
  }

  /**
   * Writes a plan: its progress rows, then its completions with their entries — in one
   * ledger statement ('many', the fast path; it throws to fall back when the batch cannot
   * go as one) or one entry at a time ('one'), where a key already posted is taken as the
   * completion it paid.
   */
  private write(plan: Plan, mode: 'many' | 'one'): void {
    const { store, ledger } = this.deps;
    const { row } = plan.state;
    const now = this.deps.clock();
    const done = new Set(plan.completions.map((c) => `${c.op.userId}\n${c.period}`));
    const rows = [...plan.progress.entries()]
      .filter(([key]) => !done.has(key.slice(0, key.lastIndexOf('\n'))))
      .map(([, tuple]) => tuple);
    store.upsertProgress(row.id, rows, now);
    if (plan.completions.length === 0) return;
    const roleStatus: QuestRoleStatus = row.rewardRoleId ? 'due' : 'none';
    const { excludedRole } = plan.state;
    const inputs = plan.completions.map((c) => completionEntry(row, c.op, c.period, excludedRole));
    if (mode === 'many') {
      const posted = ledger.postManyInTransaction(inputs);
      store.insertCompletions(
        row.id,
        row.guildId,
        posted.map(({ transfer }, k) => ({
          userId: plan.completions[k]!.op.userId,
          period: plan.completions[k]!.period,
          transferId: transfer.id,
          roleStatus,
        })),
        now,
      );
      return;
    }
    plan.completions.forEach((c, k) => {
      const { transfer, duplicate } = ledger.postInTransaction(inputs[k]!);
      if (duplicate && store.completion(row.id, c.op.userId, c.period)) return;
      store.insertCompletions(
        row.id,
        row.guildId,
        [{ userId: c.op.userId, period: c.period, transferId: transfer.id, roleStatus }],
        now,
      );
    });
  }
}

/** The ledger entry that pays a completion: a mint from ISSUANCE('quest'), kind 'award'. */
function completionEntry(row: QuestRow, op: QuestOp, period: string, excludedRole: string | null): PostInput {
  // Only a new account takes the flag (the members service keeps it right from then on).
  const ranked = op.memberRoles ? isRankableRaw({ roles: op.memberRoles }, excludedRole) : undefined;
  return {
    guildId: row.guildId,
    kind: 'award',
    from: ISSUANCE('quest'),
    to: MEMBER(op.userId, ranked),
    amount: row.sparks,
    key: questKey(row.id, op.userId, period),
    actor: { type: 'system', id: `quest:${row.id}` },
    reason: period ? `Quest: ${row.name} (${period})` : `Quest: ${row.name}`,
    ref: `quest:${row.id}`,
  };
}

export function tallyOf(row: QuestRow): QuestTally {
  return {
    status: row.status,
    recurrence: row.recurrence,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    publishedAt: row.publishedAt,
    sparks: row.sparks,
    maxCompletions: row.maxCompletions,
    completions: row.completions,
    granted: row.granted,
    endReason: null,
    endedBy: row.endReason,
  };
}

function tallyOf2(outcome: QuestOutcome): Tally {
  return outcome.type === 'complete' ? 'granted' : 'skipped';
}

/** A member's steps in a period, from their progress rows. */
export function progressOf(rows: readonly QuestProgressRow[]): Map<number, StepProgress> {
  const steps = new Map<number, StepProgress>();
  for (const r of rows)
    steps.set(r.stepId, { value: r.value, done: r.doneAt !== null, attempts: r.attempts });
  return steps;
}

function groupProgress(rows: readonly QuestProgressRow[]): Map<string, Map<number, StepProgress>> {
  const out = new Map<string, Map<number, StepProgress>>();
  for (const r of rows) {
    const key = `${r.userId}\n${r.period}`;
    let steps = out.get(key);
    if (!steps) out.set(key, (steps = new Map<number, StepProgress>()));
    steps.set(r.stepId, { value: r.value, done: r.doneAt !== null, attempts: r.attempts });
  }
  return out;
}

function uniquePairs(pairs: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  const seen = new Map<string, readonly [string, string]>();
  for (const p of pairs) seen.set(`${p[0]}\n${p[1]}`, p);
  return [...seen.values()];
}
