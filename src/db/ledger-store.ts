import { and, eq, gte, sql } from 'drizzle-orm';
import { SqliteError, type Statement } from 'better-sqlite3';
import { crashPoint } from '../core/crash.ts';
import { SparksError } from '../core/errors.ts';
import { byGuildAndType } from './account-groups.ts';
import { BATCH_DERIVED_ORDER, BATCH_DERIVED_SQL, BATCH_GATE_OFF, BATCH_GATE_ON } from './ledger-triggers.ts';
import type { Db } from './open.ts';
import { accounts, earnPeriods, transfers, type AccountType, type TransferKind } from './schema.ts';

export type AccountRow = typeof accounts.$inferSelect;
export type TransferRow = typeof transfers.$inferSelect;
/** A journal entry to insert: every column but the id the database assigns. */
export type NewTransfer = Omit<TransferRow, 'id'>;

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

/** Which of one account's entries a filtered history keeps; every field null keeps them all. */
export interface EntryFilter {
  /**
   * Entries of these kinds only; a reversal counts as the kind of the entry it reverses
   * (a corrected award is still about an award). Null: any kind.
   */
  kinds: readonly TransferKind[] | null;
  /** 'in': Sparks arrived in the account; 'out': they left it; null: both. */
  direction: 'in' | 'out' | null;
  /** Posted at or after this instant (ms); null: no lower bound. */
  from: number | null;
  /** Posted before this instant (ms); null: no upper bound. */
  to: number | null;
}

/** An account to find or open: its key, and for a new member account its ranked flag (default ranked). */
export interface AccountSpec {
  guildId: string;
  type: AccountType;
  ref: string;
  ranked?: boolean;
}

/** The look-ups and rank queries the ledger's read model needs; none of them writes. */
export interface LedgerReadStore {
  findAccount(guildId: string, type: AccountType, ref: string): AccountRow | undefined;
  accountById(id: number): AccountRow | undefined;
  transferByKey(guildId: string, key: string): TransferRow | undefined;
  transferById(id: number): TransferRow | undefined;
  /** Entries of one account, newest first, with ids below `beforeId`. */
  history(accountId: number, beforeId: number, limit: number): EntryView[];
  /** Entries of one account with ids above `afterId`: the `limit` oldest of them, newest first. */
  historyAfter(accountId: number, afterId: number, limit: number): EntryView[];
  /** `history` keeping only the entries `filter` matches. */
  historyWhere(accountId: number, filter: EntryFilter, beforeId: number, limit: number): EntryView[];
  /** `historyAfter` keeping only the entries `filter` matches. */
  historyWhereAfter(accountId: number, filter: EntryFilter, afterId: number, limit: number): EntryView[];
  top(guildId: string, column: ScoreColumn, limit: number, offset: number): RankedRow[];
  /** Ranked members with a positive score on the board. */
  countRanked(guildId: string, column: ScoreColumn): number;
  /** Ranked members ahead of (score, account): higher score, or the same score and an older account. */
  countAhead(guildId: string, column: ScoreColumn, score: number, accountId: number): number;
  periodTop(guildId: string, period: string, limit: number, offset: number): RankedRow[];
  periodCount(guildId: string, period: string): number;
  periodEarned(guildId: string, period: string, accountId: number): number;
  periodAhead(guildId: string, period: string, score: number, accountId: number): number;
  sumByActorSince(guildId: string, kind: TransferKind, actorId: string, since: number): number;
}

/**
 * What posting needs besides the look-ups. The writes must run inside a write transaction;
 * an insert the database refuses (a CHECK, the close-once index, a close trigger) throws
 * the ledger's own SparksError, whatever the engine: the code checks first, so these are a
 * safety net.
 */
