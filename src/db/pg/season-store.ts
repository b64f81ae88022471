/**
 * The seasons' tables (seasons, season_prizes, season_results) on PostgreSQL, through the
 * synchronous facade (sync.ts): the same methods and results as the SQLite `SeasonStore`
 * (src/db/season-store.ts), so `SeasonService` runs unchanged on either engine. A season's
 * live board is earn_periods' rows 's:<id>', kept by the season triggers of
 * drizzle-pg/0001_ledger_triggers.sql.
 */
import type { AppDb } from '../engine.ts';
import {
  SeasonStore,
  seasonPeriod,
  type NewSeasonResult,
  type SeasonBoardRow,
  type SeasonPrizeRow,
  type SeasonResultRow,
  type SeasonRow,
  type SeasonStoreApi,
} from '../season-store.ts';
import type { PgSyncDb } from './sync.ts';

const SEASON_COLS = `id, guild_id AS "guildId", name, sources, starts_at AS "startsAt", ends_at AS "endsAt",
  status, end_reason AS "endReason", created_by AS "createdBy", created_at AS "createdAt",
  frozen_at AS "frozenAt", ended_at AS "endedAt", announced_at AS "announcedAt"`;
const PRIZE_COLS = `id, season_id AS "seasonId", rank_from AS "rankFrom", rank_to AS "rankTo", sparks,
  role_id AS "roleId", badge, created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;
const RESULT_COLS = `season_id AS "seasonId", position, user_id AS "userId", score,
  reached_transfer_id AS "reachedTransferId", rank, skip_reason AS "skipReason", prize_id AS "prizeId",
  sparks, sparks_transfer_id AS "sparksTransferId", role_id AS "roleId", role_status AS "roleStatus",
  role_failure AS "roleFailure", badge, updated_at AS "updatedAt"`;
const BOARD_COLS = `e.account_id AS "accountId", a.ref AS "userId", e.earned AS score, e.ranked AS ranked`;

/** The season triggers' source bit of the account `alias` (sparks_season_source in 0001). */
const SOURCE_BIT = (alias: string) => `sparks_season_source(${alias}.type, ${alias}.ref)`;

const SQL = {
  insert: `INSERT INTO seasons (guild_id, name, sources, starts_at, ends_at, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SEASON_COLS}`,
  byId: `SELECT ${SEASON_COLS} FROM seasons WHERE id = $1`,
  inGuild: `SELECT ${SEASON_COLS} FROM seasons WHERE guild_id = $1 ORDER BY id DESC LIMIT $2`,
  running: `SELECT ${SEASON_COLS} FROM seasons WHERE guild_id = $1 AND status = 'running'`,
  unfinished: `SELECT ${SEASON_COLS} FROM seasons WHERE status IN ('running', 'paying') ORDER BY ends_at ASC`,
  unannounced: `SELECT ${SEASON_COLS} FROM seasons WHERE status = 'ended' AND announced_at IS NULL`,
  seasonsByIds: `SELECT ${SEASON_COLS} FROM seasons WHERE id = ANY($1::int8[])`,
  // Exclusive end: entries stamped up to and including this millisecond count.
  closeWindow: `UPDATE seasons SET ends_at = LEAST(ends_at, $2::int8 + 1), end_reason = 'moderator'
    WHERE id = $1 AND status = 'running'`,
  markFrozen: `UPDATE seasons SET status = 'paying', frozen_at = $2, end_reason = coalesce(end_reason, 'time')
    WHERE id = $1 AND status = 'running'`,
  markEnded: `UPDATE seasons SET status = 'ended', ended_at = $2 WHERE id = $1 AND status = 'paying'`,
  reopen: `UPDATE seasons SET status = 'paying' WHERE id = $1 AND status = 'ended'`,
  markAnnounced: `UPDATE seasons SET announced_at = $2 WHERE id = $1 AND announced_at IS NULL`,
  prizes: `SELECT ${PRIZE_COLS} FROM season_prizes WHERE season_id = $1 ORDER BY rank_from ASC`,
  insertPrize: `INSERT INTO season_prizes
      (season_id, rank_from, rank_to, sparks, role_id, badge, created_by, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${PRIZE_COLS}`,
  raisePrize: `UPDATE season_prizes SET sparks = $2, role_id = $3, badge = $4, updated_at = $5
    WHERE id = $1 RETURNING ${PRIZE_COLS}`,
  results: `SELECT ${RESULT_COLS} FROM season_results WHERE season_id = $1 ORDER BY position ASC`,
  insertResult: `INSERT INTO season_results (season_id, position, user_id, score, reached_transfer_id, rank,
      skip_reason, prize_id, sparks, role_id, role_status, badge, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
  markSparksPaid: `UPDATE season_results SET sparks_transfer_id = $3, updated_at = $4
    WHERE season_id = $1 AND position = $2 AND sparks_transfer_id IS NULL`,
  setRole: `UPDATE season_results SET role_status = $4, role_failure = $5, updated_at = $6
    WHERE season_id = $1 AND position = $2 AND role_status = $3`,
  memberResults: `SELECT ${RESULT_COLS} FROM season_results
    WHERE user_id = $2 AND season_id IN (SELECT id FROM seasons WHERE guild_id = $1)
    ORDER BY season_id DESC`,
  board: `SELECT ${BOARD_COLS}
    FROM (SELECT account_id, earned, ranked FROM earn_periods
          WHERE guild_id = $1 AND period = $2 AND earned > 0
          ORDER BY earned DESC, account_id ASC LIMIT $3 OFFSET $4) e
    JOIN accounts a ON a.id = e.account_id
    ORDER BY e.earned DESC, e.account_id ASC`,
  tiedAt: `SELECT ${BOARD_COLS} FROM earn_periods e JOIN accounts a ON a.id = e.account_id
    WHERE e.guild_id = $1 AND e.period = $2 AND e.earned = $3
    ORDER BY e.account_id ASC`,
  // The last entry inside the window that moved this account's season score: the same
  // rule as the season triggers, read back for one member ($4 the season's sources).
  reached: `SELECT MAX(id) AS id FROM (
      SELECT t.id FROM transfers t JOIN accounts o ON o.id = t.debit_account_id
      WHERE t.credit_account_id = $1 AND t.created_at >= $2 AND t.created_at < $3
        AND ($4::integer & ${SOURCE_BIT('o')}) <> 0
      UNION ALL
      SELECT t.id FROM transfers t JOIN accounts o ON o.id = t.credit_account_id
      WHERE t.debit_account_id = $1 AND t.created_at >= $2 AND t.created_at < $3
        AND ($4::integer & ${SOURCE_BIT('o')}) <> 0) x`,
} as const;

export class PgSeasonStore implements SeasonStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private changed(text: string, params: readonly unknown[]): boolean {
    return this.db.run(text, params).rowCount === 1;
  }

  insert(row: Parameters<SeasonStore['insert']>[0]): SeasonRow {
    const { guildId, name, sources, startsAt, endsAt, createdBy, now } = row;
    return this.db.query<SeasonRow>(SQL.insert, [
      guildId,
      name,
      sources,
      startsAt,
      endsAt,
      createdBy,
      now,
    ])[0]!;
  }

  byId(id: number): SeasonRow | undefined {
    return this.db.query<SeasonRow>(SQL.byId, [id])[0];
  }

  inGuild(guildId: string, limit: number): SeasonRow[] {
    return this.db.query<SeasonRow>(SQL.inGuild, [guildId, limit]);
  }

  running(guildId: string): SeasonRow | undefined {
    return this.db.query<SeasonRow>(SQL.running, [guildId])[0];
  }

  unfinished(): SeasonRow[] {
    return this.db.query<SeasonRow>(SQL.unfinished);
  }

  unannounced(): SeasonRow[] {
    return this.db.query<SeasonRow>(SQL.unannounced);
  }

  closeWindow(id: number, now: number): boolean {
    return this.changed(SQL.closeWindow, [id, now]);
  }

  markFrozen(id: number, now: number): boolean {
    return this.changed(SQL.markFrozen, [id, now]);
  }

  markEnded(id: number, now: number): boolean {
    return this.changed(SQL.markEnded, [id, now]);
  }

  reopenPayout(id: number): boolean {
    return this.changed(SQL.reopen, [id]);
  }

  markAnnounced(id: number, now: number): boolean {
    return this.changed(SQL.markAnnounced, [id, now]);
  }

  prizes(seasonId: number): SeasonPrizeRow[] {
    return this.db.query<SeasonPrizeRow>(SQL.prizes, [seasonId]);
  }

  insertPrize(row: Parameters<SeasonStore['insertPrize']>[0]): SeasonPrizeRow {
    const { seasonId, rankFrom, rankTo, sparks, roleId, badge, createdBy, now } = row;
    return this.db.query<SeasonPrizeRow>(SQL.insertPrize, [
      seasonId,
      rankFrom,
      rankTo,
      sparks,
      roleId,
      badge,
      createdBy,
      now,
    ])[0]!;
  }

  raisePrize(row: Parameters<SeasonStore['raisePrize']>[0]): SeasonPrizeRow {
    const { id, sparks, roleId, badge, now } = row;
    return this.db.query<SeasonPrizeRow>(SQL.raisePrize, [id, sparks, roleId, badge, now])[0]!;
  }

  results(seasonId: number): SeasonResultRow[] {
    return this.db.query<SeasonResultRow>(SQL.results, [seasonId]);
  }

  insertResult(row: NewSeasonResult): void {
    this.db.run(SQL.insertResult, [
      row.seasonId,
      row.position,
      row.userId,
      row.score,
      row.reachedTransferId,
      row.rank,
      row.skipReason,
      row.prizeId,
      row.sparks,
      row.roleId,
      row.roleStatus,
      row.badge,
      row.updatedAt,
    ]);
  }

  markSparksPaid(seasonId: number, position: number, transferId: number, now: number): boolean {
    return this.changed(SQL.markSparksPaid, [seasonId, position, transferId, now]);
  }

  setRole(
    seasonId: number,
    position: number,
    from: SeasonResultRow['roleStatus'],
    to: SeasonResultRow['roleStatus'],
    failure: string | null,
    now: number,
  ): boolean {
    return this.changed(SQL.setRole, [seasonId, position, from, to, failure, now]);
  }

  memberResults(guildId: string, userId: string): { result: SeasonResultRow; season: SeasonRow }[] {
    const results = this.db.query<SeasonResultRow>(SQL.memberResults, [guildId, userId]);
    if (results.length === 0) return [];
    const seasons = new Map(
      this.db
        .query<SeasonRow>(SQL.seasonsByIds, [results.map((r) => r.seasonId)])
        .map((s) => [s.id, s] as const),
    );
    return results.map((result) => ({ result, season: seasons.get(result.seasonId)! }));
  }

  board(guildId: string, seasonId: number, limit: number, offset: number): SeasonBoardRow[] {
    return this.db.query<SeasonBoardRow>(SQL.board, [guildId, seasonPeriod(seasonId), limit, offset]);
  }

  tiedAt(guildId: string, seasonId: number, score: number): SeasonBoardRow[] {
    return this.db.query<SeasonBoardRow>(SQL.tiedAt, [guildId, seasonPeriod(seasonId), score]);
  }

  reached(accountId: number, season: Pick<SeasonRow, 'startsAt' | 'endsAt' | 'sources'>): number {
    const row = this.db.query<{ id: number | null }>(SQL.reached, [
      accountId,
      season.startsAt,
      season.endsAt,
      season.sources,
    ])[0];
    return row?.id ?? 0;
  }
}

/** The seasons' store for `db`'s engine: the one place that picks. */
export function seasonStore(db: AppDb): SeasonStoreApi {
  return db.engine === 'postgres' ? new PgSeasonStore(db) : new SeasonStore(db);
}
