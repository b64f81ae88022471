import type { CodesOf } from '../core/errors.ts';

/**
 * The codes raffles raise (see src/core/errors.ts). SPARKS.RAFFLE_INVALID names its
 * explanation by message key (`reasonKey`), like SPARKS.SEASON_INVALID.
 */
export const RAFFLE_ERROR_CODES = [
  'SPARKS.RAFFLE_NOT_FOUND',
  'SPARKS.RAFFLE_INVALID',
  'SPARKS.RAFFLE_CLOSED',
  'SPARKS.RAFFLE_ENTRY_LIMIT',
  'SPARKS.FLAGGED',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof RAFFLE_ERROR_CODES> {}
}
