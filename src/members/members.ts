import { type Clock, systemClock } from '../core/clock.ts';
import type { AppDb } from '../db/engine.ts';
import type { BadgeRow, MembersStoreApi } from '../db/members-store.ts';
import { membersStore } from '../db/pg/members-store.ts';
import { prefsStore } from '../db/pg/prefs-store.ts';
import type { PrefsStoreApi, QuestNotices } from '../db/prefs-store.ts';
import type { RollupStoreApi } from '../db/rollup-store.ts';
import { rollupStore } from '../db/pg/rollup-store.ts';
import { TRANSFER_KINDS, type TransferKind } from '../db/schema.ts';
import type {
  EntryFilter,
  EntryView,
  HistoryPage,
  LeaderboardPage,
  LeaderboardPeriod,
  Ledger,
  TransferRow,
} from '../ledger/ledger.ts';
import { MEMBER } from '../ledger/ledger.ts';
import type { TierProgress, TierService } from '../tiers/tiers.ts';

export interface Profile {
  balance: number;
  lifetimeEarned: number;
  /** By balance among ranked members with Sparks; null when not ranked. */
  rank: number | null;
  /** False when the member left or holds the leaderboard-excluded role. */
  ranked: boolean;
  tier: TierProgress;
  badges: BadgeRow[];
}

/** Where an entry's Sparks came from or went, with names looked up. */
export type EntrySource =
  | { type: 'award'; moderatorId: string }
  /** A streak's milestone bonus (src/streaks): `days` from its ref `streak:<days>`. */
  | { type: 'streak'; days: number | null }
  | { type: 'revoke'; moderatorId: string }
  | { type: 'campaign'; campaignId: number | null; name: string | null }
  | { type: 'quest'; questId: number | null; name: string | null }
  | { type: 'platform'; event: 'trade' | 'subscription' | 'referral' }
  | { type: 'redemption'; redemptionId: number | null; reward: string | null }
  | { type: 'refund'; redemptionId: number | null; reward: string | null }
  | { type: 'reversal'; of: EntrySource }
  | { type: 'other'; kind: string };

export interface HistoryItem {
  id: number;
  delta: number;
  source: EntrySource;
  reason: string;
  createdAt: number;
}

export interface HistoryView extends Omit<HistoryPage, 'entries'> {
  items: HistoryItem[];
}

export interface LeaderboardView extends LeaderboardPage {
  /** 1-based page actually shown (clamped to the last one). */
  page: number;
  pages: number;
  /** The page asked for no longer exists (the board shrank): the last page is shown instead. */
  clamped: boolean;
  /** The caller: their rank and score on this board, and whether they can be ranked at all. */
  you: { rank: number | null; score: number; ranked: boolean };
}

/** What a history filter's `kind` keeps: Sparks in (but refunds), Sparks out, refunds. */
export const HISTORY_KINDS = ['earned', 'spent', 'refunds'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];
/** Where an entry's Sparks came from or went: moderators, campaigns, the platform, the shop. */
export const HISTORY_SOURCES = ['award', 'campaign', 'platform', 'shop'] as const;
export type HistorySource = (typeof HISTORY_SOURCES)[number];

/** Which entries a history page shows; absent fields keep everything. */
export interface HistoryFilter {
  kind?: HistoryKind;
  source?: HistorySource;
  /** Posted at or after this instant (ms). */
  from?: number;
  /** Posted before this instant (ms). */
  to?: number;
}

const SOURCE_KINDS: Record<HistorySource, readonly TransferKind[]> = {
  award: ['award', 'revoke'],
  campaign: ['campaign.grant', 'campaign.fund', 'campaign.return'],
  platform: ['platform.trade', 'platform.subscription', 'platform.referral'],
  shop: ['hold', 'hold.post', 'hold.void'],
};

const KIND_FILTERS: Record<HistoryKind, Pick<EntryFilter, 'kinds' | 'direction'>> = {
  earned: { kinds: TRANSFER_KINDS.filter((k) => k !== 'hold.void'), direction: 'in' },
  spent: { kinds: null, direction: 'out' },
  refunds: { kinds: ['hold.void'], direction: null },
};

