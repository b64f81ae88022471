/** Bounds of a timed role reward: one second to one year. */
export const MIN_DURATION_SECONDS = 1;
export const MAX_DURATION_SECONDS = 365 * 86_400;

const UNITS: [RegExp, number][] = [
  [/^(w|wk|wks|weeks?|주)$/, 604_800],
  [/^(d|days?|일)$/, 86_400],
  [/^(h|hr|hrs|hours?|시간)$/, 3_600],
  [/^(m|min|mins|minutes?|분)$/, 60],
  [/^(s|sec|secs|seconds?|초)$/, 1],
];

/**
 * Parses a duration such as `7d`, `12h`, `1d 12h`, `90m`, `2 weeks` or `7일` into whole
 * seconds. Returns null for anything else, including a total outside the bounds.
 */
export function parseDuration(input: string): number | null {
  const text = input.trim().toLowerCase();
  if (!text) return null;
  const token = /\s*(\d{1,7})\s*([a-z가-힣]+)\s*,?/y;
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
