import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { seasonPrizes, seasonResults, seasons } from './schema.ts';

export type SeasonRow = typeof seasons.$inferSelect;
export type SeasonPrizeRow = typeof seasonPrizes.$inferSelect;
export type SeasonResultRow = typeof seasonResults.$inferSelect;
export type NewSeasonResult = Omit<SeasonResultRow, 'sparksTransferId' | 'roleFailure'>;

/** One member on a season's live board, in board order (score, then account opened first). */
export interface SeasonBoardRow {
  accountId: number;
  userId: string;
  score: number;
  /** 1 while the member is rankable (in the guild, not excluded). */
  ranked: number;
}

const p = {
  id: sql.placeholder('id'),
  guildId: sql.placeholder('guildId'),
  seasonId: sql.placeholder('seasonId'),
  now: sql.placeholder('now'),
};

/** The earn_periods key of a season's board (the triggers of migration 0009 write it). */
export const seasonPeriod = (seasonId: number): string => `s:${seasonId}`;

/**
 * Owner of `seasons`, `season_prizes` and `season_results`. It also reads a season's board
 * from earn_periods (owned by ledger-store; written by the season triggers) and the journal
 * for the tie-break. Writes run inside the caller's `db.write`.
 */
export class SeasonStore {
  private readonly s;

