import type { CodesOf } from '../core/errors.ts';

/**
 * The codes quests raise (see src/core/errors.ts). SPARKS.QUEST_INVALID names its
 * explanation by message key (`reasonKey`), like SPARKS.SEASON_INVALID.
 */
export const QUEST_ERROR_CODES = [
  'SPARKS.QUEST_NOT_FOUND',
  'SPARKS.QUEST_INVALID',
  'SPARKS.QUEST_CLOSED',
  'SPARKS.QUEST_LOCKED',
  'SPARKS.QUEST_COMPLETED',
  'SPARKS.QUEST_NO_ATTEMPTS',
  'SPARKS.QUEST_PENDING',
  'SPARKS.QUEST_SUBMISSION_NOT_FOUND',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof QUEST_ERROR_CODES> {}
}
