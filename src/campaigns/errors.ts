import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const CAMPAIGN_ERROR_CODES = [
  'SPARKS.CAMPAIGN_NOT_FOUND',
  'SPARKS.CAMPAIGN_INVALID',
  'SPARKS.MESSAGE_NOT_FOUND',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof CAMPAIGN_ERROR_CODES> {}
}
