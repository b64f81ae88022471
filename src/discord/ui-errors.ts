import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const DISCORD_ERROR_CODES = ['SPARKS.UNKNOWN_COMMAND', 'SPARKS.NOT_YOUR_COMPONENT'] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof DISCORD_ERROR_CODES> {}
}