/** The sources a member's earnings are broken down by, in the order a chart shows them. */
export const EARNING_SOURCES = ['award', 'campaign', 'trade', 'subscription', 'referral'] as const;
export type EarningSource = (typeof EARNING_SOURCES)[number];

const EARNING_SOURCE_OF: Partial<Record<TransferKind, EarningSource>> = {
  award: 'award',
  revoke: 'award',
  'campaign.grant': 'campaign',
  'campaign.fund': 'campaign',
  'campaign.return': 'campaign',
  'platform.trade': 'trade',
  'platform.subscription': 'subscription',
  'platform.referral': 'referral',
};

export const HISTORY_PAGE_SIZE = 10;
export const LEADERBOARD_PAGE_SIZE = 10;

/**
 * What members read about themselves and each other: profile, history, leaderboards. It
 * also keeps the `ranked` flag of member accounts true to Discord (members who left or
 * hold the excluded role are not ranked), fed by the Discord side.
 */
export class MembersService {
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly tiers: TierService;
  private readonly store: MembersStoreApi;
  private readonly prefs: PrefsStoreApi;
  private readonly earned: RollupStoreApi;
  private readonly clock: Clock;

  constructor(deps: { db: AppDb; ledger: Ledger; tiers: TierService; clock?: Clock }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.tiers = deps.tiers;
    this.clock = deps.clock ?? systemClock;
    this.store = membersStore(deps.db);
    this.prefs = prefsStore(deps.db);
    this.earned = rollupStore(deps.db);
  }

  profile(guildId: string, userId: string): Profile {
    const account = this.ledger.reads.account(guildId, MEMBER(userId));
    const balance = account?.balance ?? 0;
    const lifetimeEarned = account?.lifetimeEarned ?? 0;
    return {
      balance,
      lifetimeEarned,
      rank: this.ledger.reads.rankOf(guildId, userId, 'all').rank,
      ranked: (account?.ranked ?? 1) === 1,
      tier: this.tiers.progress(guildId, lifetimeEarned),
      badges: this.store.badges(guildId, userId),
    };
  }

  /**
   * One page of a member's entries, newest first, each with its source named; with a
   * filter, only the entries it keeps (cursors work the same way). A reversal counts
   * under the source of what it corrects.
   */
  history(
    guildId: string,
    userId: string,
    cursor: { before?: number | null; after?: number | null } = {},
    limit = HISTORY_PAGE_SIZE,
    filter: HistoryFilter = {},
  ): HistoryView {
    const { entries, ...page } = this.ledger.reads.history(guildId, userId, {
      ...cursor,
      limit,
      filter: entryFilter(filter),
    });
    const names = new Names(this.store, this.ledger, guildId);
    return {
      ...page,
      items: entries.map((e) => ({
        id: e.id,
        delta: e.delta,
        source: sourceOf(e, names),
        reason: e.reason,
        createdAt: e.createdAt,
      })),
    };
  }

  /**
   * What a member earned, net of revokes and corrections, by source, in EARNING_SOURCES
   * order; sources with nothing are left out. The sums add up to their lifetime earned.
   */
  earningsBySource(guildId: string, userId: string): { source: EarningSource; sparks: number }[] {
    const totals = new Map<EarningSource, number>();
    const account = this.ledger.reads.account(guildId, MEMBER(userId));
    for (const { kind, sparks } of account ? this.earned.earnedByKind(account.id) : []) {
      const source = EARNING_SOURCE_OF[kind];
      if (source) totals.set(source, (totals.get(source) ?? 0) + sparks);
    }
    return EARNING_SOURCES.filter((s) => (totals.get(s) ?? 0) !== 0).map((source) => ({
      source,
      sparks: totals.get(source)!,
    }));
  }

  /** Whether the member chose to be left unnamed on the web leaderboard. */
  leaderboardHidden(guildId: string, userId: string): boolean {
    return this.prefs.leaderboardHidden(guildId, userId);
  }

