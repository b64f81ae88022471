import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const TIER_ERROR_CODES = ['SPARKS.TIER_NOT_FOUND', 'SPARKS.TIER_INVALID'] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof TIER_ERROR_CODES> {}
}
