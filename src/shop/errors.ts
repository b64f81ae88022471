import type { CodesOf } from '../core/errors.ts';

/** The codes this feature raises (see src/core/errors.ts). */
export const SHOP_ERROR_CODES = [
  'SPARKS.REWARD_NOT_FOUND',
  'SPARKS.REWARD_INVALID',
  'SPARKS.REWARD_UNAVAILABLE',
  'SPARKS.SOLD_OUT',
  'SPARKS.LIMIT_REACHED',
  'SPARKS.ROLE_REQUIRED',
  'SPARKS.ROLE_UNSAFE',
  'SPARKS.FULFILMENT_FAILED',
  'SPARKS.REDEMPTION_NOT_FOUND',
  'SPARKS.ALREADY_OWNED',
  'SPARKS.REDEEM_INPUT_INVALID',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof SHOP_ERROR_CODES> {}
}
