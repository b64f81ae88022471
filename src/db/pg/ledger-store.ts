/**
 * The ledger's tables (accounts, transfers, earn_periods, rank_counts) on PostgreSQL, through
 * the synchronous facade (sync.ts): the same methods and results as the SQLite `LedgerStore`
 * (src/db/ledger-store.ts), so `Ledger` and `LedgerReads` run unchanged on either engine.
 * The derived state (balances, lifetime earned, the period rollups, the rank histogram) is
 * kept by the triggers of drizzle-pg/0001_ledger_triggers.sql in each entry's statement.
 */
import { crashPoint } from '../../core/crash.ts';
import { SparksError } from '../../core/errors.ts';
import type {
  AccountRow,
  AccountSpec,
  EntryFilter,
  EntryView,
  LedgerWriteStore,
  NewTransfer,
  RankedRow,
  ScoreColumn,
  TransferRow,
} from '../ledger-store.ts';
import { byGuildAndType } from '../account-groups.ts';
import type { AccountType, TransferKind } from '../schema.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

const transferCols = (a = '') =>
  `${a}id AS id, ${a}guild_id AS "guildId", ${a}kind AS kind, ${a}debit_account_id AS "debitAccountId",
  ${a}credit_account_id AS "creditAccountId", ${a}amount AS amount, ${a}idempotency_key AS "idempotencyKey",
  ${a}closes_id AS "closesId", ${a}actor_type AS "actorType", ${a}actor_id AS "actorId", ${a}reason AS reason,
  ${a}ref AS ref, ${a}created_at AS "createdAt"`;
const TRANSFER_COLS = transferCols();
const ACCOUNT_COLS = `id, guild_id AS "guildId", type, ref, balance, lifetime_earned AS "lifetimeEarned",
  ranked, created_at AS "createdAt"`;

/** ACCOUNT_COLS as named in a relation that already has them under their AccountRow names. */
const ACCOUNT_COLS_OF_SIDE = `id, "guildId", type, ref, balance, "lifetimeEarned", ranked, "createdAt"`;

/** A reversal counts as the kind of the entry it closes (`c`, LEFT JOINed), as on SQLite. */
const EFFECTIVE_KIND = `CASE WHEN t.kind = 'reversal' THEN c.kind ELSE t.kind END`;

type Side = 'debit' | 'credit';
type Walk = 'older' | 'newer';
const op = (walk: Walk) => (walk === 'older' ? '<' : '>');
const dir = (walk: Walk) => (walk === 'older' ? 'DESC' : 'ASC');

/** One side of an account's entries from the cursor ($1 account, $2 cursor, $3 limit). */
const plainArm = (side: Side, walk: Walk) =>
  `(SELECT ${TRANSFER_COLS} FROM transfers WHERE ${side}_account_id = $1 AND id ${op(walk)} $2
    ORDER BY id ${dir(walk)} LIMIT $3)`;

/** `plainArm` keeping what an EntryFilter matches ($4 kinds, $5 direction, $6 from, $7 to). */
const filteredArm = (side: Side, walk: Walk) =>
  `(SELECT ${transferCols('t.')} FROM transfers t
    LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
    WHERE t.${side}_account_id = $1 AND t.id ${op(walk)} $2
      AND $5::text IS DISTINCT FROM '${side === 'debit' ? 'in' : 'out'}'
      AND ($6::int8 IS NULL OR t.created_at >= $6) AND ($7::int8 IS NULL OR t.created_at < $7)
      AND ($4::text[] IS NULL OR ${EFFECTIVE_KIND} = ANY($4::text[]))
    ORDER BY t.id ${dir(walk)} LIMIT $3)`;

