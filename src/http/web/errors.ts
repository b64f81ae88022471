import type { WebKey } from './i18n/index.ts';

/**
 * A refusal the web shows as a localized page with this status; nothing was written.
 * A 401 on a page sends the visitor to log in (then back).
 */
export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    readonly key: WebKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}
