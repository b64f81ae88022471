/**
 * Leader election for the once-only work (src/ops/leadership.ts) on a real PostgreSQL: one
 * leader among processes ("hosts"); the leader SIGKILLed → another leads within 30 s and the
 * two never ran their once-only work at the same time; a leader whose connection is cut
 * stops its work before anything else; release and close stop what they started.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PgConfigError } from '../../src/db/pg/open.ts';
import { silentLogger } from '../../src/log.ts';
import { fixedLeadership, PgLeadership, type Leadership } from '../../src/ops/leadership.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const POLL_MS = 200;
let nextLock = 7_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return db;
}

/** A line-by-line reader of a child's stdout that loses no line that arrives early. */
function host(url: string, tag: string, lock: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'leader-host.ts'), url, tag, String(lock), String(POLL_MS)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  );
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    const take = waiting.shift();
    if (take) take(line);
    else queue.push(line);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      const line = queue.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    });
  return { child, next, tag };
}

function until<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]);
}

async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

function leadershipOn(url: string, lock: number, onChange?: (leader: boolean) => void): PgLeadership {
  const leadership = new PgLeadership({
    url,
    logger: silentLogger,
    lock,
    pollMs: POLL_MS,
    ...(onChange ? { onChange } : {}),
  });
  cleanups.push(() => leadership.close());
  return leadership;
}

/** A once-only work that counts its begins and stops and says whether it runs. */
function counter(leadership: Leadership) {
  const state = { begun: 0, stopped: 0, running: false };
  const release = leadership.whileLeader('counter', () => {
    state.begun++;
    state.running = true;
    return () => {
      state.stopped++;
      state.running = false;
    };
  });
  return { state, release };
}

describe('leader election on PostgreSQL', () => {
  it('one host of two leads; SIGKILLed, the other takes over within 30 s and they never overlap', async () => {
    const db = await database();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query('CREATE TABLE leader_ticks (host text NOT NULL, at timestamptz NOT NULL)');
    const lock = nextLock++;

    const a = host(db.url, 'a', lock);
    expect(await until(a.next(), 30_000, 'host a up')).toEqual({ leader: true });
    expect(await a.next()).toEqual({ up: true, leader: true });
    const b = host(db.url, 'b', lock);
    expect(await until(b.next(), 30_000, 'host b up')).toEqual({ up: true, leader: false });
    // Several of b's polls go by: it stays a follower while a leads.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 5));
    const ticks = async (tag: string) =>
      Number((await admin.query('SELECT COUNT(*) AS n FROM leader_ticks WHERE host = $1', [tag])).rows[0].n);
    expect(await ticks('a')).toBeGreaterThan(0);
    expect(await ticks('b')).toBe(0);

    const takeover = b.next();
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    expect(await until(takeover, 30_000, 'b takes over')).toEqual({ leader: true });
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(30_000);
    await eventually(async () => (await ticks('b')) > 0, 5_000, 'b ticks');
    const { rows } = await admin.query<{ overlap: boolean }>(
      `SELECT (SELECT max(at) FROM leader_ticks WHERE host = 'a') >= (SELECT min(at) FROM leader_ticks WHERE host = 'b') AS overlap`,
    );
    expect(rows[0]!.overlap).toBe(false);
    console.log(`leader SIGKILLed: the other host led ${tookMs} ms later (poll every ${POLL_MS} ms)`);
  }, 90_000);

  it('steps down, stopping its work, when its connection is cut; then leads again', async () => {
    const db = await database();
    const changes: boolean[] = [];
    const leadership = leadershipOn(db.url, nextLock++, (leader) => changes.push(leader));
    const { state } = counter(leadership);
    await leadership.start();
    expect(leadership.isLeader).toBe(true);
    expect(state).toEqual({ begun: 1, stopped: 0, running: true });

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sparks leader' AND datname = current_database()`,
    );
    expect(rowCount).toBe(1);
    await eventually(() => state.stopped === 1, 10_000, 'the work stops');
    expect(leadership.isLeader).toBe(false);
    // Told after the work stopped and the broken connection was dropped.
    await eventually(() => changes.length >= 2, 10_000, 'the change is told');
    expect(changes.slice(0, 2)).toEqual([true, false]);
    await eventually(() => leadership.isLeader && state.running, 10_000, 'it leads again');
    expect(changes).toEqual([true, false, true]);
    expect(state).toEqual({ begun: 2, stopped: 1, running: true });
  }, 30_000);

  it('hands over on close, and a released work no longer begins', async () => {
    const db = await database();
    const lock = nextLock++;
    const first = leadershipOn(db.url, lock);
    const second = leadershipOn(db.url, lock);
    const one = counter(first);
    const two = counter(second);
    const gone = counter(second);
    await first.start();
    await second.start();
    expect([first.isLeader, second.isLeader]).toEqual([true, false]);
    expect(two.state.begun).toBe(0);
    await gone.release();

    await first.close();
    expect(one.state).toEqual({ begun: 1, stopped: 1, running: false });
    expect(first.isLeader).toBe(false);
    await eventually(() => second.isLeader, 10_000, 'the second leads');
    expect(two.state).toEqual({ begun: 1, stopped: 0, running: true });
    expect(gone.state.begun).toBe(0);
    await two.release();
    expect(two.state).toEqual({ begun: 1, stopped: 1, running: false });
  }, 30_000);

  it('refuses a URL that is not PostgreSQL before trying anything', () => {
    expect(() => new PgLeadership({ url: 'mysql://x@h/db', logger: silentLogger })).toThrow(PgConfigError);
    expect(
      () => new PgLeadership({ url: 'postgres://x@127.0.0.1/db', logger: silentLogger, pollMs: 0 }),
    ).toThrow(/positive/);
  });
});

describe('leadership on one host', () => {
  it('the primary runs its work until released or closed; another process never does', async () => {
    const leader = fixedLeadership(true);
    const a = counter(leader);
    const b = counter(leader);
    expect(a.state.running && b.state.running).toBe(true);
    await a.release();
    expect(a.state).toEqual({ begun: 1, stopped: 1, running: false });
    await a.release();
    expect(a.state.stopped).toBe(1);
    await leader.close();
    expect(b.state).toEqual({ begun: 1, stopped: 1, running: false });

    const follower = fixedLeadership(false);
    const c = counter(follower);
    await follower.close();
    expect(c.state).toEqual({ begun: 0, stopped: 0, running: false });
  });

  it('a work whose start throws is logged and the others still start', () => {
    const leader = fixedLeadership(true);
    leader.whileLeader('broken', () => {
      throw new Error('boom');
    });
    const ok = counter(leader);
    expect(ok.state.running).toBe(true);
  });
});