/** A page of one account's entries from both sides, as `historyPage` in ledger-store.ts. */
function historyPage(arm: (side: Side, walk: Walk) => string, walk: Walk): string {
  const page = `SELECT t.*, CASE WHEN t."creditAccountId" = $1 THEN t.amount ELSE -t.amount END AS delta,
      o.type AS "counterpartyType", o.ref AS "counterpartyRef"
    FROM (${arm('debit', walk)} UNION ALL ${arm('credit', walk)}) t
    JOIN accounts o ON o.id = CASE WHEN t."creditAccountId" = $1 THEN t."debitAccountId" ELSE t."creditAccountId" END
    ORDER BY t.id ${dir(walk)} LIMIT $3`;
  return walk === 'older' ? page : `SELECT * FROM (${page}) p ORDER BY id DESC`;
}

const SQL = {
  accountByKey: `SELECT ${ACCOUNT_COLS} FROM accounts WHERE guild_id = $1 AND type = $2 AND ref = $3`,
  accountById: `SELECT ${ACCOUNT_COLS} FROM accounts WHERE id = $1`,
  // Concurrent openers of one account: the loser inserts nothing and reads the winner's row.
  insertAccount: `INSERT INTO accounts (guild_id, type, ref, created_at, ranked) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (guild_id, type, ref) DO NOTHING RETURNING ${ACCOUNT_COLS}`,
  accountsByRefs: `SELECT ${ACCOUNT_COLS} FROM accounts WHERE guild_id = $1 AND type = $2 AND ref = ANY($3::text[])`,
  insertAccounts: `INSERT INTO accounts (guild_id, type, ref, created_at, ranked)
    SELECT j.g, j.t, j.r, $5, j.rk FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
      WITH ORDINALITY AS j(g, t, r, rk, n) ORDER BY j.n
    ON CONFLICT (guild_id, type, ref) DO NOTHING`,
  existingKeys: `SELECT (j.n - 1)::int AS i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS j(g, k, n)
    JOIN transfers t ON t.guild_id = j.g AND t.idempotency_key = j.k ORDER BY j.n`,
  transferByKey: `SELECT ${TRANSFER_COLS} FROM transfers WHERE guild_id = $1 AND idempotency_key = $2`,
  // One post's look-ups in one statement ($1 guild, $2 key, $3–$5 and $6–$8 the two accounts'
  // type, ref, ranked, $9 now): the entry under the key, and both accounts, the missing ones
  // opened in that order. An account a concurrent opener holds is in neither arm (the
  // caller then reads it on its own, as ensureAccount does).
  lookupPost: `WITH want (n, type, ref, ranked) AS (VALUES (1, $3::text, $4::text, $5::int), (2, $6::text, $7::text, $8::int)),
    found AS (SELECT 1 AS n, a.* FROM accounts a WHERE a.guild_id = $1 AND a.type = $3 AND a.ref = $4
      UNION ALL SELECT 2, a.* FROM accounts a WHERE a.guild_id = $1 AND a.type = $6 AND a.ref = $7),
    made AS (
      INSERT INTO accounts (guild_id, type, ref, created_at, ranked)
      SELECT $1, w.type, w.ref, $9, w.ranked FROM want w WHERE NOT EXISTS (SELECT FROM found f WHERE f.n = w.n)
      ORDER BY w.n
      ON CONFLICT (guild_id, type, ref) DO NOTHING RETURNING *),
    side AS (SELECT n, ${ACCOUNT_COLS} FROM found
      UNION ALL SELECT w.n, m.id, m.guild_id, m.type, m.ref, m.balance, m.lifetime_earned, m.ranked, m.created_at
        FROM made m JOIN want w ON w.type = m.type AND w.ref = m.ref),
    prior AS (SELECT ${TRANSFER_COLS} FROM transfers WHERE guild_id = $1 AND idempotency_key = $2)
    SELECT (SELECT row_to_json(k) FROM prior k) AS existing,
      (SELECT row_to_json(s) FROM (SELECT ${ACCOUNT_COLS_OF_SIDE} FROM side WHERE n = 1) s) AS "from",
      (SELECT row_to_json(s) FROM (SELECT ${ACCOUNT_COLS_OF_SIDE} FROM side WHERE n = 2) s) AS "to",
      CASE WHEN NOT EXISTS (SELECT FROM prior) THEN nextval('transfers_id_seq') END AS "nextId"`,
  // insertTransfer with the id lookupPost reserved, so nothing of its outcome is needed at once.
  insertTransferWithId: `INSERT INTO transfers (id, guild_id, kind, debit_account_id, credit_account_id, amount,
      idempotency_key, closes_id, actor_type, actor_id, reason, ref, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
  transferById: `SELECT ${TRANSFER_COLS} FROM transfers WHERE id = $1`,
  closerOf: `SELECT ${TRANSFER_COLS} FROM transfers WHERE closes_id = $1`,
  insertTransfer: `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount,
      idempotency_key, closes_id, actor_type, actor_id, reason, ref, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
  // A batch: one INSERT … SELECT over the rows as arrays, in the order given.
  insertTransfers: `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount,
      idempotency_key, closes_id, actor_type, actor_id, reason, ref, created_at)
    SELECT j.g, j.k, j.d, j.c, j.a, j.key, NULL, j.at, j.aid, j.r, j.rf, j.ca
    FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::int8[])
      WITH ORDINALITY AS j(g, k, d, c, a, key, at, aid, r, rf, ca, n)
    ORDER BY j.n
    RETURNING id, guild_id AS "guildId", idempotency_key AS key`,
  setRanked: `UPDATE accounts SET ranked = $3 WHERE guild_id = $1 AND type = 'member' AND ref = $2`,
  history: historyPage(plainArm, 'older'),
  historyAfter: historyPage(plainArm, 'newer'),
  historyWhere: historyPage(filteredArm, 'older'),
  historyWhereAfter: historyPage(filteredArm, 'newer'),
  // The boards read their rank index in order (no sort of the guild's members): its columns
  // are DESC NULLS LAST, as drizzle writes `.desc()`, and PostgreSQL matches an ORDER BY to an
  // index only with the same null order (DESC alone means NULLS FIRST), NOT NULL or not.
  top: (col: 'balance' | 'lifetime_earned') =>
    `SELECT id AS "accountId", ref AS "userId", ${col} AS score FROM accounts
     WHERE guild_id = $1 AND type = 'member' AND ranked = 1 AND ${col} > 0
     ORDER BY ${col} DESC NULLS LAST, id ASC LIMIT $2 OFFSET $3`,
  countLifetime: `SELECT COUNT(*) AS n FROM accounts
    WHERE guild_id = $1 AND type = 'member' AND ranked = 1 AND lifetime_earned > 0`,
  aheadLifetime: `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = $1 AND type = 'member' AND ranked = 1
    AND (lifetime_earned > $2 OR (lifetime_earned = $2 AND id < $3))`,
  periodTop: `SELECT e.account_id AS "accountId", a.ref AS "userId", e.earned AS score
    FROM earn_periods e JOIN accounts a ON a.id = e.account_id
    WHERE e.guild_id = $1 AND e.period = $2 AND e.ranked = 1 AND e.earned > 0
    ORDER BY e.earned DESC NULLS LAST, e.account_id ASC LIMIT $3 OFFSET $4`,
  boardTotal: `SELECT COALESCE(SUM(n), 0)::int8 AS n FROM rank_counts WHERE guild_id = $1 AND board = $2 AND level = 2`,
  // The histogram read as on SQLite (src/db/rank-triggers.ts): whole blocks above, then
  // smaller blocks above within the score's block, then exact scores above.
  boardAbove: `SELECT (
      COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = $1 AND board = $2 AND level = 2
                  AND key > ($3::int8 >> 20)), 0)
    + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = $1 AND board = $2 AND level = 1
                  AND key > ($3::int8 >> 10) AND key < ((($3::int8 >> 20) + 1) << 10)), 0)
    + COALESCE((SELECT SUM(n) FROM rank_counts WHERE guild_id = $1 AND board = $2 AND level = 0
                  AND key > $3::int8 AND key < ((($3::int8 >> 10) + 1) << 10)), 0))::int8 AS n`,
  balanceTies: `SELECT COUNT(*) AS n FROM accounts
    WHERE guild_id = $1 AND type = 'member' AND ranked = 1 AND balance = $2 AND id < $3`,
  periodTies: `SELECT COUNT(*) AS n FROM earn_periods
    WHERE guild_id = $1 AND period = $2 AND ranked = 1 AND earned > 0 AND earned = $3 AND account_id < $4`,
  periodEarned: `SELECT earned FROM earn_periods WHERE guild_id = $1 AND period = $2 AND account_id = $3`,
  sumByActorSince: `SELECT COALESCE(SUM(amount), 0)::int8 AS total FROM transfers
    WHERE guild_id = $1 AND kind = $2 AND actor_id = $3 AND created_at >= $4`,
} as const;

