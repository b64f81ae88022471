/**
 * The raffles' tables (raffles, raffle_entries, raffle_draws) on PostgreSQL, through the
 * synchronous facade (sync.ts): the same methods and results as the SQLite `RaffleStore`
 * (src/db/raffle-store.ts), so `RaffleService` and `raffle:verify` run unchanged on either
 * engine. Writes run inside the caller's `db.write`.
 *
 * SQLite runs each write as an immediate transaction, one writer at a time; here writes run
 * at READ COMMITTED side by side, so what `RaffleService` reads and then decides on inside a
 * write is made to hold the same way:
 * - entering: `entryByKey` inside a write first locks the raffle's row (FOR UPDATE), so two
 *   entries to one raffle run one after the other, and the key and the per-member count
 *   (`held`, a new statement) see the other's committed entry;
 * - entering a raffle closed meanwhile: the entry's guarded `entries + n` (open, not closed)
 *   then touches no row, and the write runs again, which reads the raffle closed;
 * - the status moves (`closeEntries`, `settle`, `markAnnounced`) are guarded UPDATEs: a
 *   second writer waits on the row lock, re-checks the guard and changes nothing;
 * - a name a concurrent start took first (`raffles_open_name`) runs the write again, which
 *   then finds the name taken.
 */
import type { AppDb } from '../engine.ts';
import {
  RaffleStore,
  type RaffleDrawRow,
  type RaffleEntryRow,
  type RaffleRow,
  type RaffleStoreApi,
} from '../raffle-store.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

const RAFFLE_COLS = `id, guild_id AS "guildId", name, name_key AS "nameKey", reward_id AS "rewardId", winners,
  entry_cost AS "entryCost", max_entries_per_member AS "maxEntriesPerMember", ends_at AS "endsAt",
  required_role_id AS "requiredRoleId", min_account_days AS "minAccountDays",
  min_member_days AS "minMemberDays", verified_wallet AS "verifiedWallet", commitment, seed,
  seed_revealed AS "seedRevealed", status, entries, created_by AS "createdBy", created_at AS "createdAt",
  closed_at AS "closedAt", closed_by AS "closedBy", announced_at AS "announcedAt"`;
const ENTRY_COLS = `id, raffle_id AS "raffleId", user_id AS "userId", count, hold_transfer_id AS "holdTransferId",
  idempotency_key AS "idempotencyKey", created_at AS "createdAt"`;
const DRAW_COLS = `raffle_id AS "raffleId", step, user_id AS "userId", ticket, outcome,
  redemption_id AS "redemptionId"`;

const SQL = {
  insert: `INSERT INTO raffles (guild_id, name, name_key, reward_id, winners, entry_cost, max_entries_per_member,
      ends_at, required_role_id, min_account_days, min_member_days, verified_wallet, commitment, seed,
      created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ${RAFFLE_COLS}`,
  byId: `SELECT ${RAFFLE_COLS} FROM raffles WHERE id = $1`,
  inGuild: `SELECT ${RAFFLE_COLS} FROM raffles WHERE guild_id = $1 ORDER BY id DESC LIMIT $2`,
  open: `SELECT ${RAFFLE_COLS} FROM raffles WHERE status = 'open' ORDER BY ends_at ASC`,
  entries: `SELECT ${ENTRY_COLS} FROM raffle_entries WHERE raffle_id = $1 ORDER BY id ASC`,
  lockRaffle: `SELECT id FROM raffles WHERE id = $1 FOR UPDATE`,
  entryByKey: `SELECT ${ENTRY_COLS} FROM raffle_entries WHERE raffle_id = $1 AND idempotency_key = $2`,
  held: `SELECT COALESCE(SUM(count), 0)::int8 AS n FROM raffle_entries WHERE raffle_id = $1 AND user_id = $2`,
  insertEntry: `INSERT INTO raffle_entries (raffle_id, user_id, count, hold_transfer_id, idempotency_key, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ENTRY_COLS}`,
  addEntries: `UPDATE raffles SET entries = entries + $2 WHERE id = $1 AND status = 'open' AND closed_at IS NULL`,
  closeEntries: `UPDATE raffles SET closed_at = $2, closed_by = $3
    WHERE id = $1 AND status = 'open' AND closed_at IS NULL`,
  settle: `UPDATE raffles SET status = $2, seed_revealed = 1, closed_at = coalesce(closed_at, $3),
      closed_by = coalesce(closed_by, $4)
    WHERE id = $1 AND status = 'open'`,
  markAnnounced: `UPDATE raffles SET announced_at = $2 WHERE id = $1 AND announced_at IS NULL`,
  draws: `SELECT ${DRAW_COLS} FROM raffle_draws WHERE raffle_id = $1 ORDER BY step ASC`,
  insertDraw: `INSERT INTO raffle_draws (raffle_id, step, user_id, ticket, outcome, redemption_id)
    VALUES ($1, $2, $3, $4, $5, $6)`,
} as const;