  /** Of these members, the ones the web leaderboard must not name. */
  hiddenOnLeaderboard(guildId: string, userIds: readonly string[]): Set<string> {
    return this.prefs.hiddenAmong(guildId, userIds);
  }

  /**
   * A member's own choice to be shown on, or hidden from, the web leaderboard (their rank
   * stays, so the board still matches Discord's; only their name and avatar go). The one
   * implementation behind `/sparks privacy` and the web page's toggle. Returns whether it
   * changed anything.
   */
  setLeaderboardHidden(guildId: string, userId: string, hidden: boolean): boolean {
    const now = this.clock();
    return this.db.write(() => this.prefs.setLeaderboardHidden(guildId, userId, hidden, now));
  }

  /** How the member wants a completed quest announced: by DM (default) or in their next quest reply. */
  questNotices(guildId: string, userId: string): QuestNotices {
    return this.prefs.questNotices(guildId, userId);
  }

  /** The member's choice of how completed quests are announced (`/sparks privacy quest_notices`). */
  setQuestNotices(guildId: string, userId: string, notices: QuestNotices): boolean {
    const now = this.clock();
    return this.db.write(() => this.prefs.setQuestNotices(guildId, userId, notices, now));
  }

  /** A leaderboard page (1-based), clamped to the last page, with the caller's own standing. */
  leaderboard(
    guildId: string,
    period: LeaderboardPeriod,
    page: number,
    /** The visitor, for their own row; null for an anonymous web visitor. */
    callerId: string | null,
    pageSize = LEADERBOARD_PAGE_SIZE,
  ): LeaderboardView {
    const wanted = Math.max(1, Math.trunc(page));
    let board = this.ledger.reads.leaderboard(guildId, period, {
      offset: (wanted - 1) * pageSize,
      limit: pageSize,
    });
    const pages = Math.max(1, Math.ceil(board.total / pageSize));
    let shown = wanted;
    if (wanted > pages) {
      shown = pages;
      board = this.ledger.reads.leaderboard(guildId, period, {
        offset: (pages - 1) * pageSize,
        limit: pageSize,
      });
    }
    const account = callerId === null ? undefined : this.ledger.reads.account(guildId, MEMBER(callerId));
    return {
      ...board,
      page: shown,
      pages,
      clamped: shown !== wanted,
      you:
        callerId === null
          ? { rank: null, score: 0, ranked: false }
          : { ...this.ledger.reads.rankOf(guildId, callerId, period), ranked: (account?.ranked ?? 1) === 1 },
    };
  }

  /** Sets one member's ranked flag; true when it changed (a member without an account has none). */
  setRanked(guildId: string, userId: string, ranked: boolean): boolean {
    const account = this.ledger.reads.account(guildId, MEMBER(userId));
    if (!account || (account.ranked === 1) === ranked) return false;
    this.ledger.setRanked(guildId, userId, ranked);
    return true;
  }

  /**
   * Makes every member account's ranked flag match `rankable` (user id → rankable, for every
   * current member of the guild); accounts of anyone not in it (they left) are unranked.
   * One transaction; returns how many flags changed.
   */
  reconcileRanked(guildId: string, rankable: ReadonlyMap<string, boolean>): number {
    return this.db.write(() => {
      let changed = 0;
      for (const { userId, ranked } of this.store.memberAccounts(guildId)) {
        const want = rankable.get(userId) ?? false;
        if ((ranked === 1) !== want) {
          // The ledger owns accounts; this loop is already inside one write.
          this.ledger.setRanked(guildId, userId, want);
          changed++;
        }
      }
      return changed;
    });
  }
}

