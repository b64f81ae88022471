import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';
import type { AccountType, ActorType, TransferKind } from './schema.ts';

export interface AccountRow {
  id: number;
  guildId: string;
  type: AccountType;
  ref: string;
  balance: number;
  lifetimeEarned: number;
  ranked: number;
  createdAt: number;
}

export interface TransferRow {
  id: number;
  guildId: string;
  kind: TransferKind;
  debitAccountId: number;
  creditAccountId: number;
  amount: number;
  idempotencyKey: string;
  closesId: number | null;
  actorType: ActorType;
  actorId: string;
  reason: string;
  ref: string | null;
  createdAt: number;
}

/** A journal entry seen from one member's account, with the other side named. */
export interface EntryView extends TransferRow {
  /** Positive when Sparks arrived in the member's account, negative when they left. */
  delta: number;
  counterpartyType: AccountType;
  counterpartyRef: string;
}

export interface RankedRow {
  accountId: number;
  userId: string;
  score: number;
}

export type ScoreColumn = 'balance' | 'lifetime';

const ACCOUNT_COLS = `id, guild_id AS guildId, type, ref, balance, lifetime_earned AS lifetimeEarned, ranked, created_at AS createdAt`;
const TRANSFER_COLS = `id, guild_id AS guildId, kind, debit_account_id AS debitAccountId, credit_account_id AS creditAccountId,
  amount, idempotency_key AS idempotencyKey, closes_id AS closesId, actor_type AS actorType, actor_id AS actorId,
  reason, ref, created_at AS createdAt`;

/**
 * Every SQL statement of the ledger, prepared once per connection: drizzle's query
 * builder re-prepares on each call, which the grant hot path cannot afford.
 */
/** An account to find or open: its key, and for a new member account its ranked flag (default ranked). */
export interface AccountSpec {
  guildId: string;
  type: AccountType;
  ref: string;
  ranked?: boolean;
}

export class LedgerStore {
  private readonly s: {
    accountByKey: Statement<[string, string, string], AccountRow>;
    accountById: Statement<[number], AccountRow>;
    insertAccount: Statement<[string, string, string, number, number]>;
    insertAccounts: Statement<[number, string]>;
    accountsByKeys: Statement<[string], AccountRow & { i: number }>;
    existingKeys: Statement<[string], { i: number }>;
    transferByKey: Statement<[string, string], TransferRow>;
    transferById: Statement<[number], TransferRow>;
    closerOf: Statement<[number], TransferRow>;
    insertTransfer: Statement<
      [
        string,
        string,
        number,
        number,
        number,
        string,
        number | null,
        string,
        string,
        string,
        string | null,
        number,
      ]
    >;
    insertTransfers: Statement<[string], { id: number; g: string; k: string }>;
    history: Statement<[{ a: number; c: number; n: number }], EntryView>;
    historyAfter: Statement<[{ a: number; c: number; n: number }], EntryView>;
    setRanked: Statement<[number, string, string]>;
    top: Record<ScoreColumn, Statement<[string, number, number], RankedRow>>;
    count: Record<ScoreColumn, Statement<[string], { n: number }>>;
    ahead: Record<ScoreColumn, Statement<[{ g: string; s: number; id: number }], { n: number }>>;
    periodTop: Statement<[string, string, number, number], RankedRow>;
    boardTotal: Statement<[string, string], { n: number }>;
    boardAbove: Statement<[{ g: string; b: string; s: number }], { n: number }>;
    balanceTies: Statement<[{ g: string; s: number; id: number }], { n: number }>;
    periodTies: Statement<[{ g: string; p: string; s: number; id: number }], { n: number }>;
    periodOf: Statement<[string, string, number], { earned: number }>;
    sumByActorSince: Statement<[string, string, string, number], { total: number }>;
    openHolds: Statement<[string], TransferRow>;
  };

