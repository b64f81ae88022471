import Database from 'better-sqlite3';
import type { Db, Sqlite } from './open.ts';

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

const SQL = `SELECT t.id, t.created_at AS createdAt, t.kind, d.type AS debitType, d.ref AS debitRef,
    c.type AS creditType, c.ref AS creditRef, t.amount, t.reason, t.actor_type AS actorType,
    t.actor_id AS actorId, t.ref, t.closes_id AS closesId
  FROM transfers t
  JOIN accounts d ON d.id = t.debit_account_id
  JOIN accounts c ON c.id = t.credit_account_id
  WHERE t.guild_id = ? ORDER BY t.id`;

/**
 * A guild's journal, oldest first, one row at a time (`.iterate()`: never all in memory).
 * A file database is read through its own read-only connection: an open iterator keeps
 * its connection busy, and the bot's connection must stay free for writes meanwhile (WAL
 * lets both run; the export sees one consistent snapshot). An in-memory database (tests)
 * has no second connection, so it is read on the bot's own.
 */
export function* ledgerRows(db: Db, guildId: string): Generator<LedgerExportRow> {
  const file = db.path !== ':memory:' && db.path !== '';
  const reader: Sqlite = file ? new Database(db.path, { readonly: true, fileMustExist: true }) : db.sqlite;
  try {
    yield* reader.prepare<[string], LedgerExportRow>(SQL).iterate(guildId);
  } finally {
    if (file) reader.close();
  }
}
