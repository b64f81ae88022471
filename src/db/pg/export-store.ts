/**
 * The journal reports of the admin tools (export, explorer) on PostgreSQL, through the
 * synchronous facade: the same methods and results as the SQLite `LedgerReportStore`
 * (src/db/export-store.ts), so `LedgerExplorer` and the CSV export run unchanged on either
 * engine. Read-only, as there.
 */
import type { AppDb } from '../engine.ts';
import {
  LedgerReportStore,
  type JournalFilter,
  type LedgerExportRow,
  type LedgerReportReads,
} from '../export-store.ts';
import type { PgSyncDb } from './sync.ts';

const COLUMNS = `t.id, t.created_at AS "createdAt", t.kind, d.type AS "debitType", d.ref AS "debitRef",
    c.type AS "creditType", c.ref AS "creditRef", t.amount, t.reason, t.actor_type AS "actorType",
    t.actor_id AS "actorId", t.ref, t.closes_id AS "closesId"`;

const NAMED = `JOIN accounts d ON d.id = t.debit_account_id
  JOIN accounts c ON c.id = t.credit_account_id`;

/** Optional filters ($k kinds, $f from, $t to): NULL leaves a filter open. */
const filters = (k: number, f: number, to: number) =>
  `($${k}::text[] IS NULL OR t.kind = ANY($${k}::text[]))
    AND ($${f}::int8 IS NULL OR t.created_at >= $${f}) AND ($${to}::int8 IS NULL OR t.created_at < $${to})`;

/** One seek along an index of (…, created_at, id), newest first, below ($3, $4), at or after $5. */
const seek = (kind: string) =>
  `SELECT t.id, t.created_at FROM transfers t
    WHERE t.guild_id = $1${kind} AND (t.created_at, t.id) < ($3::int8, $4::int8) AND t.created_at >= $5::int8
    ORDER BY t.created_at DESC, t.id DESC LIMIT $6`;

/**
 * A guild-wide page as on SQLite: one seek along transfers_guild_time, or — with kinds ($2)
 * — one seek per kind along transfers_guild_kind_time (a LATERAL per element), merged.
 */
const guildPage = (arms: string) => `SELECT ${COLUMNS} FROM (${arms}) p
  JOIN transfers t ON t.id = p.id
  ${NAMED}
  ORDER BY p.created_at DESC, p.id DESC LIMIT $6`;

/**
 * A member's entries ($1 account, below id $2): the two index walks of their account,
 * merged by id. `limit` pages ($6); without it the CSV reads a chunk after $2 oldest first.
 */
const memberSql = (order: 'ASC' | 'DESC') => {
  const cmp = order === 'DESC' ? '<' : '>';
  const side = (column: string) =>
    `(SELECT t.* FROM transfers t WHERE t.${column} = $1 AND t.id ${cmp} $2 AND ${filters(3, 4, 5)}
       ORDER BY t.id ${order} LIMIT $6)`;
  return `SELECT ${COLUMNS}
  FROM (${side('debit_account_id')} UNION ALL ${side('credit_account_id')}) t
  ${NAMED}
  ORDER BY t.id ${order} LIMIT $6`;
};

const SQL = {
  account: `SELECT id FROM accounts WHERE guild_id = $1 AND type = 'member' AND ref = $2`,
  cursor: `SELECT created_at AS "createdAt" FROM transfers WHERE id = $1 AND guild_id = $2`,
  // $2 (no kinds) is NULL here; naming it gives the parameter its type.
  guildPage: guildPage(seek(' AND $2::text[] IS NULL')),
  guildKindsPage: guildPage(
    `SELECT s.* FROM unnest($2::text[]) k(kind) CROSS JOIN LATERAL (${seek(' AND t.kind = k.kind')}) s`,
  ),
  memberPage: memberSql('DESC'),
  memberChunk: memberSql('ASC'),
  // The CSV's next chunk of the guild, oldest first, after ($5, $6) along the guild's time index.
  guildChunk: `SELECT ${COLUMNS} FROM transfers t
  ${NAMED}
  WHERE t.guild_id = $1 AND ${filters(2, 3, 4)} AND (t.created_at, t.id) > ($5::int8, $6::int8) AND t.id <= $7
  ORDER BY t.created_at ASC, t.id ASC LIMIT $8`,
  lastId: `SELECT COALESCE(MAX(id), 0) AS id FROM transfers`,
} as const;