/** `LedgerStore`'s methods on PostgreSQL; see the module comment. */
export class PgLedgerStore implements LedgerWriteStore {
  /** The id lookupPost took from the sequence for a key not posted yet, for insertTransfer. */
  private reserved: { guildId: string; key: string; id: number } | undefined;

  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  private count(text: string, params: readonly unknown[]): number {
    return this.one<{ n: number }>(text, params)!.n;
  }

  inTransaction(): boolean {
    return this.db.inTransaction;
  }

  findAccount(guildId: string, type: AccountType, ref: string): AccountRow | undefined {
    return this.one(SQL.accountByKey, [guildId, type, ref]);
  }

  accountById(id: number): AccountRow | undefined {
    return this.one(SQL.accountById, [id]);
  }

  ensureAccount(spec: AccountSpec, now: number): AccountRow {
    const { guildId, type, ref } = spec;
    const found = this.findAccount(guildId, type, ref);
    if (found) return found;
    const ranked = spec.ranked === false ? 0 : 1;
    return (
      this.one<AccountRow>(SQL.insertAccount, [guildId, type, ref, now, ranked]) ??
      this.findAccount(guildId, type, ref)!
    );
  }

  /** `LedgerWriteStore.lookupPost`: one statement, one round trip (see SQL.lookupPost). */
  lookupPost(
    guildId: string,
    key: string,
    from: AccountSpec,
    to: AccountSpec,
    now: number,
  ): { existing: TransferRow | undefined; from: AccountRow; to: AccountRow } {
    const ranked = (s: AccountSpec) => (s.ranked === false ? 0 : 1);
    const row = this.one<{
      existing: TransferRow | null;
      from: AccountRow | null;
      to: AccountRow | null;
      nextId: number | null;
    }>(SQL.lookupPost, [guildId, key, from.type, from.ref, ranked(from), to.type, to.ref, ranked(to), now])!;
    this.reserved = row.nextId === null ? undefined : { guildId, key, id: row.nextId };
    return {
      existing: row.existing ?? undefined,
      from: row.from ?? this.ensureAccount(from, now),
      to: row.to ?? this.ensureAccount(to, now),
    };
  }

