import { DAY_MS, isoWeekKey, utcDayStart, type Clock } from '../core/clock.ts';
import type { CampaignStoreApi } from '../db/campaign-store.ts';
import type { AppDb } from '../db/engine.ts';
import { campaignStore } from '../db/pg/campaign-store.ts';
import { rollupStore } from '../db/pg/rollup-store.ts';
import type { ReferralFunnel, RollupStoreApi } from '../db/rollup-store.ts';
import type { TransferKind } from '../db/schema.ts';
import { shopStore } from '../db/pg/shop-store.ts';
import type { ShopStoreApi } from '../db/shop-store.ts';
import {
  EARNING_KINDS,
  ISSUED,
  ISSUING_SOURCES,
  type CatchUp,
  type IssuingSource,
  type LedgerRollup,
} from './ledger-rollup.ts';

export type { ReferralFunnel } from '../db/rollup-store.ts';
export { ISSUING_SOURCES, type IssuingSource } from './ledger-rollup.ts';

const SPENT: TransferKind = 'hold.post';

/** One value per UTC day, oldest first; `days[i]` is the start of day i (ms). */
export interface DailySeries {
  days: number[];
  values: number[];
}

export interface Flows {
  days: number[];
  issued: Record<IssuingSource, number[]>;
  /** Sparks spent in the shop (redemptions completed). */
  spent: number[];
}

export interface WeeklySeries {
  /** ISO week keys ('2026-18'), oldest first. */
  weeks: string[];
  values: number[];
}

export interface RewardRedemptions {
  rewardId: number;
  name: string;
  redemptions: number;
  sparks: number;
}

export interface CampaignParticipation {
  id: number;
  name: string;
  claims: number;
  granted: number;
  active: boolean;
}

/** Chunks a page read folds before answering; a larger backlog is the timer's (src/discord/plugins/ledger-rollup.ts). */
const READ_CHUNKS = 2;

/**
 * The dashboard's analytics: a few series computed on the server (grouped by UTC day of
 * each entry's created_at), each a plain number array a chart can draw. The journal
 * figures come from the ledger rollup, so they cover the entries up to its watermark:
 * `catchUp()` first, and show the watermark when it is not caught up.
 */
export class AdminAnalytics {
  private readonly rollupReads: RollupStoreApi;
  private readonly rollup: LedgerRollup;
  private readonly campaigns: CampaignStoreApi;
  private readonly shop: ShopStoreApi;
  private readonly clock: Clock;

  constructor(deps: { db: AppDb; clock: Clock; rollup: LedgerRollup }) {
    this.rollupReads = rollupStore(deps.db);
    this.rollup = deps.rollup;
    this.campaigns = campaignStore(deps.db);
    this.shop = shopStore(deps.db);
    this.clock = deps.clock;
  }

  /** Folds the newest entries into the rollup (at most a couple of chunks) and says where it stands. */
  catchUp(): CatchUp {
    return this.rollup.catchUp(READ_CHUNKS);
  }

  /** The UTC days of the window ending today, oldest first. */
  window(days: number): number[] {
    const today = utcDayStart(this.clock());
    return Array.from({ length: days }, (_, i) => today - (days - 1 - i) * DAY_MS);
  }

  /** Sparks issued per day by source, against Sparks spent in the shop (the program's inflation). */
  flows(guildId: string, days = 30): Flows {
    const window = this.window(days);
    const first = window[0]! / DAY_MS;
    const zeros = () => window.map(() => 0);
    const issued = { campaign: zeros(), award: zeros(), platform: zeros() };
    const spent = zeros();
    const sourceOf = new Map<TransferKind, IssuingSource>(
      ISSUING_SOURCES.flatMap((s) => ISSUED[s].map((k) => [k, s] as const)),
    );
    for (const row of this.rollupReads.dailyTotals(guildId, [...EARNING_KINDS, SPENT], first)) {
      const i = row.day - first;
      if (i < 0 || i >= days) continue;
      const source = sourceOf.get(row.kind);
      if (source) issued[source][i]! += row.amount;
      else spent[i]! += row.amount;
    }
    return { days: window, issued, spent };
  }

  /** Members who earned Sparks (a grant, an award, a platform credit), per UTC day. */
  activeEarnersDaily(guildId: string, days = 30): DailySeries {
    const window = this.window(days);
    const first = window[0]! / DAY_MS;
    const values = window.map(() => 0);
    for (const row of this.rollupReads.dailyEarners(guildId, first)) {
      const i = row.day - first;
      if (i >= 0 && i < days) values[i] = row.n;
    }
    return { days: window, values };
  }

  /** Members whose earnings in the ISO week (UTC) are positive, for the last `weeks` weeks. */
  activeEarnersWeekly(guildId: string, weeks = 8): WeeklySeries {
    const now = this.clock();
    const keys = Array.from({ length: weeks }, (_, i) => isoWeekKey(now - (weeks - 1 - i) * 7 * DAY_MS));
    const counts = new Map(this.rollupReads.weeklyEarners(guildId, keys).map((r) => [r.week, r.n]));
    return { weeks: keys, values: keys.map((k) => counts.get(k) ?? 0) };
  }

  /** Redemptions not refunded in the last `days` days, per reward, most redeemed first. */
  redemptionsByReward(guildId: string, days = 30): RewardRedemptions[] {
    return this.shop.redemptionsByReward(guildId, this.window(days)[0]!);
  }

  /** Claims of the guild's latest campaigns, newest first. */
  campaignParticipation(guildId: string, limit = 12): CampaignParticipation[] {
    return this.campaigns.latest(guildId, limit).map((c) => ({
      id: c.id,
      name: c.name,
      claims: c.claims,
      granted: c.granted,
      active: c.status === 'active',
    }));
  }

  referralFunnel(guildId: string): ReferralFunnel {
    return this.rollupReads.referralFunnel(guildId);
  }
}
