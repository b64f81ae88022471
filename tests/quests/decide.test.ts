import { describe, expect, it } from 'vitest';
import {
  decide,
  evolve,
  type DecideContext,
  type MemberPeriod,
  type QuestTally,
  type StepProgress,
  type StepRule,
  type StepUpdate,
} from '../../src/quests/decide.ts';

const T0 = Date.UTC(2026, 10, 24, 12);
const tally: QuestTally = {
  status: 'published',
  recurrence: 'once',
  startsAt: null,
  endsAt: T0 + 3_600_000,
  publishedAt: T0 - 1000,
  sparks: 50,
  maxCompletions: null,
  completions: 0,
  granted: 0,
  endReason: null,
  endedBy: null,
};
const trade: StepRule = { id: 1, kind: 'platform_trade', count: null, volumeCents: 10_000, attempts: null };
const react: StepRule = { id: 2, kind: 'reaction', count: null, volumeCents: null, attempts: null };
const quiz: StepRule = { id: 3, kind: 'quiz', count: null, volumeCents: null, attempts: 2 };
const rules = [trade, react, quiz];
const ctx: DecideContext = { at: T0, period: '', reconcile: false, prerequisiteMet: true, gates: 'pass' };
const fresh: MemberPeriod = { completed: false, steps: new Map() };
const done = (id: number): [number, StepProgress] => [id, { value: 1, done: true, attempts: 0 }];

const up = {
  trade: (cents: number): StepUpdate => ({ step: trade, event: { kind: 'trade', cents } }),
  react: { step: react, event: { kind: 'reaction' } } as StepUpdate,
  quiz: (correct: boolean): StepUpdate => ({ step: quiz, event: { kind: 'quiz', correct } }),
};

/** Applies updates one after the other, folding each outcome into the member's period. */
function run(updates: StepUpdate[], start: MemberPeriod = fresh, t: QuestTally = tally) {
  let member = start;
  let state = t;
  const types: string[] = [];
  for (const u of updates) {
    const outcome = decide(state, rules, member, [u], ctx);
    types.push(outcome.type);
    if (outcome.type === 'complete') member = { ...member, completed: true };
    else if (outcome.type === 'progress' || outcome.type === 'wrong')
      member = { ...member, steps: new Map([...member.steps, ...outcome.changes]) };
    state = evolve(state, outcome);
  }
  return { types, member, state };
}

describe('decide: a three-step quest (trade ≥ 100 USD, a reaction, a quiz)', () => {
  it.each([
    ['trade, reaction, quiz', [up.trade(10_000), up.react, up.quiz(true)]],
    ['quiz, trade, reaction', [up.quiz(true), up.trade(10_000), up.react]],
    ['reaction, quiz, trade in two parts', [up.react, up.quiz(true), up.trade(4_000), up.trade(6_000)]],
  ])('completes once whatever the order: %s', (_name, updates) => {
    const { types, state } = run(updates);
    expect(types.at(-1)).toBe('complete');
    expect(types.filter((t) => t === 'complete')).toHaveLength(1);
    expect(state).toMatchObject({ completions: 1, granted: 50 });
  });

  it('events replayed after the completion change nothing', () => {
    const { types } = run([
      up.trade(10_000),
      up.react,
      up.quiz(true),
      up.react,
      up.trade(10_000),
      up.quiz(true),
    ]);
    expect(types).toEqual(['progress', 'progress', 'complete', 'completed', 'completed', 'completed']);
  });

  it('a step done twice is unchanged; a trade under the volume is progress, not done', () => {
    const { types, member } = run([up.react, up.react, up.trade(9_999)]);
    expect(types).toEqual(['progress', 'unchanged', 'progress']);
    expect(member.steps.get(1)).toEqual({ value: 9_999, done: false, attempts: 0 });
  });

  it('a quiz allows its attempts, then refuses; a wrong answer says what is left', () => {
    const first = decide(tally, rules, fresh, [up.quiz(false)], ctx);
    expect(first).toMatchObject({ type: 'wrong', attemptsLeft: 1 });
    const { types } = run([up.quiz(false), up.quiz(false), up.quiz(true)]);
    expect(types).toEqual(['wrong', 'wrong', 'no_attempts']);
  });
});

describe('decide: when nothing may move', () => {
  const all = { completed: false, steps: new Map([done(1), done(2)]) };
  it.each<[string, Partial<QuestTally>, Partial<DecideContext>, string]>([
    ['a draft', { status: 'draft' }, {}, 'closed'],
    ['a scheduled quest', { status: 'scheduled' }, {}, 'closed'],
    ['a quest at its cap in this batch', { endReason: 'cap' }, {}, 'closed'],
    ['a quest whose cap is reached', { maxCompletions: 3, completions: 3 }, {}, 'closed'],
    ['before the scheduled start', { startsAt: T0 + 1 }, {}, 'early'],
    ['before its publication', { publishedAt: T0 + 1 }, {}, 'early'],
    ['at the end', {}, { at: T0 + 3_600_000 }, 'late'],
    ['a reconciled event after the end', {}, { at: T0 + 3_600_000, reconcile: true }, 'complete'],
    [
      'reconciled after an end by time',
      { status: 'ended', endedBy: 'time' },
      { reconcile: true },
      'complete',
    ],
    [
      'reconciled after a moderator ended it',
      { status: 'ended', endedBy: 'moderator' },
      { reconcile: true },
      'closed',
    ],
    ['the prerequisite not met', {}, { prerequisiteMet: false }, 'locked'],
  ])('%s → %s', (_name, t, c, expected) => {
    expect(decide({ ...tally, ...t }, rules, all, [up.quiz(true)], { ...ctx, ...c }).type).toBe(expected);
  });

  it('a finished quest whose gates need Discord waits for a look at the member', () => {
    const outcome = decide(tally, rules, all, [up.quiz(true)], { ...ctx, gates: 'unknown' });
    expect(outcome).toMatchObject({ type: 'progress', awaitingFacts: true });
    // The look: no new event, gates now known.
    const member = { completed: false, steps: new Map([done(1), done(2), done(3)]) };
    expect(decide(tally, rules, member, [], ctx).type).toBe('complete');
  });

  it('the cap ends the quest with the completion that reaches it', () => {
    const capped = { ...tally, maxCompletions: 1 };
    const outcome = decide(capped, rules, all, [up.quiz(true)], ctx);
    expect(evolve(capped, outcome)).toMatchObject({ completions: 1, endReason: 'cap' });
  });

  it('message and referral steps count to their number', () => {
    const msg: StepRule = { id: 9, kind: 'message', count: 3, volumeCents: null, attempts: null };
    const ref: StepRule = { id: 8, kind: 'platform_referral', count: 2, volumeCents: null, attempts: null };
    const two = [msg, ref];
    let member: MemberPeriod = fresh;
    const kinds: string[] = [];
    for (const u of [
      { step: msg, event: { kind: 'message' } },
      { step: msg, event: { kind: 'message' } },
      { step: ref, event: { kind: 'referrals', count: 2 } },
      { step: ref, event: { kind: 'referrals', count: 1 } },
      { step: msg, event: { kind: 'message' } },
    ] as StepUpdate[]) {
      const o = decide(tally, two, member, [u], ctx);
      kinds.push(o.type);
      if (o.type === 'progress') member = { ...member, steps: new Map([...member.steps, ...o.changes]) };
    }
    expect(kinds).toEqual(['progress', 'progress', 'progress', 'unchanged', 'complete']);
  });
});
