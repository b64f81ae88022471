/**
 * Typed errors with stable dotted codes. The Discord layer turns each code into a
 * localized ephemeral reply; the HTTP layer into a JSON error or a page. `params` carry
 * the raw facts a message needs (how many Sparks are available, what the limit is, a role
 * id): never Discord markup, which the edge that renders the message adds.
 *
 * Each feature contributes its own codes: it declares them in its `errors.ts` and adds
 * them to `ErrorCodeRegistry` by module augmentation (see `registerCodes` below), so the
 * union `ErrorCode` — and every message catalogue keyed by it — covers them all, while
 * this module imports nothing.
 */

/**
 * Codes any layer may raise: bad input, a refusal, a busy bot, a stale form or button.
 * Features add theirs by augmenting `ErrorCodeRegistry`.
 */
export const GENERAL_ERROR_CODES = [
  'SPARKS.INVALID_INPUT',
  'SPARKS.OUT_OF_RANGE',
  'SPARKS.FORBIDDEN',
  'SPARKS.MISSING_PERMISSION',
  'SPARKS.BOT_BUSY',
  'SPARKS.STALE_COMPONENT',
] as const;

/** The object type a feature's code list adds to the registry: `{ [code]: true }`. */
export type CodesOf<T extends readonly string[]> = { [K in T[number]]: true };

/**
 * Every code of the app, one key each. A feature augments it:
 *
 * ```ts
 * export const SHOP_ERROR_CODES = ['SPARKS.SOLD_OUT'] as const;
 * declare module '../core/errors.ts' {
 *   interface ErrorCodeRegistry extends CodesOf<typeof SHOP_ERROR_CODES> {}
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ErrorCodeRegistry extends CodesOf<typeof GENERAL_ERROR_CODES> {}

export type ErrorCode = keyof ErrorCodeRegistry;

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
