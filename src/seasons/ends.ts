/**
 * `ends` as seasons and raffles take it (SPEC §9): a duration from now (`90s`, `1m`, `2h`,
 * `7d`, or several units largest first: `1d12h`) or an ISO date (`2026-12-31`,
 * `2026-12-31T18:00Z`; a date without a zone is UTC). Pure.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/clock.ts';
import { SparksError, type ErrorCode } from '../core/errors.ts';

/** The furthest end either takes: a year. */
export const MAX_ENDS_MS = 366 * DAY_MS;
/** The nearest: ten seconds away (a demo may say `90s`). */
export const MIN_ENDS_MS = 10_000;

const DURATION = /^\s*(?:(\d{1,3})\s*d)?\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,6})\s*m)?\s*(?:(\d{1,7})\s*s)?\s*$/i;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * The moment `text` names, after `now`. Errors: `code` with `reasonKey` 'ends.invalid' (not
 * a duration or a date), 'ends.past' (at or before now, or nearer than 10 s), 'ends.too_far'
 * (over a year away).
 */
export function parseEnds(text: string, now: number, code: ErrorCode): number {
  const value = text.trim();
  const fail = (reasonKey: string) =>
    new SparksError(code, { reasonKey, value: value.slice(0, 40) }, reasonKey);
  let at: number;
  const d = DURATION.exec(value);
  if (d && (d[1] ?? d[2] ?? d[3] ?? d[4]) !== undefined) {
    at =
      now +
      Number(d[1] ?? 0) * DAY_MS +
      Number(d[2] ?? 0) * HOUR_MS +
      Number(d[3] ?? 0) * MINUTE_MS +
      Number(d[4] ?? 0) * 1000;
  } else if (ISO.test(value)) {
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) || !value.includes(':') ? value : `${value}Z`;
    at = Date.parse(value.includes(':') ? zoned : `${value}T00:00:00Z`);
    if (Number.isNaN(at)) throw fail('ends.invalid');
  } else throw fail('ends.invalid');
  if (at - now < MIN_ENDS_MS) throw fail('ends.past');
  if (at - now > MAX_ENDS_MS) throw fail('ends.too_far');
  return at;
}
