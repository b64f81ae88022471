/**
 * Errors of applying migrations at start, shared by both engines (src/db/open.ts for SQLite,
 * src/db/pg/open.ts for PostgreSQL) so a caller handles them once, whichever engine runs.
 * Here, not in open.ts, so the PostgreSQL path does not load better-sqlite3.
 */

/** The database was migrated by a newer release: an older bot must not write to a schema it does not know. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

/** A migration left the database inconsistent and was rolled back whole. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}