  constructor(readonly sqlite: Sqlite) {
    const p = <B extends unknown[], R>(source: string) => sqlite.prepare<B, R>(source);
    // The inner query reads only the partial index (its rowid is the account id), so a deep
    // page skips entries without touching table rows.
    const rankTop = (col: string) =>
      p<[string, number, number], RankedRow>(
        `SELECT a.id AS accountId, a.ref AS userId, a.${col} AS score
         FROM (SELECT id FROM accounts WHERE guild_id = ? AND type = 'member' AND ranked = 1 AND ${col} > 0
               ORDER BY ${col} DESC, id ASC LIMIT ? OFFSET ?) t
         JOIN accounts a ON a.id = t.id
         ORDER BY a.${col} DESC, a.id ASC`,
      );
    const rankCount = (col: string) =>
      p<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = ? AND type = 'member' AND ranked = 1 AND ${col} > 0`,
      );
    const rankAhead = (col: string) =>
      p<[{ g: string; s: number; id: number }], { n: number }>(
        `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = @g AND type = 'member' AND ranked = 1
         AND (${col} > @s OR (${col} = @s AND id < @id))`,
      );
    this.s = {
      accountByKey: p(`SELECT ${ACCOUNT_COLS} FROM accounts WHERE guild_id = ? AND type = ? AND ref = ?`),
      accountById: p(`SELECT ${ACCOUNT_COLS} FROM accounts WHERE id = ?`),
      // No RETURNING on the write path: SQLite buffers RETURNING rows in a temporary table,
      // and every value of the new row is known here anyway.
      insertAccount: p(
        `INSERT INTO accounts (guild_id, type, ref, created_at, ranked) VALUES (?, ?, ?, ?, ?)`,
      ),
      // Batches: one JSON array of rows, in order, per statement (json_each is read first:
      // CROSS JOIN keeps the planner from scanning accounts or transfers per element).
      insertAccounts: p(
        `INSERT INTO accounts (guild_id, type, ref, created_at, ranked)
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, ?, j.value ->> 3 FROM json_each(?) j WHERE true ORDER BY j.key`,
      ),
      accountsByKeys: p(
        `SELECT j.key AS i, a.id, a.guild_id AS guildId, a.type, a.ref, a.balance, a.lifetime_earned AS lifetimeEarned,
                a.ranked, a.created_at AS createdAt
         FROM json_each(?) j CROSS JOIN accounts a
         WHERE a.guild_id = j.value ->> 0 AND a.type = j.value ->> 1 AND a.ref = j.value ->> 2`,
      ),
      existingKeys: p(
        `SELECT j.key AS i FROM json_each(?) j CROSS JOIN transfers t
         WHERE t.guild_id = j.value ->> 0 AND t.idempotency_key = j.value ->> 1`,
      ),
      transferByKey: p(`SELECT ${TRANSFER_COLS} FROM transfers WHERE guild_id = ? AND idempotency_key = ?`),
      transferById: p(`SELECT ${TRANSFER_COLS} FROM transfers WHERE id = ?`),
      closerOf: p(`SELECT ${TRANSFER_COLS} FROM transfers WHERE closes_id = ?`),
      insertTransfer: p(
        `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
           closes_id, actor_type, actor_id, reason, ref, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // One statement for many entries: the triggers still run for every row, but the
      // statement's own costs (its journal, the triggers' frames) are paid once.
      insertTransfers: p(
        `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
           closes_id, actor_type, actor_id, reason, ref, created_at)
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
                NULL, j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10
         FROM json_each(?) j WHERE true ORDER BY j.key
         RETURNING id, guild_id AS g, idempotency_key AS k`,
      ),
      history: p(
        `SELECT t.*, CASE WHEN t.creditAccountId = @a THEN t.amount ELSE -t.amount END AS delta,
                o.type AS counterpartyType, o.ref AS counterpartyRef
         FROM (
           SELECT * FROM (SELECT ${TRANSFER_COLS} FROM transfers WHERE debit_account_id = @a AND id < @c ORDER BY id DESC LIMIT @n)
           UNION ALL
           SELECT * FROM (SELECT ${TRANSFER_COLS} FROM transfers WHERE credit_account_id = @a AND id < @c ORDER BY id DESC LIMIT @n)
         ) t
         JOIN accounts o ON o.id = CASE WHEN t.creditAccountId = @a THEN t.debitAccountId ELSE t.creditAccountId END
         ORDER BY t.id DESC LIMIT @n`,
      ),
      historyAfter: p(
        `SELECT * FROM (
           SELECT t.*, CASE WHEN t.creditAccountId = @a THEN t.amount ELSE -t.amount END AS delta,
                  o.type AS counterpartyType, o.ref AS counterpartyRef
           FROM (
             SELECT * FROM (SELECT ${TRANSFER_COLS} FROM transfers WHERE debit_account_id = @a AND id > @c ORDER BY id ASC LIMIT @n)
             UNION ALL
             SELECT * FROM (SELECT ${TRANSFER_COLS} FROM transfers WHERE credit_account_id = @a AND id > @c ORDER BY id ASC LIMIT @n)
           ) t
           JOIN accounts o ON o.id = CASE WHEN t.creditAccountId = @a THEN t.debitAccountId ELSE t.creditAccountId END
           ORDER BY t.id ASC LIMIT @n
         ) ORDER BY id DESC`,
      ),
      setRanked: p(`UPDATE accounts SET ranked = ? WHERE guild_id = ? AND type = 'member' AND ref = ?`),
      top: { balance: rankTop('balance'), lifetime: rankTop('lifetime_earned') },
      count: { balance: rankCount('balance'), lifetime: rankCount('lifetime_earned') },
      ahead: { balance: rankAhead('balance'), lifetime: rankAhead('lifetime_earned') },
      periodTop: p(
        `SELECT e.account_id AS accountId, a.ref AS userId, e.earned AS score
         FROM (SELECT account_id, earned FROM earn_periods WHERE guild_id = ? AND period = ? AND ranked = 1 AND earned > 0
               ORDER BY earned DESC, account_id ASC LIMIT ? OFFSET ?) e
         JOIN accounts a ON a.id = e.account_id
         ORDER BY e.earned DESC, e.account_id ASC`,
      ),
      periodOf: p(`SELECT earned FROM earn_periods WHERE guild_id = ? AND period = ? AND account_id = ?`),
      boardTotal: p(
        `SELECT COALESCE(SUM(n), 0) AS n FROM rank_counts WHERE guild_id = ? AND board = ? AND level = 2`,
      ),
      // Members with a higher score: whole level-2 blocks above, then level-1 blocks above
      // within the same level-2 block, then exact scores above within the same level-1 block.
      boardAbove: p(
        `SELECT
           COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @g AND board = @b AND level = 2 AND key > (@s >> 20)), 0)
         + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @g AND board = @b AND level = 1
                       AND key > (@s >> 10) AND key < (((@s >> 20) + 1) << 10)), 0)
         + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @g AND board = @b AND level = 0
                       AND key > @s AND key < (((@s >> 10) + 1) << 10)), 0) AS n`,
      ),
      // Ties: pinned to the ranked indexes (the planner otherwise picks the primary key and
      // walks every member of the period).
      balanceTies: p(
        `SELECT COUNT(*) AS n FROM accounts INDEXED BY accounts_rank_balance
         WHERE guild_id = @g AND type = 'member' AND ranked = 1 AND balance = @s AND id < @id`,
      ),
      periodTies: p(
        `SELECT COUNT(*) AS n FROM earn_periods INDEXED BY earn_periods_ranked
         WHERE guild_id = @g AND period = @p AND ranked = 1 AND earned > 0 AND earned = @s AND account_id < @id`,
      ),
      sumByActorSince: p(
        `SELECT COALESCE(SUM(amount), 0) AS total FROM transfers
         WHERE guild_id = ? AND kind = ? AND actor_id = ? AND created_at >= ?`,
      ),
      openHolds: p(
        `SELECT ${TRANSFER_COLS} FROM transfers h WHERE h.guild_id = ? AND h.kind = 'hold'
         AND NOT EXISTS (SELECT 1 FROM transfers c WHERE c.closes_id = h.id) ORDER BY h.id`,
      ),
    };
  }

  findAccount(guildId: string, type: AccountType, ref: string): AccountRow | undefined {
    return this.s.accountByKey.get(guildId, type, ref);
  }

  accountById(id: number): AccountRow | undefined {
    return this.s.accountById.get(id);
  }

  /**
   * The account, opened if it does not exist yet — ranked, unless `ranked` is false (a
   * member the caller has just seen holding the excluded role). Must run inside a write
   * transaction.
   */
  ensureAccount(guildId: string, type: AccountType, ref: string, now: number, ranked = true): AccountRow {
    const found = this.s.accountByKey.get(guildId, type, ref);
    if (found) return found;
    const flag = ranked ? 1 : 0;
    const id = Number(this.s.insertAccount.run(guildId, type, ref, now, flag).lastInsertRowid);
    return { id, guildId, type, ref, balance: 0, lifetimeEarned: 0, ranked: flag, createdAt: now };
  }

  /**
   * `ensureAccount` for many distinct keys in a few statements: the existing accounts are
   * read, the missing ones opened in the order given (only those: with AUTOINCREMENT, a
   * conflicting insert would still use up an id), then read. Returns the rows in the order
   * of `keys`. Must run inside a write transaction.
   */
  ensureAccounts(keys: readonly AccountSpec[], now: number): AccountRow[] {
    const out = new Array<AccountRow>(keys.length);
    const read = (at: readonly number[]) => {
      const json = JSON.stringify(at.map((k) => [keys[k]!.guildId, keys[k]!.type, keys[k]!.ref]));
      for (const { i, ...row } of this.s.accountsByKeys.all(json)) out[at[i]!] = row;
    };
    read(keys.map((_, k) => k));
    const missing = keys.flatMap((_, k) => (out[k] ? [] : [k]));
    if (missing.length > 0) {
      const json = JSON.stringify(
        missing.map((k) => [
          keys[k]!.guildId,
          keys[k]!.type,
          keys[k]!.ref,
          keys[k]!.ranked === false ? 0 : 1,
        ]),
      );
      this.s.insertAccounts.run(now, json);
      read(missing);
    }
    return out;
  }

  /** Positions in `keys` of the (guild, idempotency key) pairs already posted. */
  existingKeys(keys: readonly { guildId: string; key: string }[]): number[] {
    return this.s.existingKeys.all(JSON.stringify(keys.map((k) => [k.guildId, k.key]))).map((r) => r.i);
  }

  transferByKey(guildId: string, key: string): TransferRow | undefined {
    return this.s.transferByKey.get(guildId, key);
  }

  transferById(id: number): TransferRow | undefined {
    return this.s.transferById.get(id);
  }

  closerOf(id: number): TransferRow | undefined {
    return this.s.closerOf.get(id);
  }

  insertTransfer(t: Omit<TransferRow, 'id'>): TransferRow {
    const { lastInsertRowid } = this.s.insertTransfer.run(
      t.guildId,
      t.kind,
      t.debitAccountId,
      t.creditAccountId,
      t.amount,
      t.idempotencyKey,
      t.closesId,
      t.actorType,
      t.actorId,
      t.reason,
      t.ref,
      t.createdAt,
    );
    return { id: Number(lastInsertRowid), ...t };
  }

  /**
   * Inserts entries that close nothing, in the order given, in one statement; returns
   * them with their ids. All or nothing: a refused row (a constraint, a trigger) fails the
   * whole statement.
   */
  insertTransfers(rows: readonly Omit<TransferRow, 'id'>[]): TransferRow[] {
    const json = JSON.stringify(
      rows.map((t) => [
        t.guildId,
        t.kind,
        t.debitAccountId,
        t.creditAccountId,
        t.amount,
        t.idempotencyKey,
        t.actorType,
        t.actorId,
        t.reason,
        t.ref,
        t.createdAt,
      ]),
    );
    // RETURNING promises no order: match the ids back by (guild, key), unique per entry.
    const ids = new Map<string, number>();
    for (const r of this.s.insertTransfers.all(json)) ids.set(`${r.g}\n${r.k}`, r.id);
    return rows.map((t) => ({ id: ids.get(`${t.guildId}\n${t.idempotencyKey}`)!, ...t }));
  }

  /** Entries of one account, newest first, with ids below `beforeId`. */
  history(accountId: number, beforeId: number, limit: number): EntryView[] {
    return this.s.history.all({ a: accountId, c: beforeId, n: limit });
  }

  /** Entries of one account with ids above `afterId`: the `limit` oldest of them, newest first. */
  historyAfter(accountId: number, afterId: number, limit: number): EntryView[] {
    return this.s.historyAfter.all({ a: accountId, c: afterId, n: limit });
  }

  setRanked(guildId: string, userId: string, ranked: boolean): void {
    this.s.setRanked.run(ranked ? 1 : 0, guildId, userId);
  }

  top(guildId: string, column: ScoreColumn, limit: number, offset: number): RankedRow[] {
    return this.s.top[column].all(guildId, limit, offset);
  }

  /** Ranked members with a positive score on the board. */
  countRanked(guildId: string, column: ScoreColumn): number {
    return column === 'balance'
      ? this.s.boardTotal.get(guildId, 'balance')!.n
      : this.s.count[column].get(guildId)!.n;
  }

  /** Ranked members ahead of (score, account): higher score, or the same score and an older account. */
  countAhead(guildId: string, column: ScoreColumn, score: number, accountId: number): number {
    if (column === 'lifetime') return this.s.ahead.lifetime.get({ g: guildId, s: score, id: accountId })!.n;
    return (
      this.s.boardAbove.get({ g: guildId, b: 'balance', s: score })!.n +
      this.s.balanceTies.get({ g: guildId, s: score, id: accountId })!.n
    );
  }

  periodTop(guildId: string, period: string, limit: number, offset: number): RankedRow[] {
    return this.s.periodTop.all(guildId, period, limit, offset);
  }

  periodCount(guildId: string, period: string): number {
    return this.s.boardTotal.get(guildId, period)!.n;
  }

  periodEarned(guildId: string, period: string, accountId: number): number {
    return this.s.periodOf.get(guildId, period, accountId)?.earned ?? 0;
  }

  periodAhead(guildId: string, period: string, score: number, accountId: number): number {
    return (
      this.s.boardAbove.get({ g: guildId, b: period, s: score })!.n +
      this.s.periodTies.get({ g: guildId, p: period, s: score, id: accountId })!.n
    );
  }

  sumByActorSince(guildId: string, kind: TransferKind, actorId: string, since: number): number {
    return this.s.sumByActorSince.get(guildId, kind, actorId, since)!.total;
  }

  openHolds(guildId: string): TransferRow[] {
    return this.s.openHolds.all(guildId);
  }
}
