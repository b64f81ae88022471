/** The ledger never reads the wall clock itself: time is passed in, so tests control it. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const DAY_MS = 86_400_000;

/** Start of the UTC day containing `now`. */
export function utcDayStart(now: number): number {
  return now - (now % DAY_MS);
}

/** ISO-8601 week key `YYYY-WW` (UTC), identical to SQLite's strftime('%G-%V'). */
export function isoWeekKey(now: number): string {
  const d = new Date(utcDayStart(now));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-${String(week).padStart(2, '0')}`;
}

export function monthKey(now: number): string {
  const d = new Date(now);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The earn_periods key for a leaderboard period. */
export function periodKey(period: 'week' | 'month', now: number): string {
  return period === 'week' ? `w:${isoWeekKey(now)}` : `m:${monthKey(now)}`;
}