/** A HistoryFilter as the ledger's entry filter; undefined when it keeps everything. */
function entryFilter(f: HistoryFilter): EntryFilter | undefined {
  if (!f.kind && !f.source && f.from === undefined && f.to === undefined) return undefined;
  const byKind = f.kind ? KIND_FILTERS[f.kind] : { kinds: null, direction: null };
  const bySource = f.source ? SOURCE_KINDS[f.source] : null;
  const kinds =
    byKind.kinds && bySource ? byKind.kinds.filter((k) => bySource.includes(k)) : (byKind.kinds ?? bySource);
  return { kinds, direction: byKind.direction, from: f.from ?? null, to: f.to ?? null };
}

/** Looks names up once per page. */
class Names {
  private readonly campaigns = new Map<number, string | null>();
  private readonly rewards = new Map<number, string | null>();
  private readonly quests = new Map<number, string | null>();
  constructor(
    private readonly store: MembersStoreApi,
    private readonly ledger: Ledger,
    private readonly guildId: string,
  ) {}

  transfer(id: number): TransferRow | undefined {
    const t = this.ledger.reads.transferById(id);
    return t?.guildId === this.guildId ? t : undefined;
  }

  campaign(id: number): string | null {
    if (!this.campaigns.has(id)) this.campaigns.set(id, this.store.campaignName(this.guildId, id));
    return this.campaigns.get(id)!;
  }

  quest(id: number): string | null {
    if (!this.quests.has(id)) this.quests.set(id, this.store.questName(this.guildId, id));
    return this.quests.get(id)!;
  }

  reward(redemptionId: number): string | null {
    if (!this.rewards.has(redemptionId))
      this.rewards.set(redemptionId, this.store.rewardOfRedemption(this.guildId, redemptionId));
    return this.rewards.get(redemptionId)!;
  }
}

/** `campaign:12` → ['campaign', 12]; anything else → [prefix, null]. */
function parseRef(ref: string | null): [string, number | null] {
  if (!ref) return ['', null];
  const i = ref.indexOf(':');
  const prefix = i < 0 ? ref : ref.slice(0, i);
  const id = i < 0 ? NaN : Number(ref.slice(i + 1));
  return [prefix, Number.isSafeInteger(id) ? id : null];
}

function sourceOf(e: EntryView, names: Names): EntrySource {
  const [prefix, ref] = parseRef(e.ref);
  const id = prefix === 'campaign' ? ref : null;
  const redemption = prefix === 'redemption' ? ref : null;
  switch (e.kind) {
    case 'award':
      // Quest rewards are minted as awards from ISSUANCE('quest') (ref quest:<id>).
      if (prefix === 'quest')
        return { type: 'quest', questId: ref, name: ref === null ? null : names.quest(ref) };
      if (e.counterpartyType === 'issuance' && e.counterpartyRef === 'streak')
        return { type: 'streak', days: prefix === 'streak' ? ref : null };
      return { type: 'award', moderatorId: e.actorId };
    case 'revoke':
      return { type: 'revoke', moderatorId: e.actorId };
    case 'campaign.grant':
    case 'campaign.fund':
    case 'campaign.return':
      return { type: 'campaign', campaignId: id, name: id === null ? null : names.campaign(id) };
    case 'platform.trade':
      return { type: 'platform', event: 'trade' };
    case 'platform.subscription':
      return { type: 'platform', event: 'subscription' };
    case 'platform.referral':
      return { type: 'platform', event: 'referral' };
    case 'hold':
    case 'hold.post':
      return {
        type: 'redemption',
        redemptionId: redemption,
        reward: redemption === null ? null : names.reward(redemption),
      };
    case 'hold.void':
      return {
        type: 'refund',
        redemptionId: redemption,
        reward: redemption === null ? null : names.reward(redemption),
      };
    case 'reversal': {
      // What it corrects: the entry it closes (a reversal never closes another reversal).
      const original = e.closesId === null ? undefined : names.transfer(e.closesId);
      const of: EntrySource =
        original && original.kind !== 'reversal'
          ? sourceOf(
              {
                ...original,
                delta: -e.delta,
                counterpartyType: e.counterpartyType,
                counterpartyRef: e.counterpartyRef,
              },
              names,
            )
          : { type: 'other', kind: 'entry' };
      return { type: 'reversal', of };
    }
  }
}