export interface LedgerWriteStore extends LedgerReadStore {
  inTransaction(): boolean;
  ensureAccount(spec: AccountSpec, now: number): AccountRow;
  ensureAccounts(specs: readonly AccountSpec[], now: number): AccountRow[];
  existingKeys(keys: readonly { guildId: string; key: string }[]): number[];
  closerOf(id: number): TransferRow | undefined;
  insertTransfer(t: NewTransfer): TransferRow;
  insertTransfers(rows: readonly NewTransfer[]): TransferRow[];
  /**
   * The look-ups of one post in one call, for an engine where each call is a round trip
   * (PostgreSQL): the entry posted under (guild, key) if any, and both accounts, found or
   * opened (`from` first), as `transferByKey` then `ensureAccount` twice would give them.
   * Optional: without it the Ledger makes those three calls.
   */
  lookupPost?(
    guildId: string,
    key: string,
    from: AccountSpec,
    to: AccountSpec,
    now: number,
  ): { existing: TransferRow | undefined; from: AccountRow; to: AccountRow };
  /** Whether a member's account may appear on leaderboards (members service decides). */
  setRanked(guildId: string, userId: string, ranked: boolean): void;
}

/** The columns of a TransferRow, read from `transfers` under `alias` (e.g. 't.'). */
const transferCols = (alias = '') =>
  `${alias}id AS id, ${alias}guild_id AS guildId, ${alias}kind AS kind, ${alias}debit_account_id AS debitAccountId,
  ${alias}credit_account_id AS creditAccountId, ${alias}amount AS amount, ${alias}idempotency_key AS idempotencyKey,
  ${alias}closes_id AS closesId, ${alias}actor_type AS actorType, ${alias}actor_id AS actorId, ${alias}reason AS reason,
  ${alias}ref AS ref, ${alias}created_at AS createdAt`;
const TRANSFER_COLS = transferCols();

/** An entry's kind for filters and sums: a reversal (t) counts as the entry it closes (c). */
/** An entry's kind, a reversal's being the kind it reverses (`c`: the reversed entry, LEFT JOINed). */
export const EFFECTIVE_KIND = `CASE WHEN t.kind = 'reversal' THEN c.kind ELSE t.kind END`;

/** Params of the filtered history statements (EntryFilter, with the kinds as a JSON array). */
interface FilterParams {
  accountId: number;
  cursor: number;
  limit: number;
  kinds: string | null;
  direction: 'in' | 'out' | null;
  from: number | null;
  to: number | null;
}

const p = sql.placeholder;

type Side = 'debit' | 'credit';
type Walk = 'older' | 'newer';

/** One side of an account's entries, walked along its (account, id) index from the cursor. */
const plainArm = (side: Side, walk: Walk) =>
  `SELECT * FROM (SELECT ${TRANSFER_COLS} FROM transfers WHERE ${side}_account_id = @accountId
     AND id ${walk === 'older' ? '<' : '>'} @cursor ORDER BY id ${walk === 'older' ? 'DESC' : 'ASC'} LIMIT @limit)`;

/**
 * `plainArm` keeping what an EntryFilter matches. The same index walk: the filter is
 * checked on each row it reaches (a member has few entries next to the journal; no index
 * on created_at or kind per account would pay for its writes), and the side the
 * direction excludes is a constant false the planner never walks.
 */
const filteredArm = (side: Side, walk: Walk) =>
  `SELECT * FROM (SELECT ${transferCols('t.')} FROM transfers t
     LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
     WHERE t.${side}_account_id = @accountId AND t.id ${walk === 'older' ? '<' : '>'} @cursor
       AND @direction IS NOT '${side === 'debit' ? 'in' : 'out'}'
       AND (@from IS NULL OR t.created_at >= @from) AND (@to IS NULL OR t.created_at < @to)
       AND (@kinds IS NULL OR ${EFFECTIVE_KIND} IN (SELECT value FROM json_each(@kinds)))
     ORDER BY t.id ${walk === 'older' ? 'DESC' : 'ASC'} LIMIT @limit)`;

/**
 * A page of one account's entries from both sides (UNION ALL of two index walks, each
 * stopping at the limit), with the other side of each entry named: newest first from the
 * cursor for 'older'; for 'newer', the `limit` entries just above the cursor, newest first.
 */
