/**
 * Time for the whole app. Nothing below the composition root reads the wall clock itself:
 * a `Clock` is passed in, so tests control time.
 */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

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
