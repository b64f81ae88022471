import type { CodesOf } from '../core/errors.ts';

/**
 * The codes seasons raise (see src/core/errors.ts). SPARKS.SEASON_INVALID names its
 * explanation by message key (`reasonKey`, with its params), like SPARKS.CAMPAIGN_INVALID.
 */
export const SEASON_ERROR_CODES = [
  'SPARKS.SEASON_NOT_FOUND',
  'SPARKS.SEASON_INVALID',
  'SPARKS.SEASON_ENDED',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof SEASON_ERROR_CODES> {}
}