function historyPage(arm: (side: Side, walk: Walk) => string, walk: Walk): string {
  const page = `SELECT t.*, CASE WHEN t.creditAccountId = @accountId THEN t.amount ELSE -t.amount END AS delta,
       o.type AS counterpartyType, o.ref AS counterpartyRef
     FROM (${arm('debit', walk)} UNION ALL ${arm('credit', walk)}) t
     JOIN accounts o ON o.id = CASE WHEN t.creditAccountId = @accountId THEN t.debitAccountId ELSE t.creditAccountId END
     ORDER BY t.id ${walk === 'older' ? 'DESC' : 'ASC'} LIMIT @limit`;
  return walk === 'older' ? page : `SELECT * FROM (${page}) ORDER BY id DESC`;
}

/**
 * The ledger's tables (accounts, transfers, earn_periods, rank_counts), on SQLite. Every
 * statement is prepared once per connection: plain look-ups and inserts with drizzle,
 * the batches, history pages and rank queries as SQL, which drizzle cannot say (json_each
 * batches, UNION ALL of two index walks, the ranked partial indexes).
 */
export class LedgerStore implements LedgerWriteStore {
  private readonly sqlite: Db['sqlite'];
  private readonly q;
  /** A batch's gate and its set-based derived state (prepared on first use). */
  private batchStatements?: {
    gateOn: Statement;
    gateOff: Statement;
    clear: Statement[];
    derived: Statement<[{ lo: number; hi: number }]>[];
  };
  private readonly s: {
    insertAccounts: Statement<[{ now: number; rows: string }]>;
    accountsByRefs: Statement<[{ guildId: string; type: string; refs: string }], AccountRow & { i: number }>;
    existingKeys: Statement<[{ keys: string }], { i: number }>;
    insertTransfers: Statement<[{ rows: string }]>;
    insertUniformTransfers: Statement<
      [
        {
          rows: string;
          guildId: string;
          kind: string;
          debit: number;
          amount: number;
          actorType: string;
          actorId: string;
          reason: string;
          ref: string | null;
          createdAt: number;
        },
      ]
    >;
    transferKeyById: Statement<[number], { guildId: string; key: string }>;
    accountKeyById: Statement<[number], { guildId: string; type: string; ref: string }>;
    history: Statement<[{ accountId: number; cursor: number; limit: number }], EntryView>;
    historyAfter: Statement<[{ accountId: number; cursor: number; limit: number }], EntryView>;
    historyWhere: Statement<[FilterParams], EntryView>;
    historyWhereAfter: Statement<[FilterParams], EntryView>;
    top: Record<ScoreColumn, Statement<[{ guildId: string; limit: number; offset: number }], RankedRow>>;
    countLifetime: Statement<[{ guildId: string }], { n: number }>;
    aheadLifetime: Statement<[{ guildId: string; score: number; accountId: number }], { n: number }>;
    periodTop: Statement<[{ guildId: string; period: string; limit: number; offset: number }], RankedRow>;
    boardTotal: Statement<[{ guildId: string; board: string }], { n: number }>;
    boardAbove: Statement<[{ guildId: string; board: string; score: number }], { n: number }>;
    balanceTies: Statement<[{ guildId: string; score: number; accountId: number }], { n: number }>;
    periodTies: Statement<
      [{ guildId: string; period: string; score: number; accountId: number }],
      { n: number }
    >;
  };

