import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from './state.ts';

export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  /** n in `files[n]`; matches an `attachments[].id` in payload_json. */
  index: number;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
  multipart: boolean;
}

/** What a route handler answers; the server writes it (or a fault replaces it). */
export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses JSON or multipart/form-data (`payload_json` plus `files[n]` parts) like Discord does. */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) {
    // undici's Response implements the multipart parser a browser would use.
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    let json: unknown = undefined;
    const files: UploadedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
        continue;
      }
      const match = /^files\[(\d+)\]$/.exec(field) ?? /^file(\d*)$/.exec(field);
      const index = match?.[1] ? Number(match[1]) : files.length;
      files.push({
        field,
        index,
        filename: value.name,
        contentType: value.type || 'application/octet-stream',
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
    return { json, files, multipart: true };
  }
  if (raw.length === 0) return { json: undefined, files: [], multipart: false };
  return { json: JSON.parse(raw.toString('utf8')), files: [], multipart: false };
}

export function apiError(status: number, code: number, message: string, extra: JsonObject = {}): RestResult {
  return { status, body: { message, code, ...extra } };
}

export const Errors = {
  unauthorized: () => apiError(401, 0, '401: Unauthorized'),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => apiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => apiError(404, 10008, 'Unknown Message'),
  unknownRole: () => apiError(404, 10011, 'Unknown Role'),
  unknownUser: () => apiError(404, 10013, 'Unknown User'),
  unknownEmoji: () => apiError(400, 10014, 'Unknown Emoji'),
  unknownWebhook: () => apiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => apiError(404, 10062, 'Unknown interaction'),
  unknownCommand: () => apiError(404, 10063, 'Unknown application command'),
  alreadyAcknowledged: () => apiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => apiError(403, 50001, 'Missing Access'),
  cannotDm: () => apiError(403, 50007, 'Cannot send messages to this user'),
  missingPermissions: () => apiError(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: () => apiError(401, 50027, 'Invalid Webhook Token'),
  tooManyReactions: () => apiError(400, 30010, 'Maximum number of reactions reached (20)'),
} as const;

/** Message and default error code Discord uses for a status when a fault names none. */
export function defaultFaultBody(status: number, path: string): JsonObject {
  switch (status) {
    case 400:
      return { message: '400: Bad Request', code: 0 };
    case 401:
      return { message: '401: Unauthorized', code: 0 };
    case 403:
      return { message: 'Missing Permissions', code: 50013 };
    case 404: {
      if (/\/reactions\//.test(path)) return { message: 'Unknown Emoji', code: 10014 };
      if (/\/roles\/\d+$/.test(path) && /\/members\//.test(path))
        return { message: 'Unknown Role', code: 10011 };
      if (/\/members\//.test(path)) return { message: 'Unknown Member', code: 10007 };
      if (/\/messages\//.test(path)) return { message: 'Unknown Message', code: 10008 };
      if (/^\/channels\//.test(path)) return { message: 'Unknown Channel', code: 10003 };
      if (/^\/interactions\//.test(path)) return { message: 'Unknown interaction', code: 10062 };
      if (/^\/webhooks\//.test(path)) return { message: 'Unknown Webhook', code: 10015 };
      if (/^\/guilds\//.test(path)) return { message: 'Unknown Guild', code: 10004 };
      return { message: '404: Not Found', code: 0 };
    }
    default:
      return { message: `${status}: ${status >= 500 ? 'Internal Server Error' : 'Error'}`, code: 0 };
  }
}

export function knownMessageFor(code: number): string | undefined {
  const table: Record<number, string> = {
    10003: 'Unknown Channel',
    10004: 'Unknown Guild',
    10007: 'Unknown Member',
    10008: 'Unknown Message',
    10011: 'Unknown Role',
    10013: 'Unknown User',
    10014: 'Unknown Emoji',
    10015: 'Unknown Webhook',
    10062: 'Unknown interaction',
    40060: 'Interaction has already been acknowledged.',
    50001: 'Missing Access',
    50007: 'Cannot send messages to this user',
    50013: 'Missing Permissions',
    50035: 'Invalid Form Body',
  };
  return table[code];
}

export function writeResult(res: ServerResponse, result: RestResult): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...result.headers };
  if (result.status === 204 || result.body === undefined) {
    res.writeHead(result.status, headers);
    res.end();
    return;
  }
  if (typeof result.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    res.writeHead(result.status, headers);
    res.end(result.body);
    return;
  }
  headers['content-type'] = 'application/json';
  res.writeHead(result.status, headers);
  res.end(JSON.stringify(result.body));
}
