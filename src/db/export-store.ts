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

// Optional filters as named parameters: NULL leaves a filter open, so one statement serves
// every combination (the planner still walks the index the first term picks).
const FILTERS = `(@kinds IS NULL OR t.kind IN (SELECT value FROM json_each(@kinds)))
    AND (@from IS NULL OR t.created_at >= @from) AND (@to IS NULL OR t.created_at < @to)`;

const GUILD_SQL = (order: 'ASC' | 'DESC', limited: boolean) => `SELECT ${COLUMNS}
  FROM transfers t
  JOIN accounts d ON d.id = t.debit_account_id
  JOIN accounts c ON c.id = t.credit_account_id
  WHERE t.guild_id = @guildId AND t.id < @before AND ${FILTERS}
  ORDER BY t.id ${order}${limited ? ' LIMIT @limit' : ''}`;

// A member's entries: the two index walks of their account (debit side, credit side), merged.
const MEMBER_SQL = (order: 'ASC' | 'DESC', limited: boolean) => {
  const side = (column: string) =>
    `SELECT * FROM (SELECT t.* FROM transfers t WHERE t.${column} = @accountId AND t.id < @before AND ${FILTERS}
       ORDER BY t.id ${order}${limited ? ' LIMIT @limit' : ''})`;
  return `SELECT ${COLUMNS}
  FROM (${side('debit_account_id')} UNION ALL ${side('credit_account_id')}) t
  JOIN accounts d ON d.id = t.debit_account_id
  JOIN accounts c ON c.id = t.credit_account_id
  ORDER BY t.id ${order}${limited ? ' LIMIT @limit' : ''}`;
};

const ACCOUNT_SQL = `SELECT id FROM accounts WHERE guild_id = @guildId AND type = 'member' AND ref = @userId`;

interface Bind {
  guildId: string;
  accountId?: number;
  before: number;
  limit?: number;
  kinds: string | null;
  from: number | null;
  to: number | null;
}

/**
 * Reports over the journal (transfers, with their accounts; earn_periods) for the admin
 * tools: the CSV export, the dashboard's ledger explorer and its analytics. Read-only:
 * the ledger store owns every write to these tables. Raw SQL with named parameters: the
 * optional filters, the UNION of a member's two index walks and the day grouping are
 * beyond drizzle's builder.
 */
export class LedgerReportStore implements LedgerReportReads {
  private readonly s: {
    account: Statement<[{ guildId: string; userId: string }], { id: number }>;
    guildPage: Statement<[Bind], LedgerExportRow>;
    memberPage: Statement<[Bind], LedgerExportRow>;
  };

  constructor(private readonly db: Db) {
    const prepare = <B extends unknown[], R>(source: string) => db.sqlite.prepare<B, R>(source);
    this.s = {
      account: prepare(ACCOUNT_SQL),
      guildPage: prepare(GUILD_SQL('DESC', true)),
      memberPage: prepare(MEMBER_SQL('DESC', true)),
    };
  }

  page(guildId: string, filter: JournalFilter, beforeId: number, limit: number): LedgerExportRow[] {
    const bind = this.bind(this.db.sqlite, guildId, filter, beforeId);
    if (!bind) return [];
    return (bind.accountId !== undefined ? this.s.memberPage : this.s.guildPage).all({ ...bind, limit });
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
      const bind = this.bind(reader, guildId, filter, Number.MAX_SAFE_INTEGER);
      if (!bind) return;
      const sql = bind.accountId !== undefined ? MEMBER_SQL('ASC', false) : GUILD_SQL('ASC', false);
      yield* reader.prepare<[Bind], LedgerExportRow>(sql).iterate(bind);
    } finally {
      if (file) reader.close();
    }
  }

  /** The statement's parameters; null when the filter names a member without an account (nothing matches). */
  private bind(reader: Sqlite, guildId: string, filter: JournalFilter, before: number): Bind | null {
    const base: Bind = {
      guildId,
      before,
      kinds: filter.kinds ? JSON.stringify(filter.kinds) : null,
      from: filter.from,
      to: filter.to,
    };
    if (filter.userId === null) return base;
    const account =
      reader === this.db.sqlite
        ? this.s.account.get({ guildId, userId: filter.userId })
        : reader.prepare<[{ guildId: string; userId: string }], { id: number }>(ACCOUNT_SQL).get({
            guildId,
            userId: filter.userId,
          });
    return account ? { ...base, accountId: account.id } : null;
  }
}

/** A guild's whole journal, oldest first, one row at a time (the `/sparks-admin export` file). */
export function ledgerRows(
  db: Db,
  guildId: string,
  filter: JournalFilter = NO_FILTER,
): Generator<LedgerExportRow> {
  return new LedgerReportStore(db).rows(guildId, filter);
}
