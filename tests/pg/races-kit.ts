/**
 * Two writers on one PostgreSQL database, made to overlap for certain: this process opens a
 * write on its facade, does its part of the race inside it, and with that transaction still
 * open starts a second bot process (races-child.ts, its own facade and connection) that runs
 * the same service call. The first transaction stays open until the second is either blocked
 * on a lock (what a fix makes it do) or done (what it does when nothing makes it wait), then
 * commits; the second's outcome shows whether it decided on what the first had written.
 *
 * So each race is run in its worst interleaving every time, not by chance: a test fails
 * without its fix on every run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { freshDatabase } from '../testkit/postgres.ts';

export type Scenario =
  'tier-set' | 'wallet-link' | 'freeze-reserve' | 'campaign-batch' | 'quest-prerequisite';

/** What the second process reports: `outcome` is 'ok' or the SparksError code it got. */
export interface ChildResult {
  outcome: string;
  [more: string]: unknown;
}

export interface Child {
  /** The child's result, once it exited (rejects when it failed). */
  readonly done: Promise<ChildResult>;
  readonly resultFile: string;
}

/** A new migrated database with this process's facade on it; `close()` ends both. */
export async function sharedDatabase(): Promise<{ url: string; db: PgSyncDb; close: () => Promise<void> }> {
  const database = await freshDatabase();
  const db = openPgSync(database.url);
  return {
    url: database.url,
    db,
    close: async () => {
      db.close();
      await database.drop();
    },
  };
}

/** Starts the second bot process on `url` for `scenario` (see races-child.ts). */
export function startChild(url: string, scenario: Scenario, args: Record<string, unknown>): Child {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-race-'));
  const resultFile = join(dir, 'result.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'races-child.ts'),
      url,
      scenario,
      resultFile,
      JSON.stringify(args),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        if (code !== 0) return reject(new Error(`the ${scenario} child exited ${code}`));
        resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  return { done, resultFile };
}

/** Blocks the thread for `ms` (inside a write there is no event loop to yield to). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Called inside `db`'s open write: waits until the other connection on this database is
 * blocked on a lock (returns the statement it waits in) or the child finished (returns
 * null). Throws after `timeoutMs`.
 */
export function untilBlockedOrDone(db: PgSyncDb, child: Child, timeoutMs = 60_000): string | null {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Inside a transaction the activity view is read once and kept: read it afresh.
    db.query('SELECT pg_stat_clear_snapshot()');
    const [waiting] = db.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (waiting) return waiting.query;
    if (existsSync(child.resultFile)) return null;
    sleep(20);
  }
  throw new Error('the second process neither blocked nor finished in time');
}

/**
 * The race: inside one write on `db`, `first()` runs (this process's service call, a
 * savepoint of it), then the child starts and the transaction stays open until the child
 * blocks or finishes; then it commits. `blockedIn`: the statement the child waited in, null
 * when it never waited.
 */
export async function race<T>(
  db: PgSyncDb,
  url: string,
  first: () => T,
  scenario: Scenario,
  args: Record<string, unknown>,
): Promise<{ first: T; second: ChildResult; blockedIn: string | null }> {
  let child: Child | undefined;
  const { result, blockedIn } = db.write(() => {
    const result = first();
    child ??= startChild(url, scenario, args);
    return { result, blockedIn: untilBlockedOrDone(db, child) };
  });
  return { first: result, second: await child!.done, blockedIn };
}
