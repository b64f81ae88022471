/**
 * Seasons (SPEC §9): a window in which members' earnings from chosen sources make a board,
 * a ladder of prizes by rank, and an end that freezes the board and pays every prize once.
 *
 * The board is kept by the database in the entry's own statement (earn_periods rows
 * 's:<id>', migration 0009), so reading it costs what the week board costs. The end runs in
 * steps, each one transaction, each safe to repeat after a crash:
 *
 * 1. close (a moderator's end only): the window's end moves to now; from that statement on
 *    no entry counts, so the board stands still;
 * 2. freeze: the members' standing is read from Discord (outside any transaction), then one
 *    write places the winners (src/seasons/place.ts) into season_results and moves the
 *    season running → paying. A season already paying is not placed again;
 * 3. pay: each Sparks prize is its own write — a mint from the season issuance account under
 *    the key `season:<id>:sparks:<user>` and the row's transfer id, together — so a crash
 *    between two winners pays the rest on restart and nobody twice;
 * 4. roles: each role prize is asked of Discord through the safe role path (RoleGranter);
 *    granted, or refused (reported to the log channel, kept `failed`, retried when a
 *    moderator asks), or unknown (stays `pending`, tried again on the next pass). Asking
 *    twice for a role the member holds changes nothing, so a crash here is harmless;
 * 5. complete: with nothing unpaid and nothing pending, paying → ended and the winners are
 *    announced in the log channel (again after a restart until it was delivered).
 *
 * Only one pass per season runs at a time in a process. Across processes, the scheduler that
 * ends seasons on time runs in the one that leads, while a moderator's end runs in the one
 * that serves the guild; every step's write re-checks the state it moves from (freeze only
 * from running, each mint under its key, each role only from pending, ended only from
 * paying), so of two passes racing on one season, or a second after a handover, the later
 * finds nothing left to do.
 */
