import type { AccountType } from '../db/schema.ts';

export interface AccountKey {
  type: AccountType;
  ref: string;
  /**
   * Member accounts: whether Discord shows the member rankable at this moment, when the
   * caller knows (a reaction event carries the member's roles). A new account is opened
   * with that flag, and no check after commit is needed. Ignored for an existing account.
   */
  ranked?: boolean;
}

/** Where minted Sparks come from: one issuance account per source, per guild. */
/**
 * 'season': season prizes, which count for no season (migration 0009). 'quest': quest
 * rewards and 'streak': streak milestone bonuses (src/streaks), which a season counts as its
 * `quests` source (migration 0011).
 */
export type IssuanceSource = 'award' | 'campaign' | 'platform' | 'season' | 'quest' | 'streak';

export const MEMBER = (ref: string, ranked?: boolean): AccountKey =>
  ranked === undefined ? { type: 'member', ref } : { type: 'member', ref, ranked };
export const ISSUANCE = (source: IssuanceSource): AccountKey => ({ type: 'issuance', ref: source });
export const HOLDS: AccountKey = { type: 'hold', ref: 'shop' };
export const REDEEMED: AccountKey = { type: 'redeemed', ref: 'shop' };
export const CAMPAIGN_BUDGET = (campaignId: number): AccountKey => ({
  type: 'campaign',
  ref: String(campaignId),
});

/**
 * Whether an entry between `account` and `counterparty` moves `account`'s lifetime earned
 * (and its weekly and monthly earnings): only a member's, and only for Sparks that come
 * from, or go back to, an issuance or campaign account. Spending, holds and refunds never
 * count; a revoke or a reversal of a grant un-earns.
 *
 * The database keeps its own copy of this rule in the `transfers_apply`, `transfers_earned`
 * and `transfers_unearned` triggers (drizzle/0004_fast_grants.sql), which are what actually
 * move the columns; tests/ledger/earnings.test.ts pins the two equal for every pair of
 * account types.
 */
export function movesLifetime(account: AccountType, counterparty: AccountType): boolean {
  return account === 'member' && (counterparty === 'issuance' || counterparty === 'campaign');
}
