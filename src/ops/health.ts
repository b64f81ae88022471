/**
 * The health report behind GET /healthz: the database (whichever engine), the Discord
 * gateway and the event loop. `checkDatabase` is the one place that knows how each engine is
 * checked; the HTTP server's default health check uses it too. It never throws: a database
 * that fails, or does not answer within the facade's statement timeout, is reported
 * `unhealthy` (and /healthz answers 503).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Status, type Client } from 'discord.js';
import type { AppDb } from '../db/engine.ts';
import type { Db } from '../db/open.ts';
import { PG_MIGRATIONS_FOLDER } from '../db/pg/open.ts';
import type { PgSyncDb } from '../db/pg/sync.ts';

/**
 * `ok`: answers as it should. `degraded`: answers, but slower than `slowMs` or on a schema
 * other than this release's newest migration. `unhealthy`: does not answer (or, SQLite, takes
 * no write lock).
 */
export type DatabaseStatus = 'ok' | 'degraded' | 'unhealthy';

export interface SqliteHealth {
  engine: 'sqlite';
  status: DatabaseStatus;
  /** The database took a write lock (BEGIN IMMEDIATE, rolled back). */
  writable: boolean;
  error?: string;
}

export interface PgMigrationState {
  /** The newest migration applied to the database (its drizzle-pg/ tag), null when none is. */
  applied: string | null;
  /** The newest migration this release has. */
  newest: string;
  /** `behind`: migrations of this release not applied yet; `ahead`: a newer release's are. */
  state: 'current' | 'behind' | 'ahead';
}

export interface PgHealth {
  engine: 'postgres';
  status: DatabaseStatus;
  /** `SELECT 1` through the synchronous facade, in ms; null when it failed. */
  roundTripMs: number | null;
  /** `SHOW server_version`, e.g. "18.1". */
  serverVersion?: string;
  migrations?: PgMigrationState;
  /** Why the status is not `ok`: the failure, or what is degraded. */
  error?: string;
}

export type DatabaseHealth = SqliteHealth | PgHealth;

export interface DatabaseCheckOptions {
  /** A PostgreSQL round trip slower than this (ms) is `degraded`. Default 1000. */
  slowMs?: number;
  /** Where this release's PostgreSQL migrations are (default drizzle-pg/). */
  migrationsFolder?: string;
}

export const DEFAULT_SLOW_MS = 1000;