  ensureAccounts(specs: readonly AccountSpec[], now: number): AccountRow[] {
    const out = new Array<AccountRow>(specs.length);
    // One statement per (guild, type) among them, as on SQLite.
    const read = (at: readonly number[]) => {
      for (const list of byGuildAndType(specs, at)) {
        const { guildId, type } = specs[list[0]!]!;
        const byRef = new Map<string, AccountRow>();
        const refs = list.map((k) => specs[k]!.ref);
        for (const row of this.db.query<AccountRow>(SQL.accountsByRefs, [guildId, type, refs]))
          byRef.set(row.ref, row);
        for (const k of list) {
          const row = byRef.get(specs[k]!.ref);
          if (row) out[k] = row;
        }
      }
    };
    read(specs.map((_, k) => k));
    const missing = specs.flatMap((_, k) => (out[k] ? [] : [k]));
    if (missing.length > 0) {
      const s = missing.map((k) => specs[k]!);
      this.db.run(SQL.insertAccounts, [
        s.map((x) => x.guildId),
        s.map((x) => x.type),
        s.map((x) => x.ref),
        s.map((x) => (x.ranked === false ? 0 : 1)),
        now,
      ]);
      read(missing);
    }
    return out;
  }

  existingKeys(keys: readonly { guildId: string; key: string }[]): number[] {
    return this.db
      .query<{ i: number }>(SQL.existingKeys, [keys.map((k) => k.guildId), keys.map((k) => k.key)])
      .map((r) => r.i);
  }

