import type { FastifyInstance } from 'fastify';
import type { ApplyResult, PlatformService } from '../../platform/service.ts';
import { crashPoint } from '../../core/crash.ts';
import { parseEvent } from '../../platform/schemas.ts';
import { sendError } from '../errors.ts';
import type { SignatureVerifier } from '../signature.ts';

/** Inbound events are small; anything bigger is refused before it is read further. */
export const EVENT_BODY_LIMIT = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * POST /v1/events. Order of refusals: media type (415) and size (413) while reading,
 * then signature (401) over the raw bytes, then JSON (400), then the schema (400 with
 * field errors), then the domain (409/422). Only a verified, valid event reaches the
 * ledger, and any refusal writes nothing.
 */
export function eventsRoute(
  app: FastifyInstance,
  deps: { platform: PlatformService; verifier: SignatureVerifier; defaultGuildId: string | undefined },
): void {
  app.post('/v1/events', { bodyLimit: EVENT_BODY_LIMIT }, async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      // No body was read: either no Content-Type at all, or an empty JSON body.
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        return sendError(reply, 415, 'HTTP.UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
      }
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verified = deps.verifier.verify(raw, request.headers);
    if (!verified.ok) return sendError(reply, 401, verified.code, verified.message);

    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(raw));
    } catch (e) {
      const message =
        e instanceof SyntaxError ? `the body is not valid JSON: ${e.message}` : 'the body is not UTF-8';
      return sendError(reply, 400, 'HTTP.INVALID_JSON', message);
    }
    const parsed = parseEvent(json, deps.defaultGuildId);
    if (!parsed.ok) return sendError(reply, 400, 'HTTP.INVALID_BODY', 'the event is invalid', parsed.errors);

    const result = await deps.platform.submit(verified.id, parsed.event);
    // Committed, not yet acknowledged: a crash here makes the sender retry a done event.
    crashPoint('webhook.before-reply');
    request.log.info(
      { eventId: result.eventId, type: result.type, status: result.status, sparks: result.sparks },
      'platform event',
    );
    return reply.code(200).send(toJson(result));
  });
}

/** The reply body: snake_case, like the events themselves. */
export function toJson(result: ApplyResult): Record<string, unknown> {
  return {
    status: result.status,
    ...(result.status === 'duplicate' ? { original_status: result.originalStatus } : {}),
    event_id: result.eventId,
    type: result.type,
    guild_id: result.guildId,
    sparks: result.sparks,
    credits: result.credits.map((c) => ({
      discord_user_id: c.userId,
      kind: c.kind,
      amount: c.amount,
      entry_id: c.entryId,
    })),
    ...(result.firstSubscription === undefined ? {} : { first_subscription: result.firstSubscription }),
    ...(result.pendingShare
      ? {
          pending_referral_share: {
            referrer_discord_user_id: result.pendingShare.referrerId,
            amount: result.pendingShare.amount,
          },
        }
      : {}),
    ...(result.referral
      ? {
          referral: {
            referrer_discord_user_id: result.referral.referrerId,
            invitee_discord_user_id: result.referral.inviteeId,
            registered_by_event: result.referral.registeredBy,
          },
        }
      : {}),
    ...(result.note ? { note: result.note } : {}),
  };
}
