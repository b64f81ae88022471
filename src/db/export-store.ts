import Database, { type Statement } from 'better-sqlite3';
import type { Db, Sqlite } from './open.ts';
import type { TransferKind } from './schema.ts';

export interface LedgerExportRow {
  id: number;
  createdAt: number;
  kind: string;
  debitType: string;
  debitRef: string;
  creditType: string;
  creditRef: string;
  amount: number;
  reason: string;
  actorType: string;
  actorId: string;
  ref: string | null;
  closesId: number | null;
}

/** Which entries a report covers; every field narrows it, null leaves it open. */
export interface JournalFilter {
  /** Entries to or from this member's account. */
  userId: string | null;
  /** Entries of these kinds (an empty list matches nothing). */
  kinds: readonly TransferKind[] | null;
  /** created_at at or after this (ms). */
  from: number | null;
  /** created_at before this (ms). */
  to: number | null;
}

export const NO_FILTER: JournalFilter = { userId: null, kinds: null, from: null, to: null };

/** The read-only journal reports of the admin tools (export, explorer, analytics), as an engine implements them. */
export interface LedgerReportReads {
  /** Entries matching `filter` with ids below `beforeId`, newest first, at most `limit`. */
  page(guildId: string, filter: JournalFilter, beforeId: number, limit: number): LedgerExportRow[];
  /** Every entry matching `filter`, oldest first, one at a time (never all in memory). */
  rows(guildId: string, filter: JournalFilter): Generator<LedgerExportRow>;
}

const COLUMNS = `t.id, t.created_at AS createdAt, t.kind, d.type AS debitType, d.ref AS debitRef,
    c.type AS creditType, c.ref AS creditRef, t.amount, t.reason, t.actor_type AS actorType,
    t.actor_id AS actorId, t.ref, t.closes_id AS closesId`;

const NAMED = `JOIN accounts d ON d.id = t.debit_account_id
  JOIN accounts c ON c.id = t.credit_account_id`;

// Optional filters as named parameters: NULL leaves a filter open, so one statement serves
// every combination (the planner still walks the index the first term picks).
const FILTERS = `(@kinds IS NULL OR t.kind IN (SELECT value FROM json_each(@kinds)))
    AND (@from IS NULL OR t.created_at >= @from) AND (@to IS NULL OR t.created_at < @to)`;

/**
 * A guild-wide page, newest first by (created_at, id), below the cursor (upAt, upId) and
 * at or after @from: one seek along transfers_guild_time, or — with kinds — one seek per
 * kind along transfers_guild_kind_time, merged. Each arm stops at the limit, so a page
 * costs the same for a kind with no entries, one old day or the whole journal. The date
 * window's end is folded into the cursor (see `upperBound`), so there is one upper bound
 * the seek starts from.
 */
const GUILD_PAGE_SQL = (kinds: number) => {
  const arm = (kind: string | null) =>
    `SELECT * FROM (SELECT t.id, t.created_at FROM transfers t
       WHERE t.guild_id = @guildId${kind ? ` AND t.kind = ${kind}` : ''}
         AND (t.created_at, t.id) < (@upAt, @upId) AND t.created_at >= @from
       ORDER BY t.created_at DESC, t.id DESC LIMIT @limit)`;
  const arms = kinds === 0 ? [arm(null)] : Array.from({ length: kinds }, (_, i) => arm(`@k${i}`));
  return `SELECT ${COLUMNS} FROM (${arms.join(' UNION ALL ')}) p
  JOIN transfers t ON t.id = p.id
  ${NAMED}
  ORDER BY p.created_at DESC, p.id DESC LIMIT @limit`;
};

// The whole filtered journal for the CSV, oldest first, along the guild's time index.
const GUILD_ROWS_SQL = `SELECT ${COLUMNS}
  FROM transfers t INDEXED BY transfers_guild_time
  ${NAMED}
  WHERE t.guild_id = @guildId AND ${FILTERS}
  ORDER BY t.created_at ASC, t.id ASC`;

// A member's entries: the two index walks of their account (debit side, credit side),
// merged, by id (a member has few entries next to the journal).
const MEMBER_SQL = (order: 'ASC' | 'DESC', limited: boolean) => {
  const side = (column: string) =>
    `SELECT * FROM (SELECT t.* FROM transfers t WHERE t.${column} = @accountId AND t.id < @before AND ${FILTERS}
       ORDER BY t.id ${order}${limited ? ' LIMIT @limit' : ''})`;
  return `SELECT ${COLUMNS}
  FROM (${side('debit_account_id')} UNION ALL ${side('credit_account_id')}) t
  ${NAMED}
  ORDER BY t.id ${order}${limited ? ' LIMIT @limit' : ''}`;
};

const ACCOUNT_SQL = `SELECT id FROM accounts WHERE guild_id = @guildId AND type = 'member' AND ref = @userId`;

const CURSOR_SQL = `SELECT created_at AS createdAt FROM transfers WHERE id = @id AND guild_id = @guildId`;

/** Below every real time and id, and above them (SQLite integers are 64-bit). */
const LOWEST = -Number.MAX_SAFE_INTEGER;
const HIGHEST = Number.MAX_SAFE_INTEGER;

interface MemberBind {
  accountId: number;
  before: number;
  limit?: number;
  kinds: string | null;
  from: number | null;
  to: number | null;
}

