import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { ROOT } from '../paths.ts';
import { BATCH_SCRATCH_SQL } from './ledger-triggers.ts';
import { MigrationError, SchemaTooNewError } from './migration-errors.ts';
import * as schema from './schema.ts';

export { MigrationError, SchemaTooNewError };

export const MIGRATIONS_FOLDER = join(ROOT, 'drizzle');

export type Sqlite = Database.Database;
export type Drizzle = BetterSQLite3Database<typeof schema>;

export interface Db {
  /** Which engine this is (the PostgreSQL facade, src/db/pg/sync.ts, says 'postgres'). */
  readonly engine: 'sqlite';
  readonly sqlite: Sqlite;
  readonly orm: Drizzle;
  readonly path: string;
  /**
   * Runs `fn` as one synchronous write transaction opened with BEGIN IMMEDIATE, so the
   * write lock is taken up front (no deferred-upgrade deadlocks between processes).
   * Nested calls become savepoints: all-or-nothing on their own, inside the outer one.
   */
  write: <T>(fn: () => T) => T;
  /**
   * Whether a write is open on this connection. After some errors (disk full, I/O) SQLite
   * has already rolled the whole transaction back: a caller inside `write` checks this
   * before it carries on as if only its savepoint failed.
   */
  readonly inTransaction: boolean;
  close: () => void;
}

export interface OpenOptions {
  /** Apply the migrations in drizzle/ (default true). */
  migrate?: boolean;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** SQLite's page cache per connection, KiB. */
export const PAGE_CACHE_KIB = 4000;

/**
 * Opens (creating if needed) the database with the pragmas the ledger's durability rests
 * on — WAL, synchronous=FULL (better-sqlite3 would otherwise leave WAL at NORMAL, which
 * can lose the last commits on power loss), foreign keys, a busy timeout — and applies
 * the migrations before anything else touches it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const memory = path === ':memory:' || path === '';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  if (!memory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Savepoints (nested writes, the per-grant savepoints of a campaign batch) journal the
  // pages they touch; in memory that costs nothing, in a temp file it is a write per page.
  sqlite.pragma('temp_store = MEMORY');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; the OS caches the
  // file anyway. At 4 MB the bot's RSS is ~7 MB lower with the 100,000-member bench guild,
  // and reads at scale and campaign bursts measured the same (npm run bench).
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  const orm = drizzle(sqlite, { schema });
  if (options.migrate !== false) {
    try {
      applyMigrations(sqlite);
    } catch (e) {
      sqlite.close();
      throw e;
    }
  }
  // The ledger batch's scratch tables (TEMP: per connection, in memory), made here, outside
  // any transaction, so a rolled-back batch can never take them away from its statements.
  for (const statement of BATCH_SCRATCH_SQL) sqlite.exec(statement);
  // One transaction function for every write: better-sqlite3 builds four wrapped variants
  // per sqlite.transaction() call, which was a measurable part of a single grant's CPU.
  const transaction = sqlite.transaction((fn: () => unknown) => fn());
  return {
    engine: 'sqlite',
    sqlite,
    orm,
    path,
    write: <T>(fn: () => T): T => transaction.immediate(fn) as T,
    get inTransaction() {
      return sqlite.inTransaction;
    },
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Applies drizzle-kit's migrations (same `__drizzle_migrations` table as drizzle's own
 * migrator) inside one BEGIN IMMEDIATE transaction. drizzle's migrator reads the applied
 * version before a deferred BEGIN, so two shards starting together could both apply the
 * same migration; here the read and the writes happen under the write lock, so exactly
 * one process migrates and the others find the work done. A database migrated by a newer
 * release is refused: an older bot must not write to a schema it does not know.
 *
 * Foreign keys are off while the migrations run: changing a table's CHECK makes drizzle-kit
 * rebuild it (create a copy, move the rows, drop the old, rename), and with foreign keys on,
 * dropping a table that others reference deletes through them or fails. The migration's
 * own `PRAGMA foreign_keys=OFF` cannot help: inside a transaction SQLite ignores it. So the
 * pragma is set around the transaction, and `PRAGMA foreign_key_check` runs before COMMIT:
 * a migration that left a reference broken is rolled back whole.
 */
export function applyMigrations(sqlite: Sqlite, migrationsFolder = MIGRATIONS_FOLDER): number {
  const migrations = readMigrationFiles({ migrationsFolder });
  const newestKnown = Math.max(0, ...migrations.map((m) => m.folderMillis));
  const enforced = sqlite.pragma('foreign_keys', { simple: true }) === 1;
  sqlite.pragma('foreign_keys = OFF');
  try {
    return sqlite
      .transaction(() => {
        sqlite.exec(
          'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
        );
        const last = sqlite
          .prepare('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1')
          .get() as { created_at: number | string } | undefined;
        const applied = last ? Number(last.created_at) : 0;
        if (applied > newestKnown) {
          throw new SchemaTooNewError(
            `the database schema (${applied}) is newer than this release knows (${newestKnown}); upgrade the bot before starting it`,
          );
        }
        const insert = sqlite.prepare(
          'INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)',
        );
        let count = 0;
        for (const migration of migrations) {
          if (migration.folderMillis <= applied) continue;
          for (const statement of migration.sql) if (statement.trim()) sqlite.exec(statement);
          insert.run(migration.hash, migration.folderMillis);
          count++;
        }
        if (count > 0) {
          const broken = sqlite.prepare('PRAGMA foreign_key_check').all().length;
          if (broken > 0)
            throw new MigrationError(`a migration left ${broken} broken foreign key reference(s)`);
        }
        return count;
      })
      .immediate();
  } finally {
    if (enforced) sqlite.pragma('foreign_keys = ON');
  }
}
