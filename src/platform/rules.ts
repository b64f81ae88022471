/**
 * Earn rules for platform events: pure functions of (rates, input), integer arithmetic
 * only, every division rounding down. No clock, no database — PlatformService decides
 * what is applied, these decide how much.
 */
import type { EarnRates } from '../settings/settings.ts';

type Rates = Pick<
  EarnRates,
  | 'tradeSparksPer100Usd'
  | 'subscriptionSparks'
  | 'planSparks'
  | 'firstSubscriptionBonus'
  | 'referralTradeSharePct'
  | 'referralFirstSubPct'
>;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * floor(volumeCents × tradeSparksPer100Usd / 10 000): at the default 10 per 100 USD,
 * one Spark per whole 10 USD. Computed in BigInt (cents × rate can pass 2^53) and
 * saturating at Number.MAX_SAFE_INTEGER, far above any postable amount.
 */
export function tradeSparks(rates: Pick<Rates, 'tradeSparksPer100Usd'>, volumeCents: number): number {
  const sparks = (BigInt(volumeCents) * BigInt(rates.tradeSparksPer100Usd)) / 10_000n;
  return Number(sparks > SAFE ? SAFE : sparks);
}

/** The plan's own rate if the guild set one, else the flat subscription rate. */
export function planSparks(rates: Pick<Rates, 'planSparks' | 'subscriptionSparks'>, plan: string): number {
  // Own properties only: a plan called "constructor" must not read Object.prototype.
  return Object.hasOwn(rates.planSparks, plan) ? rates.planSparks[plan]! : rates.subscriptionSparks;
}

/** Sparks for a subscription: the plan's Sparks, plus the bonus on a (honoured) first one. */
export function subscriptionSparks(
  rates: Pick<Rates, 'planSparks' | 'subscriptionSparks' | 'firstSubscriptionBonus'>,
  plan: string,
  first: boolean,
): number {
  return planSparks(rates, plan) + (first ? rates.firstSubscriptionBonus : 0);
}

/** floor(inviteeTradeSparks × referralTradeSharePct / 100). */
export function referralTradeShare(
  rates: Pick<Rates, 'referralTradeSharePct'>,
  inviteeTradeSparks: number,
): number {
  return percentOf(inviteeTradeSparks, rates.referralTradeSharePct);
}

/** floor(inviteeSubscriptionSparks × referralFirstSubPct / 100), on the first subscription only. */
export function referralFirstSubShare(
  rates: Pick<Rates, 'referralFirstSubPct'>,
  inviteeSubscriptionSparks: number,
): number {
  return percentOf(inviteeSubscriptionSparks, rates.referralFirstSubPct);
}

/**
 * How much of `amount` fits under a daily cap given what was already earned today:
 * everything when there is no cap, never below zero; the rest is not credited.
 */
export function capToDaily(cap: number | null, earnedToday: number, amount: number): number {
  if (cap === null) return amount;
  return Math.max(0, Math.min(amount, cap - earnedToday));
}

function percentOf(amount: number, pct: number): number {
  return Number((BigInt(amount) * BigInt(pct)) / 100n);
}
