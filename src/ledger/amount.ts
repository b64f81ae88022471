import { SparksError } from '../core/errors.ts';

import { MAX_AMOUNT, MIN_AMOUNT } from '../db/schema.ts';

/** Bounds of one ledger entry (SPEC §5), as the schema's CHECK constraints enforce them. */
export { MAX_AMOUNT, MIN_AMOUNT };

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