import type { AuditSink, AuditValue } from '../audit.ts';
import type { Clock } from '../core/clock.ts';
import { crashPoint } from '../core/crash.ts';
import { SparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { seasonStore } from '../db/pg/season-store.ts';
import { MAX_AMOUNT } from '../db/schema.ts';
import {
  seasonPeriod,
  type SeasonStoreApi,
  type SeasonPrizeRow,
  type SeasonResultRow,
  type SeasonRow,
} from '../db/season-store.ts';
import { ISSUANCE, MEMBER, type Ledger } from '../ledger/ledger.ts';
import type { FlagCheck } from '../members/flags.ts';
import type { RoleGranter } from '../shop/redemptions.ts';
import { parseEnds } from './ends.ts';
import { lastPrizeRank, placeWinners, type Candidate, type Standing } from './place.ts';
import { parseSources } from './sources.ts';
import './errors.ts';

export type { SeasonPrizeRow, SeasonResultRow, SeasonRow } from '../db/season-store.ts';

export const MAX_SEASON_NAME = 60;
export const MAX_BADGE = 40;
export const MAX_PRIZE_RANK = 1000;

/**
 * Where members stand in Discord now, for the end: in the server and rankable, gone, or
 * holding the leaderboard-excluded role. Rejects when Discord cannot say (the end waits).
 */
export interface MemberStandings {
  standings(
    guildId: string,
    userIds: readonly string[],
  ): Promise<Map<string, 'present' | 'left' | 'excluded'>>;
}

export interface SeasonPorts {
  standings: MemberStandings;
  roles: RoleGranter;
}

export interface SeasonView {
  season: SeasonRow;
  prizes: SeasonPrizeRow[];
}

export interface BoardPage {
  season: SeasonRow;
  /** Live while running; the frozen winners once paying or ended. */
  frozen: boolean;
  rows: { rank: number; userId: string; score: number }[];
  total: number;
}

export type FinishResult =
  | { state: 'waiting' }
  | { state: 'paying'; pendingRoles: number }
  | { state: 'ended'; winners: SeasonResultRow[] };

const invalid = (reasonKey: string, params: Record<string, string | number> = {}) =>
  new SparksError('SPARKS.SEASON_INVALID', { reasonKey, ...params }, reasonKey);

const SYSTEM = { type: 'system', id: 'season' } as const;

/**
 * Whether no new entry can count any more: ends_at is exclusive, and a moderator's end sets
 * it just past the millisecond of the end, so the entries stamped in that millisecond (already
 * written when the end was asked) still count.
 */
function windowClosed(season: Pick<SeasonRow, 'endsAt'>, now: number): boolean {
  return season.endsAt <= now + 1;
}

export class SeasonService {
  readonly store: SeasonStoreApi;
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private readonly audit: AuditSink;
  private readonly flags: FlagCheck;
  private readonly running = new Map<number, Promise<FinishResult>>();
  /** Seasons whose announcement this process recorded and the log channel has not yet taken. */
  private readonly announcing = new Set<number>();

  constructor(deps: { db: AppDb; ledger: Ledger; clock: Clock; audit: AuditSink; flags: FlagCheck }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.flags = deps.flags;
    this.store = seasonStore(deps.db);
  }

  /**
   * `/sparks-admin season start`. Starts counting now. Errors: SPARKS.SEASON_INVALID
   * (reasonKey season.invalid.name, ends.invalid, ends.past, ends.too_far,
   * season.invalid.sources, season.invalid.overlap: another season is running).
   */
  start(input: {
    guildId: string;
    name: string;
    ends: string;
    sources?: string | null;
    moderatorId: string;
  }): SeasonRow {
    const name = input.name.trim();
    if (name.length < 1 || name.length > MAX_SEASON_NAME)
      throw invalid('season.invalid.name', { max: MAX_SEASON_NAME });
    const now = this.clock();
    const endsAt = parseEnds(input.ends, now, 'SPARKS.SEASON_INVALID');
    const sources = parseSources(input.sources);
    const season = this.db.write(() => {
      const current = this.store.running(input.guildId);
      if (current) throw invalid('season.invalid.overlap', { name: current.name, endsAt: current.endsAt });
      return this.store.insert({
        guildId: input.guildId,
        name,
        sources,
        startsAt: now,
        endsAt,
        createdBy: input.moderatorId,
        now,
      });
    });
    this.audit.record({
      guildId: season.guildId,
      kind: 'season.start',
      actorId: input.moderatorId,
      fields: { Season: season.name, Ends: { type: 'time', at: season.endsAt } },
      at: now,
    });
    return season;
  }

  /**
   * `/sparks-admin season prize`: adds a prize for ranks rank_from..rank_to, or raises the
   * one already there for exactly that range (more Sparks; a role or a badge where there was
   * none). A role must already have passed the safe-role check at the edge. Errors:
   * SPARKS.SEASON_NOT_FOUND, SPARKS.SEASON_ENDED, SPARKS.SEASON_INVALID (reasonKey
   * season.invalid.ranks, season.invalid.overlap_prize, season.invalid.empty_prize,
   * season.invalid.lower, season.invalid.replace, season.invalid.badge).
   */
  prize(input: {
    guildId: string;
    season: string;
    rankFrom: number;
    rankTo: number;
    sparks?: number | null;
    roleId?: string | null;
    badge?: string | null;
    moderatorId: string;
  }): { prize: SeasonPrizeRow; raised: boolean } {
    const { rankFrom, rankTo } = input;
    if (
      !Number.isInteger(rankFrom) ||
      !Number.isInteger(rankTo) ||
      rankFrom < 1 ||
      rankTo < rankFrom ||
      rankTo > MAX_PRIZE_RANK
    )
      throw invalid('season.invalid.ranks', { max: MAX_PRIZE_RANK });
    const sparks = input.sparks ?? null;
    if (sparks !== null && (!Number.isInteger(sparks) || sparks < 1 || sparks > MAX_AMOUNT))
      throw new SparksError('SPARKS.OUT_OF_RANGE', { field: 'sparks', min: 1, max: MAX_AMOUNT });
    const badge = input.badge?.trim() || null;
    if (badge !== null && badge.length > MAX_BADGE) throw invalid('season.invalid.badge', { max: MAX_BADGE });
    const roleId = input.roleId ?? null;
    if (sparks === null && roleId === null && badge === null) throw invalid('season.invalid.empty_prize');
    const now = this.clock();
    const result = this.db.write(() => {
      const season = this.find(input.guildId, input.season);
      if (season.status !== 'running' || season.endsAt <= now)
        throw new SparksError('SPARKS.SEASON_ENDED', { name: season.name });
      const prizes = this.store.prizes(season.id);
      const same = prizes.find((p) => p.rankFrom === rankFrom && p.rankTo === rankTo);
      if (!same) {
        const clash = prizes.find((p) => p.rankFrom <= rankTo && rankFrom <= p.rankTo);
        if (clash) throw invalid('season.invalid.overlap_prize', { from: clash.rankFrom, to: clash.rankTo });
        const prize = this.store.insertPrize({
          seasonId: season.id,
          rankFrom,
          rankTo,
          sparks,
          roleId,
          badge,
          createdBy: input.moderatorId,
          now,
        });
        return { prize, raised: false, season };
      }
      // Raising: nothing a winner was promised may shrink or be swapped for something else.
      if (same.sparks !== null && sparks !== null && sparks < same.sparks)
        throw invalid('season.invalid.lower', { sparks: same.sparks });
      if (same.roleId !== null && roleId !== null && roleId !== same.roleId)
        throw invalid('season.invalid.replace', { what: 'role' });
      if (same.badge !== null && badge !== null && badge !== same.badge)
        throw invalid('season.invalid.replace', { what: 'badge' });
      const prize = this.store.raisePrize({
        id: same.id,
        sparks: sparks ?? same.sparks,
        roleId: roleId ?? same.roleId,
        badge: badge ?? same.badge,
        now,
      });
      return { prize, raised: true, season };
    });
    return { prize: result.prize, raised: result.raised };
  }

  /**
   * `/sparks-admin season end`: closes the window now. The end itself (freeze, pay) is the
   * runtime's `finish`. On an ended season with role prizes Discord refused, it puts them
   * back to be tried again (`retried` > 0). Errors: SPARKS.SEASON_NOT_FOUND,
   * SPARKS.SEASON_ENDED (ended or ending, and nothing to retry).
   */
  requestEnd(guildId: string, ref: string): { season: SeasonRow; retried: number } {
    const now = this.clock();
    return this.db.write(() => {
      const season = this.find(guildId, ref);
      if (season.status === 'running') {
        this.store.closeWindow(season.id, now);
        return { season: this.store.byId(season.id)!, retried: 0 };
      }
      const failed =
        season.status === 'ended'
          ? this.store.results(season.id).filter((r) => r.roleStatus === 'failed')
          : [];
      if (failed.length === 0) throw new SparksError('SPARKS.SEASON_ENDED', { name: season.name });
      this.store.reopenPayout(season.id);
      for (const r of failed) this.store.setRole(season.id, r.position, 'failed', 'pending', null, now);
      return { season: this.store.byId(season.id)!, retried: failed.length };
    });
  }

  /** A season by id (as autocomplete gives it) or by name, newest first. Errors: SPARKS.SEASON_NOT_FOUND. */
  find(guildId: string, ref: string): SeasonRow {
    const text = ref.trim();
    const byId = /^\d{1,9}$/.test(text) ? this.store.byId(Number(text)) : undefined;
    if (byId && byId.guildId === guildId) return byId;
    const key = text.toLowerCase();
    const byName = this.store.inGuild(guildId, 200).find((s) => s.name.toLowerCase() === key);
    if (!byName) throw new SparksError('SPARKS.SEASON_NOT_FOUND', { name: text.slice(0, 60) });
    return byName;
  }

  /** The running season, else the one that ended last; undefined when the guild never had one. */
  current(guildId: string): SeasonRow | undefined {
    return this.store.running(guildId) ?? this.store.inGuild(guildId, 1)[0];
  }

  /** Newest first, with their prizes. */
  list(guildId: string, limit = 25): SeasonView[] {
    return this.store
      .inGuild(guildId, limit)
      .map((season) => ({ season, prizes: this.store.prizes(season.id) }));
  }

  prizes(seasonId: number): SeasonPrizeRow[] {
    return this.store.prizes(seasonId);
  }

  /** A page of a season's board: live while it runs, the frozen winners after. */
  board(season: SeasonRow, options: { offset?: number; limit?: number } = {}): BoardPage {
    if (season.status === 'running') {
      const page = this.ledger.reads.periodBoard(season.guildId, seasonPeriod(season.id), options);
      return {
        season,
        frozen: false,
        rows: page.rows.map((r) => ({ rank: r.rank, userId: r.userId, score: r.score })),
        total: page.total,
      };
    }
    const winners = this.winners(season.id);
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 10;
    return {
      season,
      frozen: true,
      rows: winners
        .slice(offset, offset + limit)
        .map((r) => ({ rank: r.rank!, userId: r.userId, score: r.score })),
      total: winners.length,
    };
  }

  /** A member's place: live rank and score while running; their final rank (or null) after. */
  standing(season: SeasonRow, userId: string): { rank: number | null; score: number } {
    if (season.status === 'running')
      return this.ledger.reads.periodRankOf(season.guildId, userId, seasonPeriod(season.id));
    const r = this.store.results(season.id).find((x) => x.userId === userId);
    if (r) return { rank: r.rank, score: r.score };
    return {
      rank: null,
      score: this.ledger.reads.periodRankOf(season.guildId, userId, seasonPeriod(season.id)).score,
    };
  }

  /** The frozen winners of a season, best first. */
  winners(seasonId: number): SeasonResultRow[] {
    return this.store
      .results(seasonId)
      .filter((r) => r.rank !== null)
      .sort((a, b) => a.rank! - b.rank!);
  }

  /** The hall of fame: ended seasons, newest first, with their winners. */
  hallOfFame(guildId: string, limit = 10): { season: SeasonRow; winners: SeasonResultRow[] }[] {
    return this.store
      .inGuild(guildId, 100)
      .filter((s) => s.status !== 'running')
      .slice(0, limit)
      .map((season) => ({ season, winners: this.winners(season.id) }));
  }

  /** What a member won, season by season (their profile, `/sparks balance`). */
  memberPrizes(guildId: string, userId: string): { season: SeasonRow; result: SeasonResultRow }[] {
    return this.store.memberResults(guildId, userId).filter((r) => r.result.rank !== null);
  }

  /**
   * Seasons whose end is due (or under way), of every guild: what the
   * leader's scheduler finishes.
   */
  due(now = this.clock()): SeasonRow[] {
    return this.store.unfinished().filter((s) => s.status === 'paying' || windowClosed(s, now));
  }

  /** The soonest end among running seasons of every guild; null when none. */
  nextEnd(): number | null {
    const ends = this.store
      .unfinished()
      .filter((s) => s.status === 'running')
      .map((s) => s.endsAt);
    return ends.length ? Math.min(...ends) : null;
  }

  /**
   * Takes a due season as far as it goes: freeze, pay, roles, complete (see the module
   * comment). One pass per season at a time in this process; a second call joins it.
   */
  finish(seasonId: number, ports: SeasonPorts): Promise<FinishResult> {
    let pass = this.running.get(seasonId);
    if (!pass) {
      pass = this.runFinish(seasonId, ports).finally(() => this.running.delete(seasonId));
      this.running.set(seasonId, pass);
    }
    return pass;
  }

  /**
   * Announces ended seasons of every guild whose announcement never
   * reached the log channel, but not one this process announced already and whose delivery
   * is still under way (the leader calls this each time it takes the lead).
   */
  announceUnannounced(): void {
    for (const s of this.store.unannounced()) if (!this.announcing.has(s.id)) this.announce(s);
  }

  private async runFinish(seasonId: number, ports: SeasonPorts): Promise<FinishResult> {
    let season = this.store.byId(seasonId);
    if (!season) return { state: 'waiting' };
    if (season.status === 'running') {
      if (!windowClosed(season, this.clock())) return { state: 'waiting' };
      await this.freeze(season, ports.standings);
      season = this.store.byId(seasonId)!;
    }
    if (season.status === 'ended') return { state: 'ended', winners: this.winners(seasonId) };
    this.paySparks(season);
    await this.grantRoles(season, ports.roles);
    return this.complete(season);
  }

  private async freeze(season: SeasonRow, standings: MemberStandings): Promise<void> {
    const prizes = this.store.prizes(season.id);
    const last = lastPrizeRank(prizes);
    const now = this.clock();
    let limit = Math.max(50, last * 2 + 20);
    let placements;
    for (;;) {
      const rows = this.store.board(season.guildId, season.id, limit, 0);
      const full = rows.length === limit;
      // A tie straddling the page's end is taken whole, so the tie-break sees all of it.
      if (full) {
        const edge = rows[rows.length - 1]!.score;
        const seen = new Set(rows.map((r) => r.accountId));
        for (const r of this.store.tiedAt(season.guildId, season.id, edge))
          if (!seen.has(r.accountId)) rows.push(r);
      }
      const candidates: Candidate[] = rows.map((r) => ({
        accountId: r.accountId,
        userId: r.userId,
        score: r.score,
        reached: this.store.reached(r.accountId, season),
      }));
      const live = candidates.length
        ? await standings.standings(
            season.guildId,
            candidates.map((c) => c.userId),
          )
        : new Map<string, Standing>();
      const standing = (userId: string): Standing =>
        this.flags.isFlagged(season.guildId, userId) ? 'flagged' : (live.get(userId) ?? 'left');
      placements = placeWinners(candidates, standing, prizes);
      const placed = placements.filter((p) => p.rank !== null).length;
      if (!full || placed >= last) break;
      limit *= 4;
    }
    crashPoint('season.before-freeze');
    this.db.write(() => {
      if (!this.store.markFrozen(season.id, now)) return;
      for (const p of placements) {
        this.store.insertResult({
          seasonId: season.id,
          position: p.position,
          userId: p.candidate.userId,
          score: p.candidate.score,
          reachedTransferId: p.candidate.reached,
          rank: p.rank,
          skipReason: p.skipReason,
          prizeId: p.prize?.id ?? null,
          sparks: p.prize?.sparks ?? null,
          roleId: p.prize?.roleId ?? null,
          roleStatus: p.prize?.roleId ? 'pending' : 'none',
          badge: p.prize?.badge ?? null,
          updatedAt: now,
        });
      }
    });
    crashPoint('season.frozen');
  }

  private paySparks(season: SeasonRow): void {
    for (const r of this.store.results(season.id)) {
      if (r.rank === null || r.sparks === null || r.sparksTransferId !== null) continue;
      this.db.write(() => {
        const posted = this.ledger.post({
          guildId: season.guildId,
          kind: 'award',
          from: ISSUANCE('season'),
          to: MEMBER(r.userId),
          amount: r.sparks!,
          key: `season:${season.id}:sparks:${r.userId}`,
          actor: SYSTEM,
          reason: `${season.name}: rank ${r.rank}`,
          ref: `season:${season.id}`,
        });
        this.store.markSparksPaid(season.id, r.position, posted.transfer.id, this.clock());
      });
      crashPoint('season.paid-one');
    }
  }

  private async grantRoles(season: SeasonRow, roles: RoleGranter): Promise<void> {
    for (const r of this.store.results(season.id)) {
      if (r.roleStatus !== 'pending' || r.roleId === null) continue;
      const outcome = await roles.grant(r.userId, r.roleId, `Sparks: ${season.name} prize (rank ${r.rank})`);
      if (outcome.ok === 'unknown') continue;
      const now = this.clock();
      const failure = outcome.ok ? null : outcome.reason;
      const moved = this.db.write(() =>
        this.store.setRole(season.id, r.position, 'pending', outcome.ok ? 'granted' : 'failed', failure, now),
      );
      if (moved && !outcome.ok)
        this.audit.record({
          guildId: season.guildId,
          kind: 'season.prize_failed',
          userId: r.userId,
          reason: outcome.reason,
          fields: {
            Season: season.name,
            Rank: r.rank ?? 0,
            Role: { type: 'role', id: r.roleId },
            ...(outcome.detail ? { Detail: outcome.detail } : {}),
          },
          at: now,
        });
    }
  }

  private complete(season: SeasonRow): FinishResult {
    const results = this.store.results(season.id);
    const pending = results.filter((r) => r.roleStatus === 'pending').length;
    const unpaid = results.some((r) => r.rank !== null && r.sparks !== null && r.sparksTransferId === null);
    if (pending > 0 || unpaid) return { state: 'paying', pendingRoles: pending };
    const ended = this.db.write(() => this.store.markEnded(season.id, this.clock()));
    if (ended) this.announce(this.store.byId(season.id)!);
    return { state: 'ended', winners: this.winners(season.id) };
  }

  private announce(season: SeasonRow): void {
    const winners = this.winners(season.id);
    // end_reason: the log channel words it as it words a campaign's ('time is up', …).
    const fields: Record<string, AuditValue> = {
      Season: season.name,
      end_reason: season.endReason ?? 'time',
    };
    for (const w of winners.slice(0, 6)) {
      fields[`#${w.rank}`] = { type: 'user', id: w.userId };
      if (w.sparks !== null) fields[`#${w.rank} Sparks`] = w.sparks;
      if (w.roleId !== null) fields[`#${w.rank} Role`] = { type: 'role', id: w.roleId };
      if (w.badge !== null) fields[`#${w.rank} Badge`] = w.badge;
    }
    if (winners.length > 6) fields.Winners = winners.length;
    const skipped = this.store.results(season.id).filter((r) => r.rank === null);
    if (skipped.length) fields.Skipped = skipped.length;
    this.announcing.add(season.id);
    this.audit.record({
      guildId: season.guildId,
      kind: 'season.end',
      fields,
      at: this.clock(),
      onDelivered: () => {
        this.announcing.delete(season.id);
        this.db.write(() => this.store.markAnnounced(season.id, this.clock()));
      },
    });
  }
}