  constructor(db: Db) {
    const { orm, sqlite } = db;
    this.s = {
      insert: orm
        .insert(seasons)
        .values({
          guildId: p.guildId,
          name: sql.placeholder('name'),
          sources: sql.placeholder('sources'),
          startsAt: sql.placeholder('startsAt'),
          endsAt: sql.placeholder('endsAt'),
          createdBy: sql.placeholder('createdBy'),
          createdAt: p.now,
        })
        .returning()
        .prepare(),
      byId: orm.select().from(seasons).where(eq(seasons.id, p.id)).prepare(),
      inGuild: orm
        .select()
        .from(seasons)
        .where(eq(seasons.guildId, p.guildId))
        .orderBy(desc(seasons.id))
        .limit(sql.placeholder('limit'))
        .prepare(),
      running: orm
        .select()
        .from(seasons)
        .where(and(eq(seasons.guildId, p.guildId), eq(seasons.status, 'running')))
        .prepare(),
      unfinished: orm
        .select()
        .from(seasons)
        .where(inArray(seasons.status, ['running', 'paying']))
        .orderBy(asc(seasons.endsAt))
        .prepare(),
      unannounced: orm
        .select()
        .from(seasons)
        .where(and(eq(seasons.status, 'ended'), isNull(seasons.announcedAt)))
        .prepare(),
      prizes: orm
        .select()
        .from(seasonPrizes)
        .where(eq(seasonPrizes.seasonId, p.seasonId))
        .orderBy(asc(seasonPrizes.rankFrom))
        .prepare(),
      insertPrize: orm
        .insert(seasonPrizes)
        .values({
          seasonId: p.seasonId,
          rankFrom: sql.placeholder('rankFrom'),
          rankTo: sql.placeholder('rankTo'),
          sparks: sql.placeholder('sparks'),
          roleId: sql.placeholder('roleId'),
          badge: sql.placeholder('badge'),
          createdBy: sql.placeholder('createdBy'),
          createdAt: p.now,
          updatedAt: p.now,
        })
        .returning()
        .prepare(),
      results: orm
        .select()
        .from(seasonResults)
        .where(eq(seasonResults.seasonId, p.seasonId))
        .orderBy(asc(seasonResults.position))
        .prepare(),
      insertResult: orm
        .insert(seasonResults)
        .values({
          seasonId: p.seasonId,
          position: sql.placeholder('position'),
          userId: sql.placeholder('userId'),
          score: sql.placeholder('score'),
          reachedTransferId: sql.placeholder('reachedTransferId'),
          rank: sql.placeholder('rank'),
          skipReason: sql.placeholder('skipReason'),
          prizeId: sql.placeholder('prizeId'),
          sparks: sql.placeholder('sparks'),
          roleId: sql.placeholder('roleId'),
          roleStatus: sql.placeholder('roleStatus'),
          badge: sql.placeholder('badge'),
          updatedAt: sql.placeholder('updatedAt'),
        })
        .prepare(),
      memberResults: orm
        .select({ result: seasonResults, season: seasons })
        .from(seasonResults)
        .innerJoin(seasons, eq(seasons.id, seasonResults.seasonId))
        .where(and(eq(seasonResults.userId, sql.placeholder('userId')), eq(seasons.guildId, p.guildId)))
        .orderBy(desc(seasonResults.seasonId))
        .prepare(),
    };
    this.raw = {
      // Updates as raw statements with named parameters: drizzle's builder takes no
      // placeholder in SET.
      closeWindow: sqlite.prepare<{ id: number; now: number }>(
        // Exclusive end: entries stamped up to and including this millisecond count.
        `UPDATE seasons SET ends_at = min(ends_at, @now + 1), end_reason = 'moderator'
         WHERE id = @id AND status = 'running'`,
      ),
      markFrozen: sqlite.prepare<{ id: number; now: number }>(
        `UPDATE seasons SET status = 'paying', frozen_at = @now, end_reason = coalesce(end_reason, 'time')
         WHERE id = @id AND status = 'running'`,
      ),
      markEnded: sqlite.prepare<{ id: number; now: number }>(
        `UPDATE seasons SET status = 'ended', ended_at = @now WHERE id = @id AND status = 'paying'`,
      ),
      reopen: sqlite.prepare<{ id: number }>(
        `UPDATE seasons SET status = 'paying' WHERE id = @id AND status = 'ended'`,
      ),
      markAnnounced: sqlite.prepare<{ id: number; now: number }>(
        `UPDATE seasons SET announced_at = @now WHERE id = @id AND announced_at IS NULL`,
      ),
      raisePrize: sqlite.prepare<
        { id: number; sparks: number | null; roleId: string | null; badge: string | null; now: number },
        SeasonPrizeRow
      >(
        `UPDATE season_prizes SET sparks = @sparks, role_id = @roleId, badge = @badge, updated_at = @now
         WHERE id = @id
         RETURNING id, season_id AS seasonId, rank_from AS rankFrom, rank_to AS rankTo, sparks,
                   role_id AS roleId, badge, created_by AS createdBy, created_at AS createdAt,
                   updated_at AS updatedAt`,
      ),
      markSparksPaid: sqlite.prepare<{ seasonId: number; position: number; transferId: number; now: number }>(
        `UPDATE season_results SET sparks_transfer_id = @transferId, updated_at = @now
         WHERE season_id = @seasonId AND position = @position AND sparks_transfer_id IS NULL`,
      ),
      setRole: sqlite.prepare<{
        seasonId: number;
        position: number;
        from: string;
        to: string;
        failure: string | null;
        now: number;
      }>(
        `UPDATE season_results SET role_status = @to, role_failure = @failure, updated_at = @now
         WHERE season_id = @seasonId AND position = @position AND role_status = @from`,
      ),
      // The live board: like the week/month boards' read (earn_periods_ranked), plus the
      // unranked rows when the end needs to say who was passed over.
      board: sqlite.prepare<
        { guildId: string; period: string; limit: number; offset: number },
        SeasonBoardRow
      >(
        `SELECT e.account_id AS accountId, a.ref AS userId, e.earned AS score, e.ranked AS ranked
         FROM (SELECT account_id, earned, ranked FROM earn_periods
               WHERE guild_id = @guildId AND period = @period AND earned > 0
               ORDER BY earned DESC, account_id ASC LIMIT @limit OFFSET @offset) e
         JOIN accounts a ON a.id = e.account_id
         ORDER BY e.earned DESC, e.account_id ASC`,
      ),
      tiedAt: sqlite.prepare<{ guildId: string; period: string; score: number }, SeasonBoardRow>(
        `SELECT e.account_id AS accountId, a.ref AS userId, e.earned AS score, e.ranked AS ranked
         FROM earn_periods e JOIN accounts a ON a.id = e.account_id
         WHERE e.guild_id = @guildId AND e.period = @period AND e.earned = @score
         ORDER BY e.account_id ASC`,
      ),
      // The last entry inside the window that moved this account's season score: the same
      // rule as the season triggers (migration 0009), read back for one member.
      reached: sqlite.prepare<
        { accountId: number; startsAt: number; endsAt: number; sources: number },
        { id: number | null }
      >(
        `SELECT MAX(id) AS id FROM (
           SELECT t.id FROM transfers t JOIN accounts o ON o.id = t.debit_account_id
           WHERE t.credit_account_id = @accountId AND t.created_at >= @startsAt AND t.created_at < @endsAt
             AND (@sources & ${SOURCE_BIT('o')}) <> 0
           UNION ALL
           SELECT t.id FROM transfers t JOIN accounts o ON o.id = t.credit_account_id
           WHERE t.debit_account_id = @accountId AND t.created_at >= @startsAt AND t.created_at < @endsAt
             AND (@sources & ${SOURCE_BIT('o')}) <> 0)`,
      ),
    };
  }

  private readonly raw;

  insert(row: {
    guildId: string;
    name: string;
    sources: number;
    startsAt: number;
    endsAt: number;
    createdBy: string;
    now: number;
  }): SeasonRow {
    return this.s.insert.get(row);
  }

