/**
 * The shop's words: what a member or moderator reads about rewards and redemptions, in
 * their language. Pure text (no discord.js at run time), so the web can word a shop outcome
 * exactly as the bot does.
 */
import { isSparksError, SparksError } from '../core/errors.ts';
import { durationParts } from '../shop/duration.ts';
import type { InputKind } from '../shop/input.ts';
import type { FailureCode, FulfilResult, RedemptionView } from '../shop/redemptions.ts';
import { inputKindOf, type RewardRow } from '../shop/rewards.ts';
import { MAX_FREEZES } from '../streaks/fold.ts';
import type { MessageKey, Translate } from './i18n/index.ts';
import type { RoleFailure } from './roles.ts';

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
    case 'streak_freeze':
      return t('shop.kind.streak_freeze', { max: MAX_FREEZES });
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
      if (reward.kind === 'streak_freeze')
        return withBalance(t('shop.done.streak_freeze', { name: reward.name, cost: r.cost }));
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