  constructor(db: Db) {
    const { orm, sqlite } = db;
    this.sqlite = sqlite;
    this.q = {
      accountByKey: orm
        .select()
        .from(accounts)
        .where(
          and(eq(accounts.guildId, p('guildId')), eq(accounts.type, p('type')), eq(accounts.ref, p('ref'))),
        )
        .prepare(),
      accountById: orm
        .select()
        .from(accounts)
        .where(eq(accounts.id, p('id')))
        .prepare(),
      // No RETURNING on the write path: SQLite buffers RETURNING rows in a temporary table,
      // and every value of the new row is known here anyway.
      insertAccount: orm
        .insert(accounts)
        .values({
          guildId: p('guildId'),
          type: p('type'),
          ref: p('ref'),
          createdAt: p('createdAt'),
          ranked: p('ranked'),
        })
        .prepare(),
      transferByKey: orm
        .select()
        .from(transfers)
        .where(and(eq(transfers.guildId, p('guildId')), eq(transfers.idempotencyKey, p('key'))))
        .prepare(),
      transferById: orm
        .select()
        .from(transfers)
        .where(eq(transfers.id, p('id')))
        .prepare(),
      closerOf: orm
        .select()
        .from(transfers)
        .where(eq(transfers.closesId, p('id')))
        .prepare(),
      insertTransfer: orm
        .insert(transfers)
        .values({
          guildId: p('guildId'),
          kind: p('kind'),
          debitAccountId: p('debitAccountId'),
          creditAccountId: p('creditAccountId'),
          amount: p('amount'),
          idempotencyKey: p('idempotencyKey'),
          closesId: p('closesId'),
          actorType: p('actorType'),
          actorId: p('actorId'),
          reason: p('reason'),
          ref: p('ref'),
          createdAt: p('createdAt'),
        })
        .prepare(),
      setRanked: orm
        .update(accounts)
        .set({ ranked: sql`${p('ranked')}` })
        .where(
          and(eq(accounts.guildId, p('guildId')), eq(accounts.type, 'member'), eq(accounts.ref, p('userId'))),
        )
        .prepare(),
      periodEarned: orm
        .select({ earned: earnPeriods.earned })
        .from(earnPeriods)
        .where(
          and(
            eq(earnPeriods.guildId, p('guildId')),
            eq(earnPeriods.period, p('period')),
            eq(earnPeriods.accountId, p('accountId')),
          ),
        )
        .prepare(),
      sumByActorSince: orm
        .select({ total: sql<number>`COALESCE(SUM(${transfers.amount}), 0)` })
        .from(transfers)
        .where(
          and(
            eq(transfers.guildId, p('guildId')),
            eq(transfers.kind, p('kind')),
            eq(transfers.actorId, p('actorId')),
            gte(transfers.createdAt, p('since')),
          ),
        )
        .prepare(),
    };
    const prepare = <B extends unknown[], R>(source: string) => sqlite.prepare<B, R>(source);
    // The inner query reads only the partial index (its rowid is the account id), so a deep
    // page skips entries without touching table rows.
    const rankTop = (col: string) =>
      prepare<[{ guildId: string; limit: number; offset: number }], RankedRow>(
        `SELECT a.id AS accountId, a.ref AS userId, a.${col} AS score
         FROM (SELECT id FROM accounts WHERE guild_id = @guildId AND type = 'member' AND ranked = 1 AND ${col} > 0
               ORDER BY ${col} DESC, id ASC LIMIT @limit OFFSET @offset) t
         JOIN accounts a ON a.id = t.id
         ORDER BY a.${col} DESC, a.id ASC`,
      );
    this.s = {
      // Batches: one JSON array of rows, in order, per statement (json_each is read first:
      // CROSS JOIN keeps the planner from scanning accounts or transfers per element).
      insertAccounts: prepare(
        `INSERT INTO accounts (guild_id, type, ref, created_at, ranked)
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, @now, j.value ->> 3 FROM json_each(@rows) j WHERE true ORDER BY j.key`,
      ),
      accountsByRefs: prepare(
        `SELECT j.key AS i, a.id, a.guild_id AS guildId, a.type, a.ref, a.balance, a.lifetime_earned AS lifetimeEarned,
                a.ranked, a.created_at AS createdAt
         FROM json_each(@refs) j CROSS JOIN accounts a
         WHERE a.guild_id = @guildId AND a.type = @type AND a.ref = j.value`,
      ),
      existingKeys: prepare(
        `SELECT j.key AS i FROM json_each(@keys) j CROSS JOIN transfers t
         WHERE t.guild_id = j.value ->> 0 AND t.idempotency_key = j.value ->> 1`,
      ),
      // One statement for many entries, in the order given (their ids are consecutive).
      insertTransfers: prepare(
        `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
           closes_id, actor_type, actor_id, reason, ref, created_at)
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
                NULL, j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10
         FROM json_each(@rows) j WHERE true ORDER BY j.key`,
      ),
      // The same when every entry shares all but its credited account and key (a campaign's
      // or a quest's batch): those two per row, the rest bound once.
      insertUniformTransfers: prepare(
        `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
           closes_id, actor_type, actor_id, reason, ref, created_at)
         SELECT @guildId, @kind, @debit, j.value ->> 0, @amount, j.value ->> 1,
                NULL, @actorType, @actorId, @reason, @ref, @createdAt
         FROM json_each(@rows) j WHERE true ORDER BY j.key`,
      ),
      transferKeyById: prepare(
        `SELECT guild_id AS guildId, idempotency_key AS key FROM transfers WHERE id = ?`,
      ),
      accountKeyById: prepare(`SELECT guild_id AS guildId, type, ref FROM accounts WHERE id = ?`),
      history: prepare(historyPage(plainArm, 'older')),
      historyAfter: prepare(historyPage(plainArm, 'newer')),
      historyWhere: prepare(historyPage(filteredArm, 'older')),
      historyWhereAfter: prepare(historyPage(filteredArm, 'newer')),
      top: { balance: rankTop('balance'), lifetime: rankTop('lifetime_earned') },
      countLifetime: prepare(
        `SELECT COUNT(*) AS n FROM accounts
         WHERE guild_id = @guildId AND type = 'member' AND ranked = 1 AND lifetime_earned > 0`,
      ),
      aheadLifetime: prepare(
        `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = @guildId AND type = 'member' AND ranked = 1
         AND (lifetime_earned > @score OR (lifetime_earned = @score AND id < @accountId))`,
      ),
      periodTop: prepare(
        `SELECT e.account_id AS accountId, a.ref AS userId, e.earned AS score
         FROM (SELECT account_id, earned FROM earn_periods
               WHERE guild_id = @guildId AND period = @period AND ranked = 1 AND earned > 0
               ORDER BY earned DESC, account_id ASC LIMIT @limit OFFSET @offset) e
         JOIN accounts a ON a.id = e.account_id
         ORDER BY e.earned DESC, e.account_id ASC`,
      ),
      boardTotal: prepare(
        `SELECT COALESCE(SUM(n), 0) AS n FROM rank_counts WHERE guild_id = @guildId AND board = @board AND level = 2`,
      ),
      // Members with a higher score: whole level-2 blocks above, then level-1 blocks above
      // within the same level-2 block, then exact scores above within the same level-1 block.
      boardAbove: prepare(
        `SELECT
           COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @guildId AND board = @board AND level = 2
                       AND key > (@score >> 20)), 0)
         + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @guildId AND board = @board AND level = 1
                       AND key > (@score >> 10) AND key < (((@score >> 20) + 1) << 10)), 0)
         + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = @guildId AND board = @board AND level = 0
                       AND key > @score AND key < (((@score >> 10) + 1) << 10)), 0) AS n`,
      ),
      // Ties: pinned to the ranked indexes (the planner otherwise picks the primary key and
      // walks every member of the period).
      balanceTies: prepare(
        `SELECT COUNT(*) AS n FROM accounts INDEXED BY accounts_rank_balance
         WHERE guild_id = @guildId AND type = 'member' AND ranked = 1 AND balance = @score AND id < @accountId`,
      ),
      periodTies: prepare(
        `SELECT COUNT(*) AS n FROM earn_periods INDEXED BY earn_periods_ranked
         WHERE guild_id = @guildId AND period = @period AND ranked = 1 AND earned > 0 AND earned = @score
           AND account_id < @accountId`,
      ),
    };
  }

