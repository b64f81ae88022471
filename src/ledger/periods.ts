import { isoWeekKey, monthKey } from '../core/clock.ts';

/** The earn_periods key for a leaderboard period. */
export function periodKey(period: 'week' | 'month', now: number): string {
  return period === 'week' ? `w:${isoWeekKey(now)}` : `m:${monthKey(now)}`;
}
