/** Bounds of a timed role reward: one second to one year. */
export const MIN_DURATION_SECONDS = 1;
export const MAX_DURATION_SECONDS = 365 * 86_400;

// Built from strings, not regex literals: esbuild writes the non-ASCII characters of a
// string as \u escapes but cannot in a regex literal, and a single non-ASCII character
// makes V8 hold the whole 4 MB bundle as a two-byte string (8 MB instead of 4).
const UNITS: [RegExp, number][] = [
  [new RegExp('^(w|wk|wks|weeks?|주)$'), 604_800],
  [new RegExp('^(d|days?|일)$'), 86_400],
  [new RegExp('^(h|hr|hrs|hours?|시간)$'), 3_600],
  [new RegExp('^(m|min|mins|minutes?|분)$'), 60],
  [new RegExp('^(s|sec|secs|seconds?|초)$'), 1],
];
const TOKEN = '\\s*(\\d{1,7})\\s*([a-z가-힣]+)\\s*,?';

/**
 * Parses a duration such as `7d`, `12h`, `1d 12h`, `90m`, `2 weeks` or `7일` into whole
 * seconds. Returns null for anything else, including a total outside the bounds.
 */
export function parseDuration(input: string): number | null {
  const text = input.trim().toLowerCase();
  if (!text) return null;
  const token = new RegExp(TOKEN, 'y');
  let total = 0;
  for (let pos = 0; pos < text.length; pos = token.lastIndex) {
    token.lastIndex = pos;
    const m = token.exec(text);
    const seconds = m ? UNITS.find(([re]) => re.test(m[2]!))?.[1] : undefined;
    if (!m || seconds === undefined) return null;
    total += Number(m[1]) * seconds;
  }
  return total >= MIN_DURATION_SECONDS && total <= MAX_DURATION_SECONDS ? total : null;
}

/** Splits seconds into the largest units, e.g. 129600 → [{ unit: 'd', n: 1 }, { unit: 'h', n: 12 }]. */
export function durationParts(seconds: number): { unit: 'd' | 'h' | 'm' | 's'; n: number }[] {
  const out: { unit: 'd' | 'h' | 'm' | 's'; n: number }[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out.push({ unit, n });
    rest -= n * size;
  }
  return out;
}
