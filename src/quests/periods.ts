/**
 * A quest's periods (SPEC §10): `once` has one, '' — `daily` quests reset at 00:00 UTC
 * (the period is the date, 'YYYY-MM-DD') and `weekly` ones at 00:00 UTC on Monday (the
 * period is that Monday's date). A completion is keyed (quest, member, period), so it pays
 * once per period whenever and however often its events arrive.
 */
import { DAY_MS, utcDayStart } from '../core/clock.ts';
import type { QuestRecurrence } from '../db/schema.ts';

/** The period of a quest with this recurrence that the moment `at` falls in. */
export function periodOf(recurrence: QuestRecurrence, at: number): string {
  if (recurrence === 'once') return '';
  return isoDate(periodStart(recurrence, at));
}

/** Where the period containing `at` starts (ms); -Infinity for `once`. */
export function periodStart(recurrence: QuestRecurrence, at: number): number {
  if (recurrence === 'once') return -Infinity;
  const day = utcDayStart(at);
  if (recurrence === 'daily') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return day - weekday * DAY_MS;
}

/** The moments [start, end) a period covers; unbounded for `once`. */
export function periodBounds(recurrence: QuestRecurrence, period: string): { start: number; end: number } {
  if (recurrence === 'once') return { start: -Infinity, end: Infinity };
  const start = Date.parse(`${period}T00:00:00Z`);
  return { start, end: start + (recurrence === 'daily' ? DAY_MS : 7 * DAY_MS) };
}

/** When the period after the one containing `at` begins; null for `once`. */
export function nextReset(recurrence: QuestRecurrence, at: number): number | null {
  if (recurrence === 'once') return null;
  return periodBounds(recurrence, periodOf(recurrence, at)).end;
}

export interface QuestTimes {
  recurrence: QuestRecurrence;
  startsAt: number | null;
  endsAt: number | null;
  publishedAt: number | null;
}

/**
 * The quest's window in one period: the period ∩ [start, end), where the start is the
 * scheduled start or, unscheduled, the moment it was published. What counts toward a step
 * (a trade's volume, referrals) must fall inside it.
 */
export function questWindow(q: QuestTimes, period: string): { from: number; to: number } {
  const { start, end } = periodBounds(q.recurrence, period);
  const opens = q.startsAt ?? q.publishedAt ?? -Infinity;
  return { from: Math.max(start, opens), to: Math.min(end, q.endsAt ?? Infinity) };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
