import type { RestResult, UploadedFile } from './http-util.ts';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
  headers: Record<string, string | undefined>;
  /** `X-Audit-Log-Reason`, URL-decoded. */
  reason: string | null;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/guilds/:guildId/members/:userId`; literal segments like `@me` match exactly. */
  pattern: string;
  /** Whether the route needs `Authorization: Bot <token>` (interaction webhooks do not). */
  auth: boolean;
  handle(ctx: RouteContext): RestResult | Promise<RestResult>;
}

export type RouteMatch =
  { route: Route; params: Record<string, string> } | { route: null; pathKnown: boolean };

export class Router {
  readonly #routes: { route: Route; segments: string[] }[] = [];

  add(route: Route): void {
    this.#routes.push({ route, segments: route.pattern.split('/') });
  }

  match(method: string, path: string): RouteMatch {
    const got = path.split('/');
    let pathKnown = false;
    for (const { route, segments } of this.#routes) {
      const params = matchSegments(segments, got);
      if (!params) continue;
      if (route.method === method.toUpperCase()) return { route, params };
      pathKnown = true;
    }
    return { route: null, pathKnown };
  }
}

function matchSegments(want: string[], got: string[]): Record<string, string> | null {
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '' || g.startsWith('@')) return null;
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        return null;
      }
      params[w.slice(1)] = value;
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}
