import { defaultFaultBody, knownMessageFor, type RestResult } from './http-util.ts';

export interface FaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /**
   * Path below `/api/v10`, without the query. A string matches exactly, where a segment
   * written `:name` or `*` matches any one segment (`/guilds/:g/members/:u/roles/:r`); a
   * RegExp is tested against the concrete path.
   */
  route: string | RegExp;
  /** How many matching requests fail (default 1; `Infinity` for all). */
  times?: number;
  /**
   * Status to answer. Omit it with `delayMs` for a slow but successful answer, or with
   * `action: 'hang' | 'destroy'`.
   */
  status?: 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503 | 504;
  /** Discord error code in the body (default: the usual one for the status and route). */
  code?: number;
  message?: string;
  /** 429 only: seconds to wait, sent as `retry_after` and the `Retry-After` header (default 0.25). */
  retryAfter?: number;
  /** 429 only: a global rate limit (`X-RateLimit-Global`). */
  global?: boolean;
  /** 429 only: `X-RateLimit-Scope` (default `user`). */
  scope?: 'user' | 'global' | 'shared';
  /** Wait this long before answering (or before applying the fault). */
  delayMs?: number;
  /**
   * Run the real handler first (the change happens and its gateway events go out), then
   * fail anyway: the "applied, but the caller saw an error or a timeout" case.
   */
  applyBeforeFailing?: boolean;
  /**
   * `respond` (default) answers `status`; `hang` never answers (until the caller gives up or
   * the fake stops); `destroy` resets the TCP connection without an answer.
   */
  action?: 'respond' | 'hang' | 'destroy';
}

export interface FaultHandle {
  readonly spec: FaultSpec;
  /** How many requests this fault has hit so far. */
  readonly hits: number;
  /** Requests it may still hit. */
  readonly remaining: number;
  remove(): void;
}

export class Fault implements FaultHandle {
  hits = 0;
  remaining: number;
  removed = false;

  constructor(
    readonly spec: FaultSpec,
    private readonly onRemove: (fault: Fault) => void,
  ) {
    this.remaining = spec.times ?? 1;
    if (spec.status === undefined && spec.delayMs === undefined && (spec.action ?? 'respond') === 'respond') {
      throw new Error('injectFault: give a status, a delayMs, or an action of hang/destroy');
    }
  }

  matches(method: string, path: string): boolean {
    if (this.removed || this.remaining <= 0) return false;
    if (this.spec.method && this.spec.method.toUpperCase() !== method.toUpperCase()) return false;
    const { route } = this.spec;
    if (route instanceof RegExp) {
      route.lastIndex = 0;
      return route.test(path);
    }
    return routeMatches(route, path);
  }

  take(): void {
    this.hits += 1;
    this.remaining -= 1;
  }

  remove(): void {
    this.removed = true;
    this.onRemove(this);
  }

  /** The error answer this fault gives (for `action: 'respond'` with a status). */
  result(path: string): RestResult {
    const status = this.spec.status ?? 500;
    if (status === 429) {
      const retryAfter = this.spec.retryAfter ?? 0.25;
      const global = this.spec.global === true;
      const scope = this.spec.scope ?? (global ? 'global' : 'user');
      const headers: Record<string, string> = {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
        'x-ratelimit-reset-after': retryAfter.toFixed(3),
        'x-ratelimit-bucket': 'fake-discord-fault',
        'x-ratelimit-scope': scope,
      };
      if (global) headers['x-ratelimit-global'] = 'true';
      return {
        status,
        headers,
        body: {
          message: this.spec.message ?? 'You are being rate limited.',
          retry_after: retryAfter,
          global,
          ...(this.spec.code ? { code: this.spec.code } : {}),
        },
      };
    }
    if (status >= 500 && this.spec.code === undefined) {
      // Discord's edge answers 5xx with an HTML-ish page, not JSON.
      return { status, body: this.spec.message ?? `${status} fake-discord injected server error` };
    }
    const base = defaultFaultBody(status, path);
    const code = this.spec.code ?? (base.code as number);
    const message =
      this.spec.message ??
      (this.spec.code !== undefined ? knownMessageFor(this.spec.code) : undefined) ??
      (base.message as string);
    return { status, body: { message, code } };
  }
}

export function routeMatches(pattern: string, path: string): boolean {
  const want = pattern.replace(/^\/api\/v10/, '').split('/');
  const got = path.split('/');
  if (want.length !== got.length) return false;
  return want.every((segment, i) => segment === '*' || segment.startsWith(':') || segment === got[i]);
}