/** Checks the database on its engine; never throws. */
export function checkDatabase(db: AppDb, options: DatabaseCheckOptions = {}): DatabaseHealth {
  return db.engine === 'postgres' ? checkPostgres(db, options) : checkSqlite(db);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkSqlite(db: Db): SqliteHealth {
  try {
    db.sqlite.exec('BEGIN IMMEDIATE; ROLLBACK;');
    return { engine: 'sqlite', status: 'ok', writable: true };
  } catch (e) {
    return { engine: 'sqlite', status: 'unhealthy', writable: false, error: message(e) };
  }
}

function checkPostgres(db: PgSyncDb, options: DatabaseCheckOptions): PgHealth {
  let roundTripMs: number;
  let version: string | undefined;
  try {
    // One round trip both probes the server and reads its version.
    const started = performance.now();
    const rows = db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    version = rows[0]?.v;
    roundTripMs = Math.round((performance.now() - started) * 100) / 100;
  } catch (e) {
    return { engine: 'postgres', status: 'unhealthy', roundTripMs: null, error: message(e) };
  }
  const problems: string[] = [];
  const slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  if (roundTripMs > slowMs) problems.push(`the round trip took ${roundTripMs} ms (over ${slowMs} ms)`);
  const report: PgHealth = { engine: 'postgres', status: 'ok', roundTripMs };
  if (version !== undefined) report.serverVersion = version;
  try {
    report.migrations = migrationState(db, options.migrationsFolder ?? PG_MIGRATIONS_FOLDER);
    if (report.migrations.state !== 'current')
      problems.push(
        `the schema is ${report.migrations.state} of this release (applied ${report.migrations.applied ?? 'none'}, newest ${report.migrations.newest})`,
      );
  } catch (e) {
    problems.push(`the migration state could not be read: ${message(e)}`);
  }
  if (problems.length > 0) {
    report.status = 'degraded';
    report.error = problems.join('; ');
  }
  return report;
}

interface Journal {
  entries: { when: number; tag: string }[];
}

const journals = new Map<string, Journal['entries']>();

/** The migrations of a drizzle-pg/ folder (its journal, read once), oldest first. */
function knownMigrations(folder: string): Journal['entries'] {
  let entries = journals.get(folder);
  if (!entries) {
    const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
    entries = [...journal.entries].sort((a, b) => a.when - b.when);
    journals.set(folder, entries);
  }
  return entries;
}

/** PostgreSQL error code of a missing table (no migration ever ran on this database). */
const UNDEFINED_TABLE = '42P01';

/**
 * The newest migration applied (drizzle's `drizzle.__drizzle_migrations`, by `created_at`,
 * the journal's `when` — how `applyPgMigrationsOn` decides what to apply) against this
 * release's newest.
 */
function migrationState(db: PgSyncDb, folder: string): PgMigrationState {
  const known = knownMigrations(folder);
  const newest = known[known.length - 1];
  let applied: number | null = null;
  try {
    const [row] = db.query<{ created_at: string | number }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    );
    if (row) applied = Number(row.created_at);
  } catch (e) {
    if ((e as { code?: string }).code !== UNDEFINED_TABLE) throw e;
  }
  const newestAt = newest?.when ?? 0;
  const tag = (at: number) => known.find((m) => m.when === at)?.tag ?? `unknown (${at})`;
  return {
    applied: applied === null ? null : tag(applied),
    newest: newest?.tag ?? 'none',
    state: (applied ?? 0) === newestAt ? 'current' : (applied ?? 0) < newestAt ? 'behind' : 'ahead',
  };
}

export interface HealthReport {
  ok: boolean;
  database: DatabaseHealth;
  gateway: { connected: boolean; status: string; pingMs: number | null };
  eventLoop: { lagP99Ms: number };
  uptimeSeconds: number;
}

/** Keeps an event-loop delay histogram running for the health report. */
export class HealthMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private readonly started = Date.now();

  constructor(
    private readonly db: AppDb,
    private readonly client: Client | undefined,
    private readonly options: DatabaseCheckOptions = {},
  ) {
    this.delay.enable();
  }

  /**
   * Healthy when the database is not `unhealthy` (see `checkDatabase`: on SQLite it takes a
   * write lock, on PostgreSQL it answers a round trip) and, in a process with a Discord
   * client, the gateway is connected. A `degraded` database is reported but still healthy.
   */
  report(): HealthReport {
    const database = checkDatabase(this.db, this.options);
    // The manager-level status is not updated on a close; each shard's is.
    const shards = this.client ? [...this.client.ws.shards.values()] : [];
    const notReady = shards.find((shard) => shard.status !== Status.Ready);
    const destroyed = (this.client?.ws as { destroyed?: boolean } | undefined)?.destroyed === true;
    const status = !this.client
      ? Status.Ready
      : destroyed || shards.length === 0
        ? Status.Disconnected
        : (notReady?.status ?? Status.Ready);
    const connected = status === Status.Ready;
    const lag = this.delay.percentile(99) / 1e6;
    this.delay.reset();
    return {
      ok: database.status !== 'unhealthy' && connected,
      database,
      gateway: {
        connected,
        status: Status[status] ?? String(status),
        pingMs: this.client && this.client.ws.ping >= 0 ? this.client.ws.ping : null,
      },
      eventLoop: { lagP99Ms: Math.round(lag * 100) / 100 },
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
    };
  }

  stop(): void {
    this.delay.disable();
  }
}
