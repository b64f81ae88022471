/**
 * Every HTTP error leaves as `{ error: <stable code>, message, errors? }` with a 4xx for
 * anything the caller sent, so malformed input never becomes a 5xx. Unexpected failures
 * are logged with the request id and answered 500 without a stack or internal message.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSparksError, type ErrorCode } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { isPlatformError, type PlatformErrorCode } from '../platform/errors.ts';
import type { FieldError } from '../platform/schemas.ts';

export const HTTP_ERROR_CODES = [
  'WEBHOOK.MISSING_HEADER',
  'WEBHOOK.BAD_TIMESTAMP',
  'WEBHOOK.STALE_TIMESTAMP',
  'WEBHOOK.FUTURE_TIMESTAMP',
  'WEBHOOK.BAD_SIGNATURE',
  'HTTP.INVALID_JSON',
  'HTTP.INVALID_BODY',
  'HTTP.INVALID_PARAMS',
  'HTTP.BODY_TOO_LARGE',
  'HTTP.UNSUPPORTED_MEDIA_TYPE',
  'HTTP.UNAUTHORIZED',
  'HTTP.NOT_FOUND',
  'HTTP.BAD_REQUEST',
  'HTTP.INTERNAL',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export interface ErrorBody {
  error: HttpErrorCode | PlatformErrorCode | ErrorCode;
  message: string;
  errors?: FieldError[];
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorBody['error'],
  message: string,
  errors?: FieldError[],
): FastifyReply {
  const body: ErrorBody = errors ? { error: code, message, errors } : { error: code, message };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

const PLATFORM_STATUS: Record<PlatformErrorCode, number> = {
  'PLATFORM.INVALID_EVENT_ID': 400,
  'PLATFORM.EVENT_CONFLICT': 409,
  'PLATFORM.SELF_REFERRAL': 422,
  'PLATFORM.REFERRAL_CYCLE': 422,
  'PLATFORM.AMOUNT_OUT_OF_RANGE': 422,
};

/** Framework refusals that happen before a handler runs, as the caller should see them. */
const FRAMEWORK: Record<string, [number, HttpErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'HTTP.BODY_TOO_LARGE', 'the body is larger than this endpoint accepts'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'HTTP.UNSUPPORTED_MEDIA_TYPE',
    'Content-Type must be application/json',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'HTTP.BAD_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'HTTP.INVALID_JSON', 'the body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'HTTP.INVALID_JSON', 'the body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'HTTP.BAD_REQUEST', 'the URL is malformed'],
};

/** Installs the one error path: framework errors, domain errors, then the unexpected. */
/** The machine-facing paths: an unknown one answers JSON even when the web is on. */
export function isApiPath(url: string): boolean {
  return /^\/(v\d+|healthz|metrics)(\/|\?|$)/.test(url);
}

export function installErrorHandlers(
  app: FastifyInstance,
  logger: Logger,
  /** With the web on, a page for every other unknown path. */
  notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply,
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = error.code ? FRAMEWORK[error.code] : undefined;
    if (known) return sendError(reply, known[0], known[1], known[2]);
    if (isPlatformError(error))
      return sendError(reply, PLATFORM_STATUS[error.code], error.code, error.message);
    if (isSparksError(error)) return sendError(reply, 422, error.code, error.message);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return sendError(reply, status, 'HTTP.BAD_REQUEST', 'the request was refused');
    logger.error({ err: error, reqId: request.id, url: request.url }, 'unexpected error in an HTTP handler');
    return sendError(reply, 500, 'HTTP.INTERNAL', `internal error (reference ${request.id})`);
  });
  app.setNotFoundHandler((request, reply) =>
    notFoundPage && !isApiPath(request.url)
      ? notFoundPage(request, reply)
      : sendError(reply, 404, 'HTTP.NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
