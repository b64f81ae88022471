import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  MAX_FREEZES,
  NO_STREAK,
  standingOn,
  type FreezeGain,
  type StreakState,
} from '../../src/streaks/fold.ts';

/** Freezes gained on these days, ids in order. */
const gained = (...days: number[]): FreezeGain[] => days.map((day, i) => ({ id: i + 1, day }));
const fold = (days: number[], gains: FreezeGain[] = [], milestones: number[] = []) =>
  advance(NO_STREAK, days, gains, milestones);
const pick = (s: StreakState) => ({
  current: s.current,
  best: s.best,
  startedDay: s.startedDay,
  held: s.freezesHeld,
  used: s.freezesUsed,
});

describe('advance: a streak over qualifying days', () => {
  it.each<[string, number[], FreezeGain[], ReturnType<typeof pick>]>([
    ['three days in a row', [1, 2, 3], [], { current: 3, best: 3, startedDay: 1, held: 0, used: 0 }],
    [
      'a day earned twice counts once',
      [1, 1, 2],
      [],
      { current: 2, best: 2, startedDay: 1, held: 0, used: 0 },
    ],
    [
      'a missed day with no freeze starts over',
      [1, 2, 4],
      [],
      { current: 1, best: 2, startedDay: 4, held: 0, used: 0 },
    ],
    [
      'a missed day with a freeze held is covered, and not counted',
      [1, 2, 4],
      gained(1),
      { current: 3, best: 3, startedDay: 1, held: 0, used: 1 },
    ],
    [
      'a freeze bought on the missed day itself covers it',
      [1, 2, 4],
      gained(3),
      { current: 3, best: 3, startedDay: 1, held: 0, used: 1 },
    ],
    [
      'a freeze bought the day after is too late, and kept',
      [1, 2, 4],
      gained(4),
      { current: 1, best: 2, startedDay: 4, held: 1, used: 0 },
    ],
    [
      'two missed days, two freezes',
      [1, 4],
      gained(1, 1),
      { current: 2, best: 2, startedDay: 1, held: 0, used: 2 },
    ],
    [
      'two missed days, one freeze: spent on the first, the streak ends on the second',
      [1, 4],
      gained(1),
      { current: 1, best: 1, startedDay: 4, held: 0, used: 1 },
    ],
    [
      `at most ${MAX_FREEZES} held: a third is lost`,
      [1, 5],
      gained(1, 1, 1),
      { current: 1, best: 1, startedDay: 5, held: 0, used: 2 },
    ],
    [
      'a freeze is not spent before the first streak',
      [5, 6],
      gained(1),
      { current: 2, best: 2, startedDay: 5, held: 1, used: 0 },
    ],
  ])('%s', (_, days, gains, expected) => {
    expect(pick(fold(days, gains).state)).toEqual(expected);
  });

  it('reports each milestone a streak reaches, once, keyed by the streak’s first day', () => {
    const { state, reached } = fold([1, 2, 3, 4, 5, 6, 7, 9, 10, 11], [], [3, 7]);
    expect(reached).toEqual([
      { startedDay: 1, days: 3 },
      { startedDay: 1, days: 7 },
      { startedDay: 9, days: 3 },
    ]);
    // Days already folded change nothing and reach nothing again.
    expect(advance(state, [10, 11], [], [3, 7])).toEqual({ state, reached: [] });
  });

  it('a streak kept by a freeze reaches its milestone on its 7th qualifying day', () => {
    const { state, reached } = fold([1, 2, 3, 5, 6, 7, 8], gained(2), [7]);
    expect(reached).toEqual([{ startedDay: 1, days: 7 }]);
    expect(pick(state)).toEqual({ current: 7, best: 7, startedDay: 1, held: 0, used: 1 });
  });
});

describe('standingOn: the streak as shown today', () => {
  const after = (days: number[], gains: FreezeGain[] = []) => fold(days, gains).state;

  it.each<[string, StreakState, FreezeGain[], number, object]>([
    ['nothing yet', NO_STREAK, [], 10, { current: 0, best: 0, today: false, startedDay: null }],
    ['earned today', after([9, 10]), [], 10, { current: 2, today: true, startedDay: 9 }],
    ['earned yesterday: alive, today still to do', after([8, 9]), [], 10, { current: 2, today: false }],
    ['missed yesterday, no freeze: gone, best kept', after([7, 8]), [], 10, { current: 0, best: 2 }],
    [
      'missed yesterday with a freeze: alive, the freeze spent',
      after([7, 8], gained(8)),
      gained(8),
      10,
      { current: 2, freezesHeld: 0, freezesUsed: 1 },
    ],
    [
      'a freeze gained after the fold, before the missed day',
      after([7, 8]),
      gained(8),
      10,
      { current: 2, freezesHeld: 0, freezesUsed: 1 },
    ],
    ['freezes bought today are held', after([9]), gained(10, 10), 10, { current: 1, freezesHeld: 2 }],
  ])('%s', (_, state, gains, today, expected) => {
    expect(standingOn(state, gains, today)).toMatchObject(expected);
  });
});

describe('the fold is the same however it is cut', () => {
  const days = fc
    .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 })
    .map((d) => d.sort((a, b) => a - b));
  const gainDays = fc
    .array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 })
    .map((d) => gained(...d.sort((a, b) => a - b)));

  it('in chunks or at once: the same state and the same milestones', () => {
    fc.assert(
      fc.property(days, gainDays, fc.nat(), (ds, gs, cut) => {
        const at = ds.length === 0 ? 0 : cut % (ds.length + 1);
        const whole = fold(ds, gs, [2, 5]);
        const first = fold(ds.slice(0, at), gs, [2, 5]);
        const second = advance(first.state, ds.slice(at), gs, [2, 5]);
        expect(second.state).toEqual(whole.state);
        expect([...first.reached, ...second.reached]).toEqual(whole.reached);
      }),
    );
  });

  it('what a read shows today is what the fold makes of a qualifying day today', () => {
    fc.assert(
      fc.property(days, gainDays, fc.integer({ min: 1, max: 45 }), (ds, gs, today) => {
        const past = ds.filter((d) => d < today);
        const shown = standingOn(fold(past, gs).state, gs, today);
        const next = fold([...past, today], gs).state;
        // A live streak today grows by today's day; a broken one starts over at 1.
        expect(next.current).toBe(shown.current + 1);
        expect(next.freezesUsed).toBe(shown.freezesUsed);
        expect(shown.freezesHeld).toBeLessThanOrEqual(MAX_FREEZES);
      }),
    );
  });
});
