/**
 * The shop's Discord side shared by its commands and its plugin (plugins/shop.ts): the
 * one redeem flow, the role granter the redemption service is given, and telling members
 * how a redemption ended. The wording of shop outcomes and refusals is in shop-text.ts
 * (re-exported here), which the web reads too.
 */
import type { Client, Guild } from 'discord.js';
import type { Services } from '../services.ts';
import type { RedeemOutcome, RedeemRequest, RedemptionView, RoleGranter } from '../shop/redemptions.ts';
import { localeOf, translator } from './i18n/index.ts';
import { NO_MENTIONS } from './reply.ts';
import { noteText } from './shop-text.ts';
import type { ShopRuntime } from './plugins/shop.ts';
import { grantRole, memberHasRole } from './roles.ts';

/**
 * Redeems a reward for a member: the one implementation behind `/sparks redeem`'s Confirm
 * and the web shop's form. Reserves (idempotent on `req.key`), then, for a reservation
 * that needs Discord, calls `onHeld` (an interaction acknowledges there) and grants the
 * role through the bot's safe path, posting or voiding the hold. Once the Sparks are held
 * the grant runs to its end whatever happens to the caller; an unknown answer is left to
 * the shop plugin's recovery. Without a running shop (stopped, or left out of the app) the
 * grant runs unwatched. `onHeld` must not throw (the member's Sparks are held by then).
 * Errors: those of `RedemptionService.reserve`, nothing held then.
 */
export async function redeemReward(
  deps: { services: Services; client: Client; runtime: ShopRuntime | undefined },
  req: RedeemRequest,
  options: { onHeld?: () => Promise<void> } = {},
): Promise<RedeemOutcome> {
  const { services, client, runtime } = deps;
  const guild = client.guilds.cache.get(req.guildId) ?? (await client.guilds.fetch(req.guildId));
  const { redemption, reward, duplicate } = services.redemptions.reserve(req);
  if (duplicate) return { reward, duplicate, result: { status: 'already', redemption }, restarting: false };
  if (redemption.status === 'fulfilled' || redemption.status === 'pending_manual')
    return { reward, duplicate, result: { status: redemption.status, redemption }, restarting: false };
  await options.onHeld?.();
  const result = await services.redemptions.fulfil(redemption, roleGranter(guild, runtime?.signal), {
    notified: true,
  });
  const restarting = runtime?.signal.aborted === true;
  if (result.status === 'fulfilled' && result.redemption.expiresAt !== null) runtime?.expiriesChanged();
  if (result.status === 'unknown' && !restarting) runtime?.recoverSoon();
  return { reward, duplicate, result, restarting };
}

/**
 * Hands out roles through the safe path of roles.ts. Besides its answers, it reports
 * "unknown" when Discord cannot say whether the role was applied (even the member could not
 * be read) or when `signal` aborted the call because the bot is stopping: the redemption
 * then stays reserved and recovery decides by looking at the member.
 */
export function roleGranter(guild: Guild, signal?: AbortSignal): RoleGranter {
  return {
    async grant(userId, roleId, auditReason) {
      let change;
      try {
        change = await withSignal(signal, (s) =>
          grantRole(guild, userId, roleId, auditReason, { signal: s }),
        );
      } catch (e) {
        if (signal?.aborted) return { ok: 'unknown' };
        throw e;
      }
      if (change.ok) return { ok: true };
      if (change.reason === 'discord_unavailable') {
        if (signal?.aborted) return { ok: 'unknown' };
        // roles.ts already looked at the member after an ambiguous failure; "not there" and
        // "could not look" read the same there, and only the first may be refunded.
        const holds = await memberHasRole(guild, userId, roleId);
        if (holds === true) return { ok: true };
        if (holds === 'left') return { ok: false, reason: 'member_left', permanent: false };
        if (holds === null) return { ok: 'unknown' };
      }
      return {
        ok: false,
        reason: change.reason,
        permanent: change.permanent,
        ...(change.reason === 'role_dangerous' ? { detail: change.permissions.join(', ') } : {}),
      };
    },
    holds: (userId, roleId) => memberHasRole(guild, userId, roleId),
  };
}

/**
 * Runs `fn` with a signal of its own that follows `parent`. discord.js adds an abort
 * listener to the signal of every request and never removes it; a long-lived signal (the
 * bot's) would collect one per role change.
 */
export async function withSignal<T>(
  parent: AbortSignal | undefined,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!parent) return fn(undefined);
  const local = new AbortController();
  const follow = () => local.abort(parent.reason);
  if (parent.aborted) local.abort(parent.reason);
  else parent.addEventListener('abort', follow, { once: true });
  try {
    return await fn(local.signal);
  } finally {
    parent.removeEventListener('abort', follow);
  }
}

/**
 * Tells a member how a redemption they are not watching ended (a moderator's decision, a
 * recovery after a restart) by DM, in the server's language. When DMs are closed the
 * redemption stays un-notified and the plugin shows it the next time they use /sparks.
 * Returns whether the DM went out.
 */
export async function notifyByDm(
  client: Client,
  services: Services,
  redemption: RedemptionView,
): Promise<boolean> {
  const guild = client.guilds.cache.get(redemption.guildId);
  const t = translator(localeOf(guild?.preferredLocale));
  try {
    await client.users.send(redemption.userId, {
      content: noteText(t, redemption, guild?.name ?? redemption.guildId),
      allowedMentions: NO_MENTIONS,
    });
  } catch (err) {
    services.logger.debug({ err, redemptionId: redemption.id }, 'could not DM the member about a redemption');
    return false;
  }
  services.redemptions.markNotified(redemption.id);
  return true;
}

export * from './shop-text.ts';
