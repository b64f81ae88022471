import type { CodesOf } from '../core/errors.ts';

/**
 * The codes Linked Roles raise (see src/core/errors.ts). SPARKS.LINKED_ROLE_SCOPE: the
 * member's grant lacks `role_connections.write` (they unticked it, or the callback was
 * tampered with), so the connection cannot be written.
 */
export const LINKED_ROLE_ERROR_CODES = ['SPARKS.LINKED_ROLE_SCOPE'] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof LINKED_ROLE_ERROR_CODES> {}
}
