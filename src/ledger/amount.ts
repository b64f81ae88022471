import { SparksError } from './errors.ts';

/** Bounds of one ledger entry (SPEC §5). */
export const MIN_AMOUNT = 1;
export const MAX_AMOUNT = 1_000_000_000;

/**
 * Accepts only a safe integer number within [MIN_AMOUNT, MAX_AMOUNT]. Strings, floats,
 * NaN, ±Infinity, bigints and out-of-range values are refused with SPARKS.INVALID_AMOUNT,
 * before anything is written.
 */
export function assertAmount(value: unknown, field = 'amount'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MIN_AMOUNT || value > MAX_AMOUNT) {
    throw new SparksError(
      'SPARKS.INVALID_AMOUNT',
      { field, min: MIN_AMOUNT, max: MAX_AMOUNT },
      `${field} must be a whole number from ${MIN_AMOUNT} to ${MAX_AMOUNT}, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  return String(value);
}
