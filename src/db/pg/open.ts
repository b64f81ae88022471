/**
 * Opening the ledger's PostgreSQL database: a connection pool from a URL, the `drizzle-pg/`
 * migrations applied at start under an advisory lock, and `withRetry`, the transaction
 * boundary that retries what PostgreSQL asks to retry.
 *
 * The URL is libpq's (`postgres://user:password@host:5432/db?sslmode=require`); TLS and the
 * other connection settings come from it as node-postgres reads them. One addition:
 * `pool_size=N` (1 … 1000, default 10) sets how many connections the pool opens at most; the
 * `poolSize` option overrides it.
 */
import { join } from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import { SparksError } from '../../core/errors.ts';
import { ROOT } from '../../paths.ts';
import { SchemaTooNewError } from '../migration-errors.ts';
import * as schema from './schema.ts';
import { getTypeParser } from './types.ts';

export { SchemaTooNewError };

export const PG_MIGRATIONS_FOLDER = join(ROOT, 'drizzle-pg');

/**
 * The advisory lock every host takes, inside the migrating transaction, before it reads which
 * migrations are applied: 'SPARKS' in ASCII. Held until that transaction ends.
 */
export const MIGRATION_LOCK = 0x535041524b53;

export const DEFAULT_POOL_SIZE = 10;
export const MAX_POOL_SIZE = 1000;

/** SQLSTATEs a transaction is retried on: serialization_failure, deadlock_detected. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

export type PgOrm = NodePgDatabase<typeof schema>;

export interface PgDb {
  readonly pool: pg.Pool;
  readonly orm: PgOrm;
  /** How many migrations this open applied (0 when the schema was already current). */
  readonly migrated: number;
  /** `withRetry` on this pool. */
  withRetry<T>(fn: (client: pg.PoolClient) => Promise<T>, options?: RetryOptions): Promise<T>;
  close(): Promise<void>;
}

export interface PgOpenOptions {
  /** Most connections the pool opens; overrides the URL's `pool_size`. */
  poolSize?: number;
  /** Apply the migrations in drizzle-pg/ (default true). */
  migrate?: boolean;
  migrationsFolder?: string;
  /**
   * Told of an error on an idle pooled connection (the server restarted, the network
   * dropped it); the pool has already discarded that connection. Default: ignored, since the
   * next query opens a new one.
   */
  onIdleError?: (error: Error) => void;
}

/** A PostgreSQL URL or pool setting that cannot be used; nothing was opened. */
export class PgConfigError extends Error {
  override readonly name = 'PgConfigError';
}

/** The pool's settings from a URL and the options: what node-postgres reads, and the pool size. */
export function poolConfig(url: string, poolSize?: number): pg.PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PgConfigError('the PostgreSQL URL is not a URL (postgres://user:password@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new PgConfigError(`the PostgreSQL URL must start with postgres:// (not ${parsed.protocol}//)`);
  const fromUrl = parsed.searchParams.get('pool_size');
  parsed.searchParams.delete('pool_size');
  const max = poolSize ?? (fromUrl === null ? DEFAULT_POOL_SIZE : Number(fromUrl));
  if (
    !Number.isInteger(max) ||
    max < 1 ||
    max > MAX_POOL_SIZE ||
    (fromUrl !== null && !/^\d+$/.test(fromUrl))
  )
    throw new PgConfigError(
      `the PostgreSQL pool size must be a whole number from 1 to ${MAX_POOL_SIZE}, not ${JSON.stringify(poolSize ?? fromUrl)}`,
    );
  return {
    connectionString: parsed.toString(),
    max,
    application_name: parsed.searchParams.get('application_name') ?? 'sparks',
    types: { getTypeParser },
  };
}

/**
 * Opens a pool on `url` and, unless told not to, applies the migrations before anything
 * else uses it. Throws PgConfigError for an unusable URL or pool size, SchemaTooNewError for
 * a database a newer release migrated; the pool is closed again on any failure.
 */
