import type {
  AccountRow,
  EntryFilter,
  EntryView,
  LedgerReadStore,
  RankedRow,
  TransferRow,
} from '../db/ledger-store.ts';
import type { TransferKind } from '../db/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { AccountKey } from './accounts.ts';
import { periodKey } from './periods.ts';

export type LeaderboardPeriod = 'all' | 'lifetime' | 'week' | 'month';

export interface LeaderboardPage {
  period: LeaderboardPeriod;
  rows: (RankedRow & { rank: number })[];
  total: number;
}

export interface MemberStanding {
  balance: number;
  lifetimeEarned: number;
  /** 1-based, by balance; null when the member is not ranked (left, or excluded). */
  rank: number | null;
  ranked: boolean;
}

export interface HistoryPage {
  entries: EntryView[];
  /** Pass back as `before` for the next (older) page; null when this is the last page. */
  nextCursor: number | null;
  /** Pass back as `after` for the previous (newer) page; null when nothing newer exists. */
  prevCursor: number | null;
}

/**
 * The ledger's read model: accounts and entries, a member's standing and history, the
 * leaderboards. It never writes; every figure comes from the balances, rollups and rank
 * counts the database's triggers keep in the posting transaction, so a read is never
 * behind the last commit. Safe to call inside a write (it then sees that write's entries).
 */
export class LedgerReads {
  private readonly store: LedgerReadStore;
  private readonly clock: Clock;

  constructor(deps: { store: LedgerReadStore; clock: Clock }) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  account(guildId: string, key: AccountKey): AccountRow | undefined {
    return this.store.findAccount(guildId, key.type, key.ref);
  }

  accountById(id: number): AccountRow | undefined {
    return this.store.accountById(id);
  }

  /** The entry posted under (guild, idempotency key), if any. */
  transferByKey(guildId: string, key: string): TransferRow | undefined {
    return this.store.transferByKey(guildId, key);
  }

  transferById(id: number): TransferRow | undefined {
    return this.store.transferById(id);
  }

  /** Balance, lifetime earned and all-time rank (by balance) of one member. */
  standing(guildId: string, userId: string): MemberStanding {
    const account = this.store.findAccount(guildId, 'member', userId);
    if (!account) return { balance: 0, lifetimeEarned: 0, rank: null, ranked: true };
    const ranked = account.ranked === 1;
    return {
      balance: account.balance,
      lifetimeEarned: account.lifetimeEarned,
      rank: ranked ? this.store.countAhead(guildId, 'balance', account.balance, account.id) + 1 : null,
      ranked,
    };
  }

  /**
   * A member's entries, newest first, `limit` per page. Cursors are entry ids, so a page
   * never shifts when new entries arrive: `before` = the last id seen gives the next (older)
   * page, `after` = the first id seen gives the previous (newer) one. Without either, the
   * newest page. With a `filter`, only the entries it matches, paged the same way.
   */
  history(
    guildId: string,
    userId: string,
    options: { before?: number | null; after?: number | null; limit?: number; filter?: EntryFilter } = {},
  ): HistoryPage {
    const limit = clampInt(options.limit ?? 10, 1, 100);
    const account = this.store.findAccount(guildId, 'member', userId);
    if (!account) return { entries: [], nextCursor: null, prevCursor: null };
    const { filter } = options;
    const older = (cursor: number, n: number) =>
      filter
        ? this.store.historyWhere(account.id, filter, cursor, n)
        : this.store.history(account.id, cursor, n);
    const newer = (cursor: number, n: number) =>
      filter
        ? this.store.historyWhereAfter(account.id, filter, cursor, n)
        : this.store.historyAfter(account.id, cursor, n);
    if (options.after != null) {
      const rows = newer(options.after, limit + 1);
      const entries = rows.slice(-limit);
      const beyond = entries.length ? older(entries.at(-1)!.id, 1) : [];
      return {
        entries,
        nextCursor: beyond.length ? entries.at(-1)!.id : null,
        prevCursor: rows.length > limit ? entries[0]!.id : null,
      };
    }
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    const rows = older(before, limit + 1);
    const entries = rows.slice(0, limit);
    const above = options.before != null && entries.length ? newer(entries[0]!.id, 1) : [];
    return {
      entries,
      nextCursor: rows.length > limit ? entries[entries.length - 1]!.id : null,
      prevCursor: above.length ? entries[0]!.id : null,
    };
  }