  transferByKey(guildId: string, key: string): TransferRow | undefined {
    return this.one(SQL.transferByKey, [guildId, key]);
  }

  transferById(id: number): TransferRow | undefined {
    return this.one(SQL.transferById, [id]);
  }

  closerOf(id: number): TransferRow | undefined {
    return this.one(SQL.closerOf, [id]);
  }

  /**
   * One entry. After `lookupPost` found its key new (the Ledger's post), with the id that
   * reserved: the INSERT then goes out with the next statement — the COMMIT of a post on its
   * own, one round trip for both — and its refusal is thrown from there, named as below.
   */
  insertTransfer(t: NewTransfer): TransferRow {
    const reserved = this.reserved;
    this.reserved = undefined;
    if (
      reserved &&
      reserved.guildId === t.guildId &&
      reserved.key === t.idempotencyKey &&
      this.db.inTransaction
    ) {
      this.db.runLater(
        SQL.insertTransferWithId,
        [
          reserved.id,
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
        ],
        (e) => this.asLedgerError(e),
      );
      return { id: reserved.id, ...t };
    }
    try {
      const { id } = this.one<{ id: number }>(SQL.insertTransfer, [
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
      ])!;
      return { id, ...t };
    } catch (e) {
      throw this.asLedgerError(e);
    }
  }

  /**
   * Entries that close nothing, in the order given, in one INSERT … SELECT over arrays. The
   * triggers keep the derived state row by row (the SQLite batch gate, which applies a
   * batch's sums once per account and bucket, is an optimisation not ported yet); the
   * result is the same as posting them one by one. All or nothing: a refused row fails the
   * statement, and with it the caller's savepoint.
   */
  insertTransfers(rows: readonly NewTransfer[]): TransferRow[] {
    if (rows.length === 0) return [];
    let inserted: { id: number; guildId: string; key: string }[];
    try {
      inserted = this.db.query(SQL.insertTransfers, [
        rows.map((t) => t.guildId),
        rows.map((t) => t.kind),
        rows.map((t) => t.debitAccountId),
        rows.map((t) => t.creditAccountId),
        rows.map((t) => t.amount),
        rows.map((t) => t.idempotencyKey),
        rows.map((t) => t.actorType),
        rows.map((t) => t.actorId),
        rows.map((t) => t.reason),
        rows.map((t) => t.ref),
        rows.map((t) => t.createdAt),
      ]);
    } catch (e) {
      throw this.asLedgerError(e);
    }
    // RETURNING promises no order: each row's id is found by its (guild, key), distinct in a batch.
    const ids = new Map(inserted.map((r) => [`${r.guildId}\n${r.key}`, r.id]));
    if (inserted.length !== rows.length || ids.size !== rows.length)
      throw new Error(`a batch of ${rows.length} entries inserted ${inserted.length}`);
    // The batch's entries are in, inside the caller's open transaction: a crash here must
    // leave none of them. SQLite's 'ledger.batch-derived' (after the gate's sums) has no
    // twin here: the row triggers applied the derived state within the INSERT itself, so
    // there is no step between the entries and their derived state to crash at.
    crashPoint('ledger.batch-inserted');
    return rows.map((t) => ({ id: ids.get(`${t.guildId}\n${t.idempotencyKey}`)!, ...t }));
  }

  setRanked(guildId: string, userId: string, ranked: boolean): void {
    this.db.run(SQL.setRanked, [guildId, userId, ranked ? 1 : 0]);
  }

