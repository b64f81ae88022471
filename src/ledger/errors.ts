import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const LEDGER_ERROR_CODES = [
  'SPARKS.INVALID_AMOUNT',
  'SPARKS.INSUFFICIENT',
  'SPARKS.IDEMPOTENCY_CONFLICT',
  'SPARKS.NOT_FOUND',
  'SPARKS.ALREADY_CLOSED',
  'SPARKS.NOT_REVERSIBLE',
  'SPARKS.BALANCE_OVERFLOW',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof LEDGER_ERROR_CODES> {}
}