/** Below every real time and id, and above them. */
const LOWEST = -Number.MAX_SAFE_INTEGER;
const HIGHEST = Number.MAX_SAFE_INTEGER;

/** Rows the CSV reads per statement: bounded memory, few round trips. */
export const EXPORT_CHUNK = 1_000;

/** `LedgerReportStore`'s methods on PostgreSQL; see the module comment. */
export class PgLedgerReportStore implements LedgerReportReads {
  constructor(
    private readonly db: PgSyncDb,
    private readonly chunk = EXPORT_CHUNK,
  ) {}

  page(guildId: string, filter: JournalFilter, beforeId: number, limit: number): LedgerExportRow[] {
    if (filter.kinds?.length === 0) return [];
    if (filter.userId !== null) {
      const accountId = this.accountOf(guildId, filter.userId);
      if (accountId === null) return [];
      return this.db.query(SQL.memberPage, [accountId, beforeId, ...filterParams(filter), limit]);
    }
    // The cursor is an entry of this guild; any other id (a forged link) starts nowhere.
    let cursor: [number, number] = [HIGHEST, HIGHEST];
    if (beforeId < HIGHEST) {
      const at = this.db.query<{ createdAt: number }>(SQL.cursor, [beforeId, guildId])[0];
      if (!at) return [];
      cursor = [at.createdAt, beforeId];
    }
    // The window's end folded into the cursor, as on SQLite (see `upperBound` there).
    const [upAt, upId] = filter.to === null || cursor[0] < filter.to ? cursor : [filter.to, 0];
    const kinds = filter.kinds ? [...new Set(filter.kinds)] : null;
    const params = [guildId, kinds, upAt, upId, filter.from ?? LOWEST, limit];
    return this.db.query(kinds ? SQL.guildKindsPage : SQL.guildPage, params);
  }

  /**
   * Every matching entry, oldest first, a chunk per statement (never all in memory). The
   * entries are those up to the newest id when the read began: the facade's one connection
   * stays free for writes between chunks, and entries posted meanwhile do not join the file.
   */
  *rows(guildId: string, filter: JournalFilter): Generator<LedgerExportRow> {
    if (filter.kinds?.length === 0) return;
    const [kinds, from, to] = filterParams(filter);
    if (filter.userId === null) {
      const upto = this.db.query<{ id: number }>(SQL.lastId)[0]!.id;
      let after: [number, number] = [LOWEST, LOWEST];
      for (;;) {
        const rows = this.db.query<LedgerExportRow>(SQL.guildChunk, [
          guildId,
          kinds,
          from,
          to,
          after[0],
          after[1],
          upto,
          this.chunk,
        ]);
        yield* rows;
        if (rows.length < this.chunk) return;
        const last = rows[rows.length - 1]!;
        after = [last.createdAt, last.id];
      }
    }
    const accountId = this.accountOf(guildId, filter.userId);
    if (accountId === null) return;
    const upto = this.db.query<{ id: number }>(SQL.lastId)[0]!.id;
    let after = 0;
    for (;;) {
      const rows = this.db
        .query<LedgerExportRow>(SQL.memberChunk, [accountId, after, kinds, from, to, this.chunk])
        .filter((r) => r.id <= upto);
      yield* rows;
      if (rows.length < this.chunk) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  private accountOf(guildId: string, userId: string): number | null {
    return this.db.query<{ id: number }>(SQL.account, [guildId, userId])[0]?.id ?? null;
  }
}

function filterParams(f: JournalFilter): [string[] | null, number | null, number | null] {
  return [f.kinds ? [...f.kinds] : null, f.from, f.to];
}

/** The report store of `db`'s engine. */
export function ledgerReportStore(db: AppDb): LedgerReportReads {
  return db.engine === 'postgres' ? new PgLedgerReportStore(db) : new LedgerReportStore(db);
}
