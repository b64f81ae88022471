/**
 * What the reliability scenarios share: the result row, worker processes on one database,
 * temporary databases on either engine (a SQLite file, or a fresh database of a PostgreSQL
 * server), a seeded random source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { AppDb } from '../src/db/engine.ts';
import { openDatabase } from '../src/db/open.ts';
import { openAppDatabase } from '../src/db/open-app.ts';
import { openPgSync } from '../src/db/pg/sync.ts';
import { formatReport, verifyLedger } from '../src/db/verify.ts';
import { Ledger } from '../src/ledger/ledger.ts';

export interface ScenarioResult {
  scenario: string;
  runs: number;
  figure: string;
  pass: boolean;
  /** The crash points a crash scenario killed at (`name:n`), in order. */
  steps?: string[];
}

export const ROOT = join(import.meta.dirname, '..');
export const G = '910000000000000001';
export const DEFAULTS = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  result: Record<string, number> | null;
}

export interface RunningWorker {
  child: ChildProcess;
  /** Resolves with each JSON line the worker prints, in order. */
  lines: AsyncIterator<string>;
  exited: Promise<WorkerRun>;
}

/** Starts reliability/worker.ts with `command`; its stdout lines are JSON. */
export function startWorker(
  command: object,
  env: Record<string, string> = {},
  options: { stdin?: boolean } = {},
): RunningWorker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'reliability/worker.ts'), JSON.stringify(command)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
    },
  );
  const seen: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => seen.push(line));
  const exited = new Promise<WorkerRun>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let readline hand over what was left in the pipe.
      setImmediate(() => {
        const last = seen.filter(Boolean).at(-1);
        resolve({ code, signal, result: last ? (JSON.parse(last) as Record<string, number>) : null });
      });
    });
  });
  return { child, lines: reader[Symbol.asyncIterator](), exited };
}

export function runWorker(command: object, env: Record<string, string> = {}): Promise<WorkerRun> {
  return startWorker(command, env).exited;
}

/**
 * Which engine a scenario runs on: SQLite files (the default), or databases of the
 * PostgreSQL server whose superuser URL is `server` (the test suite's, `inject('postgresUrl')`).
 */
export type Target = { engine: 'sqlite' } | { engine: 'postgres'; server: string };
export const SQLITE: Target = { engine: 'sqlite' };

/** Where a worker finds the database: the file (SQLite) or the URL (PostgreSQL). */
export interface DatabaseLocation {
  db: string;
  url?: string;
}

/**
 * Opens the database at `where` without migrating it: the app's own choice (`DATABASE_URL`
 * → PostgreSQL through the synchronous facade, else the SQLite file), as a restarted bot
 * opens it.
 */
export function openAt(where: DatabaseLocation, options: { migrate?: boolean } = {}): AppDb {
  return openAppDatabase(
    { databasePath: where.db, databaseUrl: where.url },
    { migrate: options.migrate ?? false },
  );
}

export interface TempDatabase {
  readonly engine: Target['engine'];
  /** A temporary folder of its own (the SQLite file, a flow's role files). */
  dir: string;
  /** What a worker command carries to open it (`openAt`). */
  where: DatabaseLocation;
  /** Open and migrated; a scenario closes it before its workers run when it must. */
  db: AppDb;
  ledger: Ledger;
  /** Opens it again (a restart). */
  reopen: () => AppDb;
  /** Closes `db`, removes the folder, drops the PostgreSQL database. */
  dispose: () => Promise<void>;
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * One migrated template per server and process: each temporary database is a copy of it
 * (CREATE DATABASE … TEMPLATE, tens of ms) instead of a migration of its own (the facade
 * applying every migration, about a second). Dropped by `dropTemplates()`.
 */
const templates = new Map<string, Promise<string>>();
let copies = 0;

function template(server: string): Promise<string> {
  let made = templates.get(server);
  if (!made) {
    made = (async () => {
      const name = `rel_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
      await adminQuery(server, `CREATE DATABASE ${name}`);
      openPgSync(withDatabase(server, name)).close();
      return name;
    })();
    templates.set(server, made);
  }
  return made;
}

/** Drops the templates `tempDatabase` made in this process (a scenario run's end). */
export async function dropTemplates(): Promise<void> {
  const all = [...templates];
  templates.clear();
  for (const [server, name] of all)
    await adminQuery(server, `DROP DATABASE IF EXISTS ${await name} WITH (FORCE)`);
}

/** A fresh, migrated, empty database on `target`'s engine, open. */
export async function tempDatabase(target: Target = SQLITE): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-rel-'));
  const file = join(dir, 'sparks.db');
  if (target.engine === 'sqlite') {
    const db = openDatabase(file);
    const where = { db: file };
    return {
      engine: 'sqlite',
      dir,
      where,
      db,
      ledger: new Ledger({ db }),
      reopen: () => openAt(where),
      dispose: () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const { server } = target;
  const name = `rel_${process.pid}_${++copies}_${randomBytes(3).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${name} TEMPLATE ${await template(server)}`);
  const where = { db: file, url: withDatabase(server, name) };
  const db = openAt(where);
  return {
    engine: 'postgres',
    dir,
    where,
    db,
    ledger: new Ledger({ db }),
    reopen: () => openAt(where),
    dispose: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
      await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Rows of a read-only statement in SQL both engines accept, its values written inline (the
 * scenarios' own constants): how a check reads a table no store lists the way it needs.
 */
export function rows<R = Record<string, unknown>>(db: AppDb, sql: string): R[] {
  return db.engine === 'postgres' ? db.query<R>(sql) : (db.sqlite.prepare(sql).all() as R[]);
}

export const sum = (runs: WorkerRun[], key: string) => runs.reduce((n, r) => n + (r.result?.[key] ?? 0), 0);

/**
 * verifyLedger on either engine (on SQLite it runs PRAGMA integrity_check and
 * foreign_key_check too; on PostgreSQL it checks the constraints are validated and the
 * triggers present): '' when clean, else what failed.
 */
export function ledgerProblems(db: AppDb): string {
  const report = verifyLedger(db);
  if (report.ok) return '';
  return formatReport(report)
    .split('\n')
    .filter((l) => l.includes('FAIL') || l.includes(' - '))
    .join(' ')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}

/** mulberry32: a small, fast PRNG; the same seed always gives the same sequence. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    shuffle<T>(items: T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

/** Runs `fn` on up to `width` items at once. */
export async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
