/**
 * The fake's HTTP front: every request is recorded, matched against the route tables,
 * checked for its bot token, and answered by its route or by an injected fault. The
 * routes themselves (rest.ts, and any later table) only turn a RouteContext into a
 * RestResult.
 */
import type { FakeOAuth2 } from './oauth2.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeDiscord } from './fake-discord.ts';
import { Fault, type FaultHandle, type FaultSpec } from './faults.ts';
import {
  apiError,
  parseBody,
  readRaw,
  writeResult,
  type RestResult,
  type UploadedFile,
} from './http-util.ts';
import { Router, type Route } from './router.ts';
import type { DiscordState } from './state.ts';
import { sleep, type Notifier } from './wait.ts';

export interface RecordedRequest {
  method: string;
  /** Path below /api/v10, e.g. `/guilds/1/members/2/roles/3`. */
  path: string;
  /** The matched route pattern, e.g. `/guilds/:guildId/members/:userId/roles/:roleId`. */
  route: string | null;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
  files: UploadedFile[];
  time: number;
  /** The status the fake answered (undefined while pending, or when it hung or reset). */
  status?: number;
  response?: unknown;
  /** Set when an injected fault decided the answer. */
  fault?: FaultSpec;
  auditLogReason: string | null;
}

/** One REST surface: the routes it adds, built over the fake they read and change. */
export type RouteTable = (fake: FakeDiscord) => Route[];

/** What the front needs from the fake that owns it. */
export interface RequestHost {
  state: DiscordState;
  log: { requests: RecordedRequest[]; unexpectedRequests: RecordedRequest[]; changed: Notifier };
  acceptToken: (token: string) => boolean;
  /** Aborted when the fake stops: delayed answers give up. */
  signal: AbortSignal;
  touch: () => void;
  /** OAuth2 (the authorize page, token exchange, Bearer calls) answers before the REST routes. */
  oauth2: Pick<FakeOAuth2, 'handle'>;
}

export class RequestPipeline {
  readonly router = new Router();
  readonly #host: RequestHost;
  readonly #faults: Fault[] = [];
  /** Answers held open by a `hang` fault, destroyed when the fake stops. */
  readonly #hung = new Set<ServerResponse>();

  constructor(host: RequestHost) {
    this.#host = host;
  }

  addRoutes(routes: Route[]): void {
    for (const route of routes) this.router.add(route);
  }

  injectFault(spec: FaultSpec): FaultHandle {
    const fault = new Fault(spec, (f) => {
      const i = this.#faults.indexOf(f);
      if (i >= 0) this.#faults.splice(i, 1);
    });
    this.#faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    for (const fault of [...this.#faults]) fault.remove();
  }

  /** Destroys every answer a `hang` fault holds open. */
  destroyHung(): void {
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
  }

  /** Answers one HTTP request: an attachment download, or a REST call through the routes. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#host.touch();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readRaw(req);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const reasonHeader = headers['x-audit-log-reason'];
    let reason: string | null = null;
    if (reasonHeader !== undefined) {
      try {
        reason = decodeURIComponent(reasonHeader);
      } catch {
        reason = reasonHeader;
      }
    }

    if (this.#host.oauth2.handle(method, url, headers, raw, res)) return;
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const [, , , attachmentId] = url.pathname.split('/');
      for (const message of this.#host.state.messages.values()) {
        const file = message.attachments.find((a) => a.id === attachmentId);
        if (file) {
          res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.size) });
          res.end(file.data);
          return;
        }
      }
    }

    const record: RecordedRequest = {
      method,
      path: url.pathname.replace(/^\/api\/v10(?=\/)/, ''),
      route: null,
      query: Object.fromEntries(url.searchParams.entries()),
      headers,
      body: undefined,
      files: [],
      time: Date.now(),
      auditLogReason: reason,
    };
    this.#host.log.requests.push(record);
    const finish = (result: RestResult): void => {
      record.status = result.status;
      record.response = result.body;
      writeResult(res, result);
      this.#host.log.changed.notify();
    };

    if (!url.pathname.startsWith('/api/v10/')) {
      this.#host.log.unexpectedRequests.push(record);
      finish(
        apiError(404, 0, `404: Not Found (fake-discord serves /api/v10 only; got ${method} ${url.pathname})`),
      );
      return;
    }
    try {
      const parsed = await parseBody(raw, headers['content-type']);
      record.body = parsed.json;
      record.files = parsed.files;
    } catch {
      finish(apiError(400, 50109, 'The request body contains invalid JSON.'));
      return;
    }
    const match = this.router.match(method, record.path);
    if (!match.route) {
      this.#host.log.unexpectedRequests.push(record);
      finish(
        match.pathKnown
          ? apiError(405, 0, `405: Method Not Allowed (fake-discord has no ${method} for ${record.path})`)
          : apiError(404, 0, `404: Not Found (fake-discord has no route for ${method} ${record.path})`),
      );
      return;
    }
    const { route, params } = match;
    record.route = route.pattern;
    if (route.auth) {
      const auth = headers.authorization ?? '';
      const m = /^Bot\s+(.+)$/i.exec(auth);
      if (!m || !this.#host.acceptToken(m[1]!)) {
        finish(apiError(401, 0, '401: Unauthorized'));
        return;
      }
    }
    const run = (): RestResult | Promise<RestResult> =>
      route.handle({
        params,
        query: url.searchParams,
        body: record.body,
        files: record.files,
        headers,
        reason,
      });

    const fault = this.#faults.find((f) => f.matches(method, record.path));
    if (!fault) {
      finish(await run());
      return;
    }
    fault.take();
    record.fault = fault.spec;
    try {
      if (fault.spec.delayMs) await sleep(fault.spec.delayMs, this.#host.signal);
    } catch {
      res.destroy();
      return;
    }
    const action = fault.spec.action ?? 'respond';
    if (fault.spec.status === undefined && action === 'respond') {
      finish(await run());
      return;
    }
    if (fault.spec.applyBeforeFailing) await run();
    if (action === 'hang') {
      this.#hung.add(res);
      res.on('close', () => this.#hung.delete(res));
      this.#host.log.changed.notify();
      return;
    }
    if (action === 'destroy') {
      req.socket.destroy();
      this.#host.log.changed.notify();
      return;
    }
    finish(fault.result(record.path));
  }
}

export function describeRequest(r: RecordedRequest): string {
  const body = r.response === undefined ? '' : ` ${JSON.stringify(r.response).slice(0, 300)}`;
  return `${r.method} ${r.path} → ${r.status ?? 'pending'}${body}`;
}
