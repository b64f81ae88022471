import { DAY_MS, isoWeekKey, utcDayStart, type Clock } from '../core/clock.ts';
import { CampaignStore } from '../db/campaign-store.ts';
import { LedgerReportStore } from '../db/export-store.ts';
import type { Db } from '../db/open.ts';
import { PlatformStore, type ReferralFunnel } from '../db/platform-store.ts';
import type { TransferKind } from '../db/schema.ts';
import { ShopStore } from '../db/shop-store.ts';

export type { ReferralFunnel } from '../db/platform-store.ts';

export const ISSUING_SOURCES = ['campaign', 'award', 'platform'] as const;
export type IssuingSource = (typeof ISSUING_SOURCES)[number];

/** The entries that put new Sparks in members' hands, by source (funding a budget is not issuing). */
const ISSUED: Record<IssuingSource, readonly TransferKind[]> = {
  campaign: ['campaign.grant'],
  award: ['award'],
  platform: ['platform.trade', 'platform.subscription', 'platform.referral'],
};
const SPENT: TransferKind = 'hold.post';
const EARNING_KINDS = Object.values(ISSUED).flat();

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

/**
 * The dashboard's analytics: a few series computed on the server from the stores (grouped
 * by UTC day of each entry's created_at), each a plain number array a chart can draw.
 */
export class AdminAnalytics {
  private readonly reports: LedgerReportStore;
  private readonly campaigns: CampaignStore;
  private readonly shop: ShopStore;
  private readonly platform: PlatformStore;
  private readonly clock: Clock;

  constructor(deps: { db: Db; clock: Clock }) {
    this.reports = new LedgerReportStore(deps.db);
    this.campaigns = new CampaignStore(deps.db);
    this.shop = new ShopStore(deps.db);
    this.platform = new PlatformStore(deps.db);
    this.clock = deps.clock;
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
    for (const row of this.reports.dailyTotals(guildId, [...EARNING_KINDS, SPENT], window[0]!)) {
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
    for (const row of this.reports.dailyEarners(guildId, EARNING_KINDS, window[0]!)) {
      const i = row.day - first;
      if (i >= 0 && i < days) values[i] = row.n;
    }
    return { days: window, values };
  }

  /** Members whose earnings in the ISO week (UTC) are positive, for the last `weeks` weeks. */
  activeEarnersWeekly(guildId: string, weeks = 8): WeeklySeries {
    const now = this.clock();
    const keys = Array.from({ length: weeks }, (_, i) => isoWeekKey(now - (weeks - 1 - i) * 7 * DAY_MS));
    const counts = new Map(
      this.reports
        .earnersInPeriods(
          guildId,
          keys.map((k) => `w:${k}`),
        )
        .map((r) => [r.period.slice(2), r.n]),
    );
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
    return this.platform.referralFunnel(guildId);
  }
}
