import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const MODERATION_ERROR_CODES = ['SPARKS.DAILY_LIMIT', 'SPARKS.SELF_AWARD'] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof MODERATION_ERROR_CODES> {}
}
