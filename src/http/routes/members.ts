import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ledger } from '../../ledger/ledger.ts';
import { fieldErrors } from '../../platform/schemas.ts';
import type { ReferralQuality } from '../../platform/referral-quality.ts';
import { formatUsd } from '../../platform/schemas.ts';
import type { TierService } from '../../tiers/tiers.ts';
import { sendError } from '../errors.ts';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');
const params = z.object({ discordUserId: snowflake });
const query = z.object({
  guild_id: snowflake.optional(),
  limit: z
    .string()
    .regex(/^\d{1,2}$/, 'must be a whole number from 1 to 50')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'))
    .optional(),
});

/**
 * GET /v1/members/:discordUserId — what the platform's account page shows. Registered
 * only when a token is configured (otherwise the route does not exist: 404). The token
 * is compared as SHA-256 digests with timingSafeEqual, so neither its content nor its
 * length leaks through timing. A member the bot has never seen reads as zeros.
 */
export function membersRoute(
  app: FastifyInstance,
  deps: {
    ledger: Ledger;
    tiers: TierService;
    referrals: ReferralQuality;
    token: string;
    defaultGuildId: string | undefined;
  },
): void {
  const expected = digest(deps.token);
  app.get('/v1/members/:discordUserId', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(
        reply,
        401,
        'HTTP.UNAUTHORIZED',
        match ? 'the bearer token is not valid' : 'an Authorization: Bearer <token> header is required',
      );
    }
    const p = params.safeParse(request.params);
    const q = query.safeParse(request.query);
    const errors = [
      ...(p.success ? [] : fieldErrors(p.error.issues).map((e) => ({ ...e, path: 'discord_user_id' }))),
      ...(q.success ? [] : fieldErrors(q.error.issues)),
    ];
    if (!p.success || !q.success)
      return sendError(reply, 400, 'HTTP.INVALID_PARAMS', 'invalid request', errors);
    const guildId = q.data.guild_id ?? deps.defaultGuildId;
    if (!guildId) {
      return sendError(reply, 400, 'HTTP.INVALID_PARAMS', 'invalid request', [
        { path: 'guild_id', message: 'is required: no default guild is set' },
      ]);
    }
    const userId = p.data.discordUserId;
    const standing = deps.ledger.reads.standing(guildId, userId);
    const { tier, next } = deps.tiers.standing(guildId, standing.lifetimeEarned);
    const { entries } = deps.ledger.reads.history(guildId, userId, { limit: q.data.limit ?? 10 });
    const invitees = deps.referrals.invitees(guildId, userId, 50);
    const shares = deps.referrals.totals(guildId, userId);
    return reply.send({
      guild_id: guildId,
      discord_user_id: userId,
      balance: standing.balance,
      lifetime_earned: standing.lifetimeEarned,
      rank: standing.rank,
      tier: tier ? { role_id: tier.roleId, threshold: tier.threshold } : null,
      next_tier: next ? { role_id: next.roleId, threshold: next.threshold } : null,
      recent_entries: entries.map((e) => ({
        id: e.id,
        kind: e.kind,
        amount: e.delta,
        reason: e.reason,
        created_at: new Date(e.createdAt).toISOString(),
      })),
      referrals: {
        pending_sparks: shares.pending,
        credited_sparks: shares.credited,
        lapsed_sparks: shares.lapsed,
        total_invitees: invitees.total,
        invitees: invitees.items.map((i) => ({
          discord_user_id: i.inviteeUserId,
          status: i.status,
          referred_at: new Date(i.referredAt).toISOString(),
          qualify_by: i.qualifyBy === null ? null : new Date(i.qualifyBy).toISOString(),
          volume_usd: formatUsd(i.volumeCents),
          qualify_volume_usd: i.qualifyVolumeCents === null ? null : formatUsd(i.qualifyVolumeCents),
          pending_sparks: i.pending,
          credited_sparks: i.credited,
          lapsed_sparks: i.lapsed,
        })),
      },
    });
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