  byId(id: number): SeasonRow | undefined {
    return this.s.byId.get({ id });
  }

  inGuild(guildId: string, limit: number): SeasonRow[] {
    return this.s.inGuild.all({ guildId, limit });
  }

  running(guildId: string): SeasonRow | undefined {
    return this.s.running.get({ guildId });
  }

  /** Every season not yet ended, in every guild, soonest end first. */
  unfinished(): SeasonRow[] {
    return this.s.unfinished.all();
  }

  unannounced(): SeasonRow[] {
    return this.s.unannounced.all();
  }

  /** A moderator's end: the window closes now (earlier only); false when it was not running. */
  closeWindow(id: number, now: number): boolean {
    return this.raw.closeWindow.run({ id, now }).changes === 1;
  }

  markFrozen(id: number, now: number): boolean {
    return this.raw.markFrozen.run({ id, now }).changes === 1;
  }

  markEnded(id: number, now: number): boolean {
    return this.raw.markEnded.run({ id, now }).changes === 1;
  }

  /** Back from ended to paying (a moderator retries a refused role prize). */
  reopenPayout(id: number): boolean {
    return this.raw.reopen.run({ id }).changes === 1;
  }

  markAnnounced(id: number, now: number): boolean {
    return this.raw.markAnnounced.run({ id, now }).changes === 1;
  }

  prizes(seasonId: number): SeasonPrizeRow[] {
    return this.s.prizes.all({ seasonId });
  }

  insertPrize(row: {
    seasonId: number;
    rankFrom: number;
    rankTo: number;
    sparks: number | null;
    roleId: string | null;
    badge: string | null;
    createdBy: string;
    now: number;
  }): SeasonPrizeRow {
    return this.s.insertPrize.get(row);
  }

  raisePrize(row: {
    id: number;
    sparks: number | null;
    roleId: string | null;
    badge: string | null;
    now: number;
  }): SeasonPrizeRow {
    return this.raw.raisePrize.get(row)!;
  }

  results(seasonId: number): SeasonResultRow[] {
    return this.s.results.all({ seasonId });
  }

  insertResult(row: NewSeasonResult): void {
    this.s.insertResult.run(row);
  }

  markSparksPaid(seasonId: number, position: number, transferId: number, now: number): boolean {
    return this.raw.markSparksPaid.run({ seasonId, position, transferId, now }).changes === 1;
  }

  /** Moves a winner's role prize `from` → `to`; false when it was no longer `from`. */
  setRole(
    seasonId: number,
    position: number,
    from: SeasonResultRow['roleStatus'],
    to: SeasonResultRow['roleStatus'],
    failure: string | null,
    now: number,
  ): boolean {
    return this.raw.setRole.run({ seasonId, position, from, to, failure, now }).changes === 1;
  }

  /** What a member placed in each season of the guild, newest first. */
  memberResults(guildId: string, userId: string): { result: SeasonResultRow; season: SeasonRow }[] {
    return this.s.memberResults.all({ guildId, userId });
  }

  /** A page of the live board, ranked and unranked, in board order. */
  board(guildId: string, seasonId: number, limit: number, offset: number): SeasonBoardRow[] {
    return this.raw.board.all({ guildId, period: seasonPeriod(seasonId), limit, offset });
  }

  /** Every row holding exactly `score` (a tie the end must see whole). */
  tiedAt(guildId: string, seasonId: number, score: number): SeasonBoardRow[] {
    return this.raw.tiedAt.all({ guildId, period: seasonPeriod(seasonId), score });
  }

  /** The id of the last entry that moved the member's score in the season's window. */
  reached(accountId: number, season: Pick<SeasonRow, 'startsAt' | 'endsAt' | 'sources'>): number {
    return (
      this.raw.reached.get({
        accountId,
        startsAt: season.startsAt,
        endsAt: season.endsAt,
        sources: season.sources,
      })?.id ?? 0
    );
  }
}

/** What the seasons' store offers on either engine (src/db/pg/season-store.ts is the PostgreSQL one). */
export type SeasonStoreApi = { [K in keyof SeasonStore]: SeasonStore[K] };

/** The trigger's source bit of the account `alias` (see drizzle/0009_season_triggers.sql, as 0011_streaks.sql re-created them). */
function SOURCE_BIT(alias: string): string {
  return `(CASE WHEN ${alias}.type = 'campaign' THEN 1 WHEN ${alias}.type <> 'issuance' THEN 0
            WHEN ${alias}.ref = 'campaign' THEN 1 WHEN ${alias}.ref IN ('quest', 'streak') THEN 2 WHEN ${alias}.ref = 'platform' THEN 4
            WHEN ${alias}.ref = 'award' THEN 8 ELSE 0 END)`;
}
