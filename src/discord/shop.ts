/**
 * The shop's Discord side shared by its commands and its plugin (plugins/shop.ts): the
 * role granter the redemption service is given, telling members how a redemption ended,
 * and the wording of shop outcomes and refusals.
 */
import type { Client, Guild } from 'discord.js';
import { isSparksError, SparksError } from '../core/errors.ts';
import type { Services } from '../services.ts';
import { durationParts } from '../shop/duration.ts';
import type { InputKind } from '../shop/input.ts';
import type {
  FailureCode,
  FulfilResult,
  RedeemOutcome,
  RedeemRequest,
  RedemptionView,
  RoleGranter,
} from '../shop/redemptions.ts';
import { inputKindOf, type RewardRow } from '../shop/rewards.ts';
import { localeOf, translator, type MessageKey, type Translate } from './i18n/index.ts';
import { NO_MENTIONS } from './reply.ts';
import type { ShopRuntime } from './plugins/shop.ts';
import { grantRole, memberHasRole, type RoleFailure } from './roles.ts';

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

/** The one-line outcome of a settled redemption, for a DM or a note. */
export function noteText(t: Translate, r: RedemptionView, server: string): string {
  return r.status === 'fulfilled'
    ? t('shop.note.fulfilled', { name: r.rewardName, server: `**${server}**` })
    : t('shop.note.refunded', {
        name: r.rewardName,
        server: `**${server}**`,
        reason: failureReason(t, r.failureCode),
        cost: r.cost,
      });
}

export function failureReason(t: Translate, code: string | null): string {
  return t(`shop.failure.${(code ?? 'discord_unavailable') as FailureCode}` as MessageKey);
}

/** `1d 12h`, `7일` — compact, in the reader's language. */
export function formatDuration(t: Translate, seconds: number): string {
  return durationParts(seconds)
    .map((p) => t(`shop.unit.${p.unit}` as MessageKey, { n: p.n }))
    .join(' ');
}

export function inputLabel(t: Translate, reward: RewardRow): string | null {
  const kind: InputKind | null = inputKindOf(reward);
  if (kind === null) return null;
  return reward.inputLabel ?? t(`shop.input_label.${kind}` as MessageKey);
}

/** What a member gets, in one line. */
export function rewardGives(t: Translate, reward: RewardRow): string {
  const role = reward.roleId ? `<@&${reward.roleId}>` : '';
  switch (reward.kind) {
    case 'role':
      return reward.durationSeconds
        ? t('shop.kind.role_for', { role, duration: formatDuration(t, reward.durationSeconds) })
        : t('shop.kind.role', { role });
    case 'badge':
      return reward.roleId ? t('shop.kind.badge_role', { role }) : t('shop.kind.badge');
    case 'manual':
      return t('shop.kind.manual');
  }
}

/** The admin-facing fix for a role that cannot be handed out. */
export function roleUnsafe(t: Translate, roleId: string, failure: RoleFailure): SparksError {
  const permissions = failure.reason === 'role_dangerous' ? failure.permissions.join(', ') : '';
  return new SparksError('SPARKS.ROLE_UNSAFE', {
    reason: t(`shop.fix.${failure.reason}`, { role: `<@&${roleId}>`, permissions }),
  });
}

/**
 * Shop errors carry a stable `problem` key; this words it in the caller's language as the
 * message's reason or hint. Other errors pass through unchanged.
 */
export function localizeShopError(e: unknown, t: Translate, label?: string): unknown {
  if (isSparksError(e, 'SPARKS.REWARD_INVALID') && typeof e.params.problem === 'string') {
    return new SparksError(e.code, {
      reason: t(`shop.invalid.${e.params.problem}` as MessageKey, e.params),
    });
  }
  if (isSparksError(e, 'SPARKS.REDEEM_INPUT_INVALID') && typeof e.params.problem === 'string') {
    return new SparksError(e.code, {
      label: label ?? String(e.params.label),
      hint: t(`shop.input.${e.params.problem}` as MessageKey),
    });
  }
  return e;
}

/** What the member reads once a redemption they just confirmed ends (or stays pending). */
export function outcomeText(
  t: Translate,
  result: FulfilResult | { status: 'fulfilled' | 'pending_manual'; redemption: RedemptionView },
  reward: RewardRow,
  options: { balance?: number; restarting?: boolean } = {},
): string {
  const r = result.redemption;
  const role = reward.roleId ? `<@&${reward.roleId}>` : '';
  const withBalance = (text: string) =>
    options.balance === undefined ? text : `${text}\n${t('shop.done.balance', { balance: options.balance })}`;
  switch (result.status) {
    case 'fulfilled':
      if (reward.kind === 'badge')
        return withBalance(t('shop.done.badge', { name: reward.name, cost: r.cost }));
      if (r.expiresAt !== null) {
        const s = Math.floor(r.expiresAt / 1000);
        return withBalance(
          t('shop.done.role_until', {
            name: reward.name,
            cost: r.cost,
            role,
            until: `<t:${s}:f>`,
            relative: `<t:${s}:R>`,
          }),
        );
      }
      return withBalance(t('shop.done.role', { name: reward.name, cost: r.cost, role }));
    case 'pending_manual':
      return withBalance(t('shop.done.manual', { name: reward.name, cost: r.cost }));
    case 'refunded':
      return withBalance(t('error.SPARKS.FULFILMENT_FAILED', { reason: failureReason(t, result.failure) }));
    case 'unknown':
      return t(options.restarting ? 'shop.done.restarting' : 'shop.done.unknown', { role, cost: r.cost });
    case 'already':
      return alreadyText(t, r);
  }
}

/** A second click on a confirmation that already did its work. */
export function alreadyText(t: Translate, r: RedemptionView): string {
  switch (r.status) {
    case 'reserved':
      return t('shop.already.reserved');
    case 'pending_manual':
      return t('shop.already.pending_manual', { name: r.rewardName });
    case 'fulfilled':
      return t('shop.already.fulfilled', { name: r.rewardName });
    case 'refunded':
      return t('shop.already.refunded', { reason: failureReason(t, r.failureCode) });
  }
}