  /** Whether a write transaction (or a savepoint of one) is open on this connection. */
  inTransaction(): boolean {
    return this.sqlite.inTransaction;
  }

  findAccount(guildId: string, type: AccountType, ref: string): AccountRow | undefined {
    return this.q.accountByKey.get({ guildId, type, ref });
  }

  accountById(id: number): AccountRow | undefined {
    return this.q.accountById.get({ id });
  }

  /**
   * The account, opened if it does not exist yet — ranked, unless `spec.ranked` is false (a
   * member the caller has just seen holding the excluded role). Must run inside a write
   * transaction.
   */
  ensureAccount(spec: AccountSpec, now: number): AccountRow {
    const { guildId, type, ref } = spec;
    const found = this.q.accountByKey.get({ guildId, type, ref });
    if (found) return found;
    const ranked = spec.ranked === false ? 0 : 1;
    const { lastInsertRowid } = this.q.insertAccount.run({ guildId, type, ref, createdAt: now, ranked });
    return {
      id: Number(lastInsertRowid),
      guildId,
      type,
      ref,
      balance: 0,
      lifetimeEarned: 0,
      ranked,
      createdAt: now,
    };
  }

  /**
   * `ensureAccount` for many distinct keys in a few statements: the existing accounts are
   * read, the missing ones opened in the order given (only those: with AUTOINCREMENT, a
   * conflicting insert would still use up an id), then read. Returns the rows in the order
   * of `specs`. Must run inside a write transaction.
   */
  ensureAccounts(specs: readonly AccountSpec[], now: number): AccountRow[] {
    const out = new Array<AccountRow>(specs.length);
    // One statement per (guild, type) among them — a batch is a few system accounts and
    // many members — taking the refs as a plain JSON array of strings.
    const read = (at: readonly number[]) => {
      for (const list of byGuildAndType(specs, at)) {
        const { guildId, type } = specs[list[0]!]!;
        const refs = JSON.stringify(list.map((k) => specs[k]!.ref));
        for (const { i, ...row } of this.s.accountsByRefs.all({ guildId, type, refs })) out[list[i]!] = row;
      }
    };
    read(specs.map((_, k) => k));
    const missing = specs.flatMap((_, k) => (out[k] ? [] : [k]));
    if (missing.length > 0) {
      const rows = JSON.stringify(
        missing.map((k) => {
          const s = specs[k]!;
          return [s.guildId, s.type, s.ref, s.ranked === false ? 0 : 1];
        }),
      );
      const { changes, lastInsertRowid } = this.s.insertAccounts.run({ now, rows });
      // One statement under the write lock, rows in the order given: their ids are
      // consecutive up to lastInsertRowid (checked at both ends, as insertTransfers does),
      // and a new account is all defaults. Read back only if that does not hold.
      const hi = Number(lastInsertRowid);
      const lo = hi - missing.length + 1;
      const first = specs[missing[0]!]!;
      const last = specs[missing[missing.length - 1]!]!;
      const atLo = this.s.accountKeyById.get(lo);
      const atHi = this.s.accountKeyById.get(hi);
      const same = (a: typeof atLo, s: AccountSpec) =>
        a !== undefined && a.guildId === s.guildId && a.type === s.type && a.ref === s.ref;
      if (changes === missing.length && same(atLo, first) && same(atHi, last)) {
        missing.forEach((k, n) => {
          const s = specs[k]!;
          out[k] = {
            id: lo + n,
            guildId: s.guildId,
            type: s.type,
            ref: s.ref,
            balance: 0,
            lifetimeEarned: 0,
            ranked: s.ranked === false ? 0 : 1,
            createdAt: now,
          };
        });
      } else read(missing);
    }
    return out;
  }

