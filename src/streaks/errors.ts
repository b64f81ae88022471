import type { CodesOf } from '../core/errors.ts';

/**
 * The codes streaks raise (see src/core/errors.ts). SPARKS.STREAK_MILESTONES_INVALID:
 * `streak_milestones` is not a list of days:Sparks pairs within bounds (params: the part
 * refused, the bounds). SPARKS.STREAK_FREEZES_FULL: a member already holds the most
 * freezes (params: held, max).
 */
export const STREAK_ERROR_CODES = ['SPARKS.STREAK_MILESTONES_INVALID', 'SPARKS.STREAK_FREEZES_FULL'] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof STREAK_ERROR_CODES> {}
}
