/**
 * Refusals of a platform event that is well-formed but cannot be applied. Each is
 * decided before anything is written, and deterministically for the same event id, so a
 * retry of the same webhook gets the same answer (see PlatformService.apply).
 */
export const PLATFORM_ERROR_CODES = [
  'PLATFORM.INVALID_EVENT_ID',
  'PLATFORM.SELF_REFERRAL',
  'PLATFORM.REFERRAL_CYCLE',
  'PLATFORM.EVENT_CONFLICT',
  'PLATFORM.AMOUNT_OUT_OF_RANGE',
] as const;
export type PlatformErrorCode = (typeof PLATFORM_ERROR_CODES)[number];

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  /** The same shape as SparksError: the code, the raw facts, then a detail for logs and the HTTP body. */
  constructor(
    readonly code: PlatformErrorCode,
    readonly params: Record<string, string | number | null> = {},
    detail?: string,
  ) {
    super(detail ?? code);
  }
}

export function isPlatformError(e: unknown, code?: PlatformErrorCode): e is PlatformError {
  return e instanceof PlatformError && (code === undefined || e.code === code);
}