  /** Positions in `keys` of the (guild, idempotency key) pairs already posted. */
  existingKeys(keys: readonly { guildId: string; key: string }[]): number[] {
    return this.s.existingKeys
      .all({ keys: JSON.stringify(keys.map((k) => [k.guildId, k.key])) })
      .map((r) => r.i);
  }

  transferByKey(guildId: string, key: string): TransferRow | undefined {
    return this.q.transferByKey.get({ guildId, key });
  }

  transferById(id: number): TransferRow | undefined {
    return this.q.transferById.get({ id });
  }

  /** The entry that closed (reversed, posted, voided) entry `id`, if any. */
  closerOf(id: number): TransferRow | undefined {
    return this.q.closerOf.get({ id });
  }

  insertTransfer(t: NewTransfer): TransferRow {
    try {
      const { lastInsertRowid } = this.q.insertTransfer.run(t);
      return { id: Number(lastInsertRowid), ...t };
    } catch (e) {
      throw asLedgerError(e);
    }
  }

  /**
   * Inserts entries that close nothing, in the order given, in one statement; returns
   * them with their ids. All or nothing: a refused row (a constraint, a trigger) fails the
   * whole statement.
   */
  private get batch(): NonNullable<LedgerStore['batchStatements']> {
    const { sqlite } = this;
    return (this.batchStatements ??= {
      gateOn: sqlite.prepare(BATCH_GATE_ON),
      gateOff: sqlite.prepare(BATCH_GATE_OFF),
      clear: BATCH_DERIVED_SQL.clear.map((q) => sqlite.prepare(q)),
      derived: BATCH_DERIVED_ORDER.map((name) =>
        sqlite.prepare<[{ lo: number; hi: number }]>(BATCH_DERIVED_SQL[name]),
      ),
    });
  }