  history(accountId: number, beforeId: number, limit: number): EntryView[] {
    return this.db.query(SQL.history, [accountId, beforeId, limit]);
  }

  historyAfter(accountId: number, afterId: number, limit: number): EntryView[] {
    return this.db.query(SQL.historyAfter, [accountId, afterId, limit]);
  }

  historyWhere(accountId: number, filter: EntryFilter, beforeId: number, limit: number): EntryView[] {
    return this.db.query(SQL.historyWhere, filterParams(accountId, filter, beforeId, limit));
  }

  historyWhereAfter(accountId: number, filter: EntryFilter, afterId: number, limit: number): EntryView[] {
    return this.db.query(SQL.historyWhereAfter, filterParams(accountId, filter, afterId, limit));
  }

  top(guildId: string, column: ScoreColumn, limit: number, offset: number): RankedRow[] {
    return this.db.query(SQL.top(column === 'balance' ? 'balance' : 'lifetime_earned'), [
      guildId,
      limit,
      offset,
    ]);
  }

  countRanked(guildId: string, column: ScoreColumn): number {
    return column === 'balance'
      ? this.count(SQL.boardTotal, [guildId, 'balance'])
      : this.count(SQL.countLifetime, [guildId]);
  }

  countAhead(guildId: string, column: ScoreColumn, score: number, accountId: number): number {
    if (column === 'lifetime') return this.count(SQL.aheadLifetime, [guildId, score, accountId]);
    return (
      this.count(SQL.boardAbove, [guildId, 'balance', score]) +
      this.count(SQL.balanceTies, [guildId, score, accountId])
    );
  }

  periodTop(guildId: string, period: string, limit: number, offset: number): RankedRow[] {
    return this.db.query(SQL.periodTop, [guildId, period, limit, offset]);
  }

  periodCount(guildId: string, period: string): number {
    return this.count(SQL.boardTotal, [guildId, period]);
  }

  periodEarned(guildId: string, period: string, accountId: number): number {
    return this.one<{ earned: number }>(SQL.periodEarned, [guildId, period, accountId])?.earned ?? 0;
  }

  periodAhead(guildId: string, period: string, score: number, accountId: number): number {
    return (
      this.count(SQL.boardAbove, [guildId, period, score]) +
      this.count(SQL.periodTies, [guildId, period, score, accountId])
    );
  }

  sumByActorSince(guildId: string, kind: TransferKind, actorId: string, since: number): number {
    return this.one<{ total: number }>(SQL.sumByActorSince, [guildId, kind, actorId, since])!.total;
  }

  /**
   * PostgreSQL's refusals of an entry, named by constraint as the SQLite store names them
   * (`asLedgerError` there). A key a concurrent writer posted first runs the transaction
   * again, which then finds the entry and answers as a duplicate or a conflict. Anything
   * else passes through.
   */
  private asLedgerError(e: unknown): unknown {
    if (!(e instanceof PgStatementError)) return e;
    switch (e.constraint) {
      case 'accounts_balance_range':
        return new SparksError('SPARKS.INSUFFICIENT', {}, e.message);
      case 'transfers_closes_once':
        return new SparksError('SPARKS.ALREADY_CLOSED', {}, e.message);
      case 'transfers_close_required':
      case 'transfers_close_mirrors':
        return new SparksError('SPARKS.NOT_REVERSIBLE', {}, e.message);
      case 'transfers_amount':
        return new SparksError('SPARKS.INVALID_AMOUNT', { min: 1, max: 1e9 }, e.message);
      case 'transfers_idempotency':
        return this.db.retryTransaction(e);
      case undefined:
      default:
        return e;
    }
  }
}

function filterParams(accountId: number, f: EntryFilter, cursor: number, limit: number): unknown[] {
  return [accountId, cursor, limit, f.kinds === null ? null : [...f.kinds], f.direction, f.from, f.to];
}
