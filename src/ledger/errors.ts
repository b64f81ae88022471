/**
 * Typed errors with stable dotted codes. The Discord layer turns each code into a
 * localized ephemeral reply; the HTTP layer into a JSON error. `params` carry the facts a
 * message needs (how many Sparks are available, what the limit is).
 */
export const ERROR_CODES = [
  'SPARKS.INVALID_AMOUNT',
  'SPARKS.INSUFFICIENT',
  'SPARKS.IDEMPOTENCY_CONFLICT',
  'SPARKS.NOT_FOUND',
  'SPARKS.ALREADY_CLOSED',
  'SPARKS.NOT_REVERSIBLE',
  'SPARKS.BALANCE_OVERFLOW',
  'SPARKS.INVALID_INPUT',
  'SPARKS.DAILY_LIMIT',
  'SPARKS.SELF_AWARD',
  'SPARKS.FORBIDDEN',
  'SPARKS.UNKNOWN_COMMAND',
  'SPARKS.STALE_COMPONENT',
  'SPARKS.NOT_YOUR_COMPONENT',
  'SPARKS.CAMPAIGN_NOT_FOUND',
  'SPARKS.CAMPAIGN_INVALID',
  'SPARKS.MESSAGE_NOT_FOUND',
  'SPARKS.REWARD_NOT_FOUND',
  'SPARKS.REWARD_INVALID',
  'SPARKS.REWARD_UNAVAILABLE',
  'SPARKS.SOLD_OUT',
  'SPARKS.LIMIT_REACHED',
  'SPARKS.ROLE_REQUIRED',
  'SPARKS.ROLE_UNSAFE',
  'SPARKS.FULFILMENT_FAILED',
  'SPARKS.REDEMPTION_NOT_FOUND',
  'SPARKS.BOT_BUSY',
  'SPARKS.TIER_NOT_FOUND',
  'SPARKS.TIER_INVALID',
  'SPARKS.MISSING_PERMISSION',
  'SPARKS.OUT_OF_RANGE',
  'SPARKS.ALREADY_OWNED',
  'SPARKS.REDEEM_INPUT_INVALID',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorParams = Record<string, string | number | null | undefined>;

export class SparksError extends Error {
  override readonly name = 'SparksError';
  constructor(
    readonly code: ErrorCode,
    readonly params: ErrorParams = {},
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

export function isSparksError(e: unknown, code?: ErrorCode): e is SparksError {
  return e instanceof SparksError && (code === undefined || e.code === code);
}