  insertTransfers(rows: readonly NewTransfer[]): TransferRow[] {
    if (rows.length === 0) return [];
    const first = rows[0]!;
    const uniform = rows.every(
      (t) =>
        t.guildId === first.guildId &&
        t.kind === first.kind &&
        t.debitAccountId === first.debitAccountId &&
        t.amount === first.amount &&
        t.actorType === first.actorType &&
        t.actorId === first.actorId &&
        t.reason === first.reason &&
        t.ref === first.ref &&
        t.createdAt === first.createdAt,
    );
    const b = this.batch;
    let lo: number;
    try {
      // The gate up: the derived-state triggers stand aside, and the batch's sums are
      // applied once per account, rollup row and histogram bucket (ledger-triggers.ts).
      // Callers hold a savepoint around this, so a throw anywhere takes the gate down too.
      b.gateOn.run();
      const { changes, lastInsertRowid } = uniform
        ? this.s.insertUniformTransfers.run({
            rows: JSON.stringify(rows.map((t) => [t.creditAccountId, t.idempotencyKey])),
            guildId: first.guildId,
            kind: first.kind,
            debit: first.debitAccountId,
            amount: first.amount,
            actorType: first.actorType,
            actorId: first.actorId,
            reason: first.reason,
            ref: first.ref,
            createdAt: first.createdAt,
          })
        : this.s.insertTransfers.run({
            rows: JSON.stringify(
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
            ),
          });
      // One statement on one connection under the write lock, rows in the order given:
      // their ids are consecutive, the last one is lastInsertRowid. Checked at both ends.
      const hi = Number(lastInsertRowid);
      lo = hi - rows.length + 1;
      const last = rows[rows.length - 1]!;
      const atLo = this.s.transferKeyById.get(lo);
      const atHi = this.s.transferKeyById.get(hi);
      if (
        changes !== rows.length ||
        atLo?.guildId !== first.guildId ||
        atLo.key !== first.idempotencyKey ||
        atHi?.guildId !== last.guildId ||
        atHi.key !== last.idempotencyKey
      )
        throw new Error(`a batch of ${rows.length} entries did not get the ids ${lo}…${hi} in order`);
      crashPoint('ledger.batch-inserted');
      for (const q of b.clear) q.run();
      for (const q of b.derived) q.run({ lo, hi });
      crashPoint('ledger.batch-derived');
      b.gateOff.run();
    } catch (e) {
      throw asLedgerError(e);
    }
    return rows.map((t, k) => ({ id: lo + k, ...t }));
  }