  /**
   * One page of a leaderboard. 'all' ranks by balance, 'lifetime' by lifetime earned,
   * 'week'/'month' by Sparks earned in the current ISO week / calendar month (UTC).
   * Only ranked members (in the guild, not excluded) with a positive score appear; ties
   * go to the member whose account was opened first.
   */
  leaderboard(
    guildId: string,
    period: LeaderboardPeriod,
    options: { offset?: number; limit?: number } = {},
  ): LeaderboardPage {
    const limit = clampInt(options.limit ?? 10, 1, 100);
    const offset = clampInt(options.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    let rows: RankedRow[];
    let total: number;
    if (period === 'all' || period === 'lifetime') {
      const column = period === 'all' ? 'balance' : 'lifetime';
      rows = this.store.top(guildId, column, limit, offset);
      total = this.store.countRanked(guildId, column);
    } else {
      const key = periodKey(period, this.clock());
      rows = this.store.periodTop(guildId, key, limit, offset);
      total = this.store.periodCount(guildId, key);
    }
    return { period, rows: rows.map((r, i) => ({ ...r, rank: offset + i + 1 })), total };
  }

  /** A member's rank and score on a leaderboard; rank null when not ranked there. */
  rankOf(guildId: string, userId: string, period: LeaderboardPeriod): { rank: number | null; score: number } {
    const account = this.store.findAccount(guildId, 'member', userId);
    if (!account) return { rank: null, score: 0 };
    let score: number;
    let ahead: number;
    if (period === 'all' || period === 'lifetime') {
      const column = period === 'all' ? 'balance' : 'lifetime';
      score = column === 'balance' ? account.balance : account.lifetimeEarned;
      ahead = this.store.countAhead(guildId, column, score, account.id);
    } else {
      const key = periodKey(period, this.clock());
      score = this.store.periodEarned(guildId, key, account.id);
      ahead = this.store.periodAhead(guildId, key, score, account.id);
    }
    if (account.ranked !== 1 || score <= 0) return { rank: null, score };
    return { rank: ahead + 1, score };
  }

  /**
   * A page of the board kept under an earn_periods key (a season's 's:<id>'): ranked members
   * with a positive score, ties to the account opened first. `total` from rank_counts.
   */
  periodBoard(
    guildId: string,
    key: string,
    options: { offset?: number; limit?: number } = {},
  ): { rows: (RankedRow & { rank: number })[]; total: number } {
    const limit = clampInt(options.limit ?? 10, 1, 100);
    const offset = clampInt(options.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const rows = this.store.periodTop(guildId, key, limit, offset);
    return {
      rows: rows.map((r, i) => ({ ...r, rank: offset + i + 1 })),
      total: this.store.periodCount(guildId, key),
    };
  }

  /** A member's rank and score on the board under an earn_periods key (see `periodBoard`). */
  periodRankOf(guildId: string, userId: string, key: string): { rank: number | null; score: number } {
    const account = this.store.findAccount(guildId, 'member', userId);
    if (!account) return { rank: null, score: 0 };
    const score = this.store.periodEarned(guildId, key, account.id);
    if (account.ranked !== 1 || score <= 0) return { rank: null, score };
    return { rank: this.store.periodAhead(guildId, key, score, account.id) + 1, score };
  }

  /** Sparks of `kind` posted by `actorId` since `since` (for daily limits; call inside the write). */
  sumByActorSince(guildId: string, kind: TransferKind, actorId: string, since: number): number {
    return this.store.sumByActorSince(guildId, kind, actorId, since);
  }
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
