import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { raffleDraws, raffleEntries, raffles } from './schema.ts';

export type RaffleRow = typeof raffles.$inferSelect;
export type RaffleEntryRow = typeof raffleEntries.$inferSelect;
export type RaffleDrawRow = typeof raffleDraws.$inferSelect;

const p = {
  id: sql.placeholder('id'),
  guildId: sql.placeholder('guildId'),
  raffleId: sql.placeholder('raffleId'),
  userId: sql.placeholder('userId'),
};

/**
 * Owner of `raffles`, `raffle_entries` and `raffle_draws`. Writes run inside the caller's
 * `db.write`.
 */
export class RaffleStore {
  private readonly s;
  private readonly raw;

  constructor(db: Db) {
    const { orm, sqlite } = db;
    this.s = {
      insert: orm
        .insert(raffles)
        .values({
          guildId: p.guildId,
          name: sql.placeholder('name'),
          nameKey: sql.placeholder('nameKey'),
          rewardId: sql.placeholder('rewardId'),
          winners: sql.placeholder('winners'),
          entryCost: sql.placeholder('entryCost'),
          maxEntriesPerMember: sql.placeholder('maxEntriesPerMember'),
          endsAt: sql.placeholder('endsAt'),
          requiredRoleId: sql.placeholder('requiredRoleId'),
          minAccountDays: sql.placeholder('minAccountDays'),
          minMemberDays: sql.placeholder('minMemberDays'),
          verifiedWallet: sql.placeholder('verifiedWallet'),
          commitment: sql.placeholder('commitment'),
          seed: sql.placeholder('seed'),
          createdBy: sql.placeholder('createdBy'),
          createdAt: sql.placeholder('now'),
        })
        .returning()
        .prepare(),
      byId: orm.select().from(raffles).where(eq(raffles.id, p.id)).prepare(),
      inGuild: orm
        .select()
        .from(raffles)
        .where(eq(raffles.guildId, p.guildId))
        .orderBy(desc(raffles.id))
        .limit(sql.placeholder('limit'))
        .prepare(),
      open: orm
        .select()
        .from(raffles)
        .where(eq(raffles.status, 'open'))
        .orderBy(asc(raffles.endsAt))
        .prepare(),
      entries: orm
        .select()
        .from(raffleEntries)
        .where(eq(raffleEntries.raffleId, p.raffleId))
        .orderBy(asc(raffleEntries.id))
        .prepare(),
      entryByKey: orm
        .select()
        .from(raffleEntries)
        .where(
          and(
            eq(raffleEntries.raffleId, p.raffleId),
            eq(raffleEntries.idempotencyKey, sql.placeholder('key')),
          ),
        )
        .prepare(),
      insertEntry: orm
        .insert(raffleEntries)
        .values({
          raffleId: p.raffleId,
          userId: p.userId,
          count: sql.placeholder('count'),
          holdTransferId: sql.placeholder('holdTransferId'),
          idempotencyKey: sql.placeholder('key'),
          createdAt: sql.placeholder('now'),
        })
        .returning()
        .prepare(),
      draws: orm
        .select()
        .from(raffleDraws)
        .where(eq(raffleDraws.raffleId, p.raffleId))
        .orderBy(asc(raffleDraws.step))
        .prepare(),
      insertDraw: orm
        .insert(raffleDraws)
        .values({
          raffleId: p.raffleId,
          step: sql.placeholder('step'),
          userId: p.userId,
          ticket: sql.placeholder('ticket'),
          outcome: sql.placeholder('outcome'),
          redemptionId: sql.placeholder('redemptionId'),
        })
        .prepare(),
    };
    this.raw = {
      held: sqlite.prepare<{ raffleId: number; userId: string }, { n: number }>(
        `SELECT COALESCE(SUM(count), 0) AS n FROM raffle_entries WHERE raffle_id = @raffleId AND user_id = @userId`,
      ),
      addEntries: sqlite.prepare<{ id: number; count: number }>(
        `UPDATE raffles SET entries = entries + @count WHERE id = @id AND status = 'open' AND closed_at IS NULL`,
      ),
      closeEntries: sqlite.prepare<{ id: number; now: number; by: string }>(
        `UPDATE raffles SET closed_at = @now, closed_by = @by WHERE id = @id AND status = 'open' AND closed_at IS NULL`,
      ),
      settle: sqlite.prepare<{ id: number; to: string; now: number; by: string }>(
        `UPDATE raffles SET status = @to, seed_revealed = 1, closed_at = coalesce(closed_at, @now),
                closed_by = coalesce(closed_by, @by)
         WHERE id = @id AND status = 'open'`,
      ),
      markAnnounced: sqlite.prepare<{ id: number; now: number }>(
        `UPDATE raffles SET announced_at = @now WHERE id = @id AND announced_at IS NULL`,
      ),
    };
  }

  insert(
    row: Omit<
      RaffleRow,
      'id' | 'seedRevealed' | 'status' | 'entries' | 'closedAt' | 'closedBy' | 'announcedAt' | 'createdAt'
    > & { now: number },
  ): RaffleRow {
    return this.s.insert.get(row);
  }

  byId(id: number): RaffleRow | undefined {
    return this.s.byId.get({ id });
  }

  inGuild(guildId: string, limit: number): RaffleRow[] {
    return this.s.inGuild.all({ guildId, limit });
  }

  /** Open raffles of every guild, soonest end first. */
  open(): RaffleRow[] {
    return this.s.open.all();
  }

  /** The ordered entry list: purchases in the order they were made. */
  entries(raffleId: number): RaffleEntryRow[] {
    return this.s.entries.all({ raffleId });
  }

  entryByKey(raffleId: number, key: string): RaffleEntryRow | undefined {
    return this.s.entryByKey.get({ raffleId, key });
  }

  held(raffleId: number, userId: string): number {
    return this.raw.held.get({ raffleId, userId })!.n;
  }

  insertEntry(row: {
    raffleId: number;
    userId: string;
    count: number;
    holdTransferId: number | null;
    key: string;
    now: number;
  }): RaffleEntryRow {
    const entry = this.s.insertEntry.get(row);
    this.raw.addEntries.run({ id: row.raffleId, count: row.count });
    return entry;
  }

  /** Entries stop: the draw has begun. False when it was no longer open for entries. */
  closeEntries(id: number, now: number, by: string): boolean {
    return this.raw.closeEntries.run({ id, now, by }).changes === 1;
  }

  /** open → drawn or cancelled (revealing the seed); false when it was no longer open. */
  settle(id: number, to: 'drawn' | 'cancelled', now: number, by: string): boolean {
    return this.raw.settle.run({ id, to, now, by }).changes === 1;
  }

  markAnnounced(id: number, now: number): boolean {
    return this.raw.markAnnounced.run({ id, now }).changes === 1;
  }

  draws(raffleId: number): RaffleDrawRow[] {
    return this.s.draws.all({ raffleId });
  }

  insertDraw(row: RaffleDrawRow): void {
    this.s.insertDraw.run(row);
  }
}

/** What `RaffleStore` and its PostgreSQL twin (src/db/pg/raffle-store.ts) both offer. */
export type RaffleStoreApi = { [K in keyof RaffleStore]: RaffleStore[K] };