  setRanked(guildId: string, userId: string, ranked: boolean): void {
    this.q.setRanked.run({ guildId, userId, ranked: ranked ? 1 : 0 });
  }

  history(accountId: number, beforeId: number, limit: number): EntryView[] {
    return this.s.history.all({ accountId, cursor: beforeId, limit });
  }

  historyAfter(accountId: number, afterId: number, limit: number): EntryView[] {
    return this.s.historyAfter.all({ accountId, cursor: afterId, limit });
  }

  historyWhere(accountId: number, filter: EntryFilter, beforeId: number, limit: number): EntryView[] {
    return this.s.historyWhere.all(filterParams(accountId, filter, beforeId, limit));
  }

  historyWhereAfter(accountId: number, filter: EntryFilter, afterId: number, limit: number): EntryView[] {
    return this.s.historyWhereAfter.all(filterParams(accountId, filter, afterId, limit));
  }

  top(guildId: string, column: ScoreColumn, limit: number, offset: number): RankedRow[] {
    return this.s.top[column].all({ guildId, limit, offset });
  }

  countRanked(guildId: string, column: ScoreColumn): number {
    return column === 'balance'
      ? this.s.boardTotal.get({ guildId, board: 'balance' })!.n
      : this.s.countLifetime.get({ guildId })!.n;
  }

  countAhead(guildId: string, column: ScoreColumn, score: number, accountId: number): number {
    if (column === 'lifetime') return this.s.aheadLifetime.get({ guildId, score, accountId })!.n;
    return (
      this.s.boardAbove.get({ guildId, board: 'balance', score })!.n +
      this.s.balanceTies.get({ guildId, score, accountId })!.n
    );
  }

  periodTop(guildId: string, period: string, limit: number, offset: number): RankedRow[] {
    return this.s.periodTop.all({ guildId, period, limit, offset });
  }

  periodCount(guildId: string, period: string): number {
    return this.s.boardTotal.get({ guildId, board: period })!.n;
  }

  periodEarned(guildId: string, period: string, accountId: number): number {
    return this.q.periodEarned.get({ guildId, period, accountId })?.earned ?? 0;
  }

  periodAhead(guildId: string, period: string, score: number, accountId: number): number {
    return (
      this.s.boardAbove.get({ guildId, board: period, score })!.n +
      this.s.periodTies.get({ guildId, period, score, accountId })!.n
    );
  }

  sumByActorSince(guildId: string, kind: TransferKind, actorId: string, since: number): number {
    return this.q.sumByActorSince.get({ guildId, kind, actorId, since })!.total;
  }
}

function filterParams(accountId: number, f: EntryFilter, cursor: number, limit: number): FilterParams {
  return {
    accountId,
    cursor,
    limit,
    kinds: f.kinds === null ? null : JSON.stringify(f.kinds),
    direction: f.direction,
    from: f.from,
    to: f.to,
  };
}

/** SQLite's refusals of an entry, named as the ledger's errors. Anything else passes through. */
function asLedgerError(e: unknown): unknown {
  if (!(e instanceof SqliteError)) return e;
  if (e.message.includes('accounts_balance_range'))
    return new SparksError('SPARKS.INSUFFICIENT', {}, e.message);
  if (e.message.includes('transfers.closes_id'))
    return new SparksError('SPARKS.ALREADY_CLOSED', {}, e.message);
  if (e.message.includes('SPARKS.BAD_CLOSE')) return new SparksError('SPARKS.NOT_REVERSIBLE', {}, e.message);
  if (e.message.includes('transfers_amount'))
    return new SparksError('SPARKS.INVALID_AMOUNT', { min: 1, max: 1e9 }, e.message);
  return e;
}