type GuildBind = { guildId: string; upAt: number; upId: number; from: number; limit: number } & Record<
  `k${number}`,
  string
>;

/**
 * The lower of two (created_at, id) bounds: the cursor's, and the window's end (`to`, 0),
 * which no entry at `to` passes (ids start at 1), so `created_at < to` needs no term of its own.
 */
function upperBound(cursor: readonly [number, number], to: number | null): [number, number] {
  if (to === null || cursor[0] < to) return [cursor[0], cursor[1]];
  return [to, 0];
}

/**
 * Reports over the journal (transfers, with their accounts; earn_periods) for the admin
 * tools: the CSV export, the dashboard's ledger explorer and its analytics. Read-only:
 * the ledger store owns every write to these tables. Raw SQL with named parameters: the
 * optional filters, the UNION of index walks and row-value cursors are beyond drizzle's
 * builder.
 *
 * Order: a guild-wide view runs newest first by (created_at, id); a member's by id. The
 * two agree unless the clock stepped back between two entries. Either way a page's cursor
 * is the id of its last row.
 */
export class LedgerReportStore implements LedgerReportReads {
  private readonly s: {
    account: Statement<[{ guildId: string; userId: string }], { id: number }>;
    cursor: Statement<[{ id: number; guildId: string }], { createdAt: number }>;
    memberPage: Statement<[MemberBind], LedgerExportRow>;
  };
  /** The guild page statement for each number of kinds (0 = any kind), prepared on first use. */
  private readonly guildPages = new Map<number, Statement<[GuildBind], LedgerExportRow>>();

  constructor(private readonly db: Db) {
    const prepare = <B extends unknown[], R>(source: string) => db.sqlite.prepare<B, R>(source);
    this.s = {
      account: prepare(ACCOUNT_SQL),
      cursor: prepare(CURSOR_SQL),
      memberPage: prepare(MEMBER_SQL('DESC', true)),
    };
  }

  page(guildId: string, filter: JournalFilter, beforeId: number, limit: number): LedgerExportRow[] {
    if (filter.kinds?.length === 0) return [];
    if (filter.userId !== null) {
      const bind = this.memberBind(this.db.sqlite, guildId, filter, beforeId);
      return bind ? this.s.memberPage.all({ ...bind, limit }) : [];
    }
    // The cursor is an entry of this guild; any other id (a forged link) starts nowhere.
    let cursor: [number, number] = [HIGHEST, HIGHEST];
    if (beforeId < HIGHEST) {
      const at = this.s.cursor.get({ id: beforeId, guildId });
      if (!at) return [];
      cursor = [at.createdAt, beforeId];
    }
    const [upAt, upId] = upperBound(cursor, filter.to);
    const kinds = [...new Set(filter.kinds ?? [])];
    const bind: GuildBind = { guildId, upAt, upId, from: filter.from ?? LOWEST, limit };
    kinds.forEach((kind, i) => (bind[`k${i}`] = kind));
    return this.guildPage(kinds.length).all(bind);
  }

  /**
   * A file database is read through its own read-only connection: an open iterator keeps
   * its connection busy, and the bot's connection must stay free for writes meanwhile (WAL
   * lets both run; the report sees one consistent snapshot). An in-memory database (tests)
   * has no second connection, so it is read on the bot's own.
   */
  *rows(guildId: string, filter: JournalFilter): Generator<LedgerExportRow> {
    const file = this.db.path !== ':memory:' && this.db.path !== '';
    const reader: Sqlite = file
      ? new Database(this.db.path, { readonly: true, fileMustExist: true })
      : this.db.sqlite;
    try {
      const kinds = filter.kinds ? JSON.stringify(filter.kinds) : null;
      if (filter.userId === null) {
        yield* reader
          .prepare<[Omit<MemberBind, 'accountId' | 'before'> & { guildId: string }], LedgerExportRow>(
            GUILD_ROWS_SQL,
          )
          .iterate({ guildId, kinds, from: filter.from, to: filter.to });
        return;
      }
      const bind = this.memberBind(reader, guildId, filter, HIGHEST);
      if (!bind) return;
      yield* reader.prepare<[MemberBind], LedgerExportRow>(MEMBER_SQL('ASC', false)).iterate(bind);
    } finally {
      if (file) reader.close();
    }
  }

  private guildPage(kinds: number): Statement<[GuildBind], LedgerExportRow> {
    let statement = this.guildPages.get(kinds);
    if (!statement) {
      statement = this.db.sqlite.prepare<[GuildBind], LedgerExportRow>(GUILD_PAGE_SQL(kinds));
      this.guildPages.set(kinds, statement);
    }
    return statement;
  }

  /** A member view's parameters; null when the member has no account (nothing matches). */
  private memberBind(
    reader: Sqlite,
    guildId: string,
    filter: JournalFilter,
    before: number,
  ): MemberBind | null {
    const userId = filter.userId!;
    const account =
      reader === this.db.sqlite
        ? this.s.account.get({ guildId, userId })
        : reader
            .prepare<[{ guildId: string; userId: string }], { id: number }>(ACCOUNT_SQL)
            .get({ guildId, userId });
    if (!account) return null;
    return {
      accountId: account.id,
      before,
      kinds: filter.kinds ? JSON.stringify(filter.kinds) : null,
      from: filter.from,
      to: filter.to,
    };
  }
}
