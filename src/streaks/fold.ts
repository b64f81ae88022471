/**
 * The streak rule (SPEC §10) as pure functions of a member's state, their qualifying days
 * and the freezes they gained: no database, no clock. The fold (streaks.ts) persists what
 * `advance` returns; a read applies the same functions to what the fold has not reached
 * yet, so both say the same thing whenever they run.
 *
 * - A streak is a run of UTC days (days since the epoch) each with a qualifying action.
 *   Its length, `current`, counts the qualifying days only.
 * - A missed day inside the run is covered by a freeze if the member holds one by the end
 *   of that day (one bought that day counts); the freeze is spent on it, whether or not
 *   the member comes back. A missed day with no freeze ends the streak: the next
 *   qualifying day starts a new one, with a new `startedDay`.
 * - A member holds at most MAX_FREEZES; a freeze gained beyond that is lost (the shop
 *   refuses to sell one then, so only a prize can overflow).
 * - Today is never missed yet: a streak whose last day was yesterday is alive.
 */

/** The most streak freezes a member holds at once. */
export const MAX_FREEZES = 2;

export interface StreakState {
  /** Qualifying days in the streak as of `lastDay` (0 only before the first one). */
  current: number;
  best: number;
  lastDay: number;
  startedDay: number;
  freezesHeld: number;
  freezesUsed: number;
  /** The last freeze gain (its redemption id) counted into freezesHeld. */
  freezeSeen: number;
}

/** One freeze the member gained: its redemption's id and the UTC day of it. */
export interface FreezeGain {
  id: number;
  day: number;
}

/** A streak that just reached `days` qualifying days: the milestone key's parts. */
export interface Reached {
  startedDay: number;
  days: number;
}

export const NO_STREAK: StreakState = {
  current: 0,
  best: 0,
  lastDay: Number.NEGATIVE_INFINITY,
  startedDay: Number.NEGATIVE_INFINITY,
  freezesHeld: 0,
  freezesUsed: 0,
  freezeSeen: 0,
};

/** Walks freeze gains (id order) into a state, each at most once. */
class Gains {
  private next = 0;
  constructor(
    private readonly gains: readonly FreezeGain[],
    private readonly s: StreakState,
  ) {}

  /** Counts every gain not yet counted whose day is at most `day`. */
  upTo(day: number): void {
    for (; this.next < this.gains.length; this.next++) {
      const g = this.gains[this.next]!;
      if (g.id <= this.s.freezeSeen) continue;
      if (g.day > day) {
        // Gains come in id order, which is time order: a later one is later still.
        return;
      }
      this.s.freezesHeld = Math.min(MAX_FREEZES, this.s.freezesHeld + 1);
      this.s.freezeSeen = g.id;
    }
  }
}

/**
 * The missed days after `s.lastDay` and before `day`, in order: each spends a freeze (the
 * ones gained by then counted first) or ends the streak. Returns whether it survived.
 */
function bridge(s: StreakState, gains: Gains, day: number): boolean {
  if (s.current === 0) return false;
  for (let missed = s.lastDay + 1; missed < day; missed++) {
    gains.upTo(missed);
    if (s.freezesHeld === 0) return false;
    s.freezesHeld--;
    s.freezesUsed++;
  }
  return true;
}

/**
 * The state after the qualifying `days` (ascending; days at or before `state.lastDay` are
 * already counted and change nothing) with the freeze `gains` (ascending id; ones already
 * counted are skipped), and the milestones among `milestoneDays` each streak reached on
 * the way, in order.
 */
export function advance(
  state: StreakState,
  days: readonly number[],
  gains: readonly FreezeGain[],
  milestoneDays: readonly number[],
): { state: StreakState; reached: Reached[] } {
  const s: StreakState = { ...state };
  const g = new Gains(gains, s);
  const reached: Reached[] = [];
  for (const day of days) {
    if (day <= s.lastDay) continue;
    if (bridge(s, g, day)) s.current++;
    else {
      s.current = 1;
      s.startedDay = day;
    }
    g.upTo(day);
    s.lastDay = day;
    s.best = Math.max(s.best, s.current);
    if (milestoneDays.includes(s.current)) reached.push({ startedDay: s.startedDay, days: s.current });
  }
  return { state: s, reached };
}

/** What a member's streak is on `today`, as shown to them. */
export interface StreakStanding {
  /** Qualifying days in the live streak; 0 when there is none (never, or it broke). */
  current: number;
  best: number;
  freezesHeld: number;
  freezesUsed: number;
  /** Whether today already counts (the streak is safe until tomorrow). */
  today: boolean;
  /** The live streak's first day; null when there is none. */
  startedDay: number | null;
}

/**
 * The streak on `today`: the missed days before today spend freezes (or end it) exactly as
 * the next qualifying day would make the fold spend them.
 */
export function standingOn(state: StreakState, gains: readonly FreezeGain[], today: number): StreakStanding {
  const s: StreakState = { ...state };
  const g = new Gains(gains, s);
  const alive = s.lastDay >= today || bridge(s, g, today);
  g.upTo(today);
  return {
    current: alive ? s.current : 0,
    best: s.best,
    freezesHeld: s.freezesHeld,
    freezesUsed: s.freezesUsed,
    today: alive && s.lastDay >= today,
    startedDay: alive && s.current > 0 ? s.startedDay : null,
  };
}