export async function openPostgres(url: string, options: PgOpenOptions = {}): Promise<PgDb> {
  const pool = new pg.Pool(poolConfig(url, options.poolSize));
  pool.on('error', (e) => options.onIdleError?.(e));
  let migrated = 0;
  if (options.migrate !== false) {
    try {
      migrated = await applyPgMigrations(pool, options.migrationsFolder);
    } catch (e) {
      await pool.end();
      throw e;
    }
  }
  const orm = drizzle({ client: pool, schema });
  let closing: Promise<void> | undefined;
  return {
    pool,
    orm,
    migrated,
    withRetry: (fn, retry) => withRetry(pool, fn, retry),
    close: () => (closing ??= pool.end()),
  };
}

/**
 * Applies drizzle-kit's migrations (drizzle's own bookkeeping table,
 * `drizzle.__drizzle_migrations`) in ONE transaction that first takes
 * `pg_advisory_xact_lock(MIGRATION_LOCK)`: hosts starting together queue on the lock, the
 * first applies what is missing, the others then find it applied and apply nothing.
 * PostgreSQL's DDL is transactional, so a failing migration leaves nothing behind. A database
 * whose newest applied migration is newer than this release's newest is refused
 * (SchemaTooNewError), as `applyMigrations` refuses it on SQLite. Returns how many it applied.
 */
export async function applyPgMigrations(
  pool: pg.Pool,
  migrationsFolder = PG_MIGRATIONS_FOLDER,
): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await applyPgMigrationsOn(client, migrationsFolder, (e) => (broken = e));
  } finally {
    client.release(broken);
  }
}

/**
 * `applyPgMigrations` on one connection that is in no transaction (the synchronous facade's
 * worker uses it on its own client). `onBroken` is told when even the ROLLBACK failed.
 */
export async function applyPgMigrationsOn(
  client: pg.ClientBase,
  migrationsFolder = PG_MIGRATIONS_FOLDER,
  onBroken?: (error: Error) => void,
): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder });
  const newestKnown = Math.max(0, ...migrations.map((m) => m.folderMillis));
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await client.query(
      'CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
    const last = await client.query<{ created_at: number | string }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    );
    const applied = last.rows[0] ? Number(last.rows[0].created_at) : 0;
    if (applied > newestKnown)
      throw new SchemaTooNewError(
        `the database schema (${applied}) is newer than this release knows (${newestKnown}); upgrade the bot before starting it`,
      );
    let count = 0;
    for (const migration of migrations) {
      if (migration.folderMillis <= applied) continue;
      for (const statement of migration.sql) if (statement.trim()) await client.query(statement);
      await client.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
      count++;
    }
    await client.query('COMMIT');
    return count;
  } catch (e) {
    await client.query('ROLLBACK').catch((rollback: Error) => onBroken?.(rollback));
    throw e;
  }
}

export interface RetryOptions {
  /** The transaction's isolation level (default: the server's, READ COMMITTED unless changed). */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /**
   * How long to keep retrying before giving up with SPARKS.BOT_BUSY (default 30 s): a
   * serialization failure or deadlock itself never reaches the caller.
   */
  timeoutMs?: number;
  /** First backoff ceiling (default 5 ms); it doubles per attempt up to `maxDelayMs` (default 500 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told of each failure that is retried, with the attempt that failed (1, 2, …). */
  onRetry?: (error: Error, attempt: number) => void;
}

/** Whether PostgreSQL asks for the transaction to be run again. */
export function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE_CODES.has((e as { code?: string }).code ?? '');
}

/**
 * Runs `fn` in one transaction on a pooled connection — BEGIN, `fn(client)`, COMMIT — and
 * runs it again, after a jittered exponential backoff, whenever PostgreSQL fails it with a
 * serialization failure (40001) or a deadlock (40P01), at any statement or at COMMIT. Any
 * other error rolls back and is thrown as it is. `fn` must do nothing outside the database
 * that cannot be done twice: a retried attempt starts again from BEGIN.
 */
export async function withRetry<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const begin = options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const base = options.baseDelayMs ?? 5;
  const max = options.maxDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    let failure: unknown;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      failure = e;
      // After a failed COMMIT the transaction is already over; ROLLBACK then only warns.
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
    } finally {
      client.release(broken);
    }
    if (!isRetryable(failure)) throw failure;
    const error = failure as Error;
    if (Date.now() >= deadline)
      throw new SparksError(
        'SPARKS.BOT_BUSY',
        {},
        `gave up after ${attempt} attempts: ${(error as { code?: string }).code} ${error.message}`,
      );
    options.onRetry?.(error, attempt);
    const ceiling = Math.min(max, base * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}