export class PgRaffleStore implements RaffleStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private changed(text: string, params: readonly unknown[]): boolean {
    return this.db.run(text, params).rowCount === 1;
  }

  insert(row: Parameters<RaffleStore['insert']>[0]): RaffleRow {
    try {
      return this.insertRow(row);
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === 'raffles_open_name')
        throw this.db.retryTransaction(e);
      throw e;
    }
  }

  private insertRow(row: Parameters<RaffleStore['insert']>[0]): RaffleRow {
    return this.db.query<RaffleRow>(SQL.insert, [
      row.guildId,
      row.name,
      row.nameKey,
      row.rewardId,
      row.winners,
      row.entryCost,
      row.maxEntriesPerMember,
      row.endsAt,
      row.requiredRoleId,
      row.minAccountDays,
      row.minMemberDays,
      row.verifiedWallet,
      row.commitment,
      row.seed,
      row.createdBy,
      row.now,
    ])[0]!;
  }

  byId(id: number): RaffleRow | undefined {
    return this.db.query<RaffleRow>(SQL.byId, [id])[0];
  }

  inGuild(guildId: string, limit: number): RaffleRow[] {
    return this.db.query<RaffleRow>(SQL.inGuild, [guildId, limit]);
  }

  open(): RaffleRow[] {
    return this.db.query<RaffleRow>(SQL.open);
  }

  entries(raffleId: number): RaffleEntryRow[] {
    return this.db.query<RaffleEntryRow>(SQL.entries, [raffleId]);
  }

  entryByKey(raffleId: number, key: string): RaffleEntryRow | undefined {
    if (this.db.inTransaction) this.db.query(SQL.lockRaffle, [raffleId]);
    return this.db.query<RaffleEntryRow>(SQL.entryByKey, [raffleId, key])[0];
  }

  held(raffleId: number, userId: string): number {
    return this.db.query<{ n: number }>(SQL.held, [raffleId, userId])[0]!.n;
  }

  insertEntry(row: Parameters<RaffleStore['insertEntry']>[0]): RaffleEntryRow {
    const { raffleId, userId, count, holdTransferId, key, now } = row;
    const entry = this.db.query<RaffleEntryRow>(SQL.insertEntry, [
      raffleId,
      userId,
      count,
      holdTransferId,
      key,
      now,
    ])[0]!;
    if (!this.changed(SQL.addEntries, [raffleId, count]))
      throw this.db.retryTransaction(new Error(`raffle ${raffleId} closed while entering`));
    return entry;
  }

  closeEntries(id: number, now: number, by: string): boolean {
    return this.changed(SQL.closeEntries, [id, now, by]);
  }

  settle(id: number, to: 'drawn' | 'cancelled', now: number, by: string): boolean {
    return this.changed(SQL.settle, [id, to, now, by]);
  }

  markAnnounced(id: number, now: number): boolean {
    return this.changed(SQL.markAnnounced, [id, now]);
  }

  draws(raffleId: number): RaffleDrawRow[] {
    return this.db.query<RaffleDrawRow>(SQL.draws, [raffleId]);
  }

  insertDraw(row: RaffleDrawRow): void {
    const { raffleId, step, userId, ticket, outcome, redemptionId } = row;
    this.db.run(SQL.insertDraw, [raffleId, step, userId, ticket, outcome, redemptionId]);
  }
}

/** The raffles' store for `db`'s engine: the one place that picks. */
export function raffleStore(db: AppDb): RaffleStoreApi {
  return db.engine === 'postgres' ? new PgRaffleStore(db) : new RaffleStore(db);
}
