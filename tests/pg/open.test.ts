/**
 * src/db/pg/open.ts on the real server: hosts starting together migrate once, under the
 * advisory lock; a newer schema is refused with SQLite's error class; a failing migration
 * leaves nothing; the pool size comes from the URL or an option; withRetry reruns deadlocks
 * and serialization failures until they succeed, and nothing else.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { SchemaTooNewError as SqliteSchemaTooNewError } from '../../src/db/open.ts';
import {
  MIGRATION_LOCK,
  openPostgres,
  PG_MIGRATIONS_FOLDER,
  PgConfigError,
  poolConfig,
  SchemaTooNewError,
  withRetry,
  type PgDb,
} from '../../src/db/pg/open.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const MIGRATIONS = readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return db;
}

async function opened(url: string, options: Parameters<typeof openPostgres>[1] = {}): Promise<PgDb> {
  const db = await openPostgres(url, options);
  cleanups.push(() => db.close());
  return db;
}

async function one<T extends pg.QueryResultRow>(
  q: pg.Pool | pg.PoolClient | pg.Client,
  sql: string,
  params: unknown[] = [],
) {
  return (await q.query<T>(sql, params)).rows[0]!;
}

describe('openPostgres: migrations', () => {
  it('four hosts opening a new database together queue on the advisory lock and migrate it once', async () => {
    const db = await database();
    // Hold the lock first, so all four are provably waiting on it at the same time.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const opening = Promise.all([1, 2, 3, 4].map(() => openPostgres(db.url, { poolSize: 2 })));
    const deadline = Date.now() + 10_000;
    let waiting = 0;
    while (waiting < 4 && Date.now() < deadline) {
      const row = await one<{ n: number }>(
        holder,
        `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database =
           (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      waiting = Number(row.n);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(waiting).toBe(4);
    await holder.query('COMMIT');
    await holder.end();
    const hosts = await opening;
    for (const h of hosts) cleanups.push(() => h.close());

    expect(hosts.map((h) => h.migrated).sort()).toEqual([0, 0, 0, MIGRATIONS.length]);
    const applied = await hosts[0]!.pool.query<{ hash: string; created_at: number }>(
      'SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id',
    );
    expect(applied.rows).toEqual(MIGRATIONS.map((m) => ({ hash: m.hash, created_at: m.folderMillis })));
    const triggers = await one<{ n: number }>(
      hosts[0]!.pool,
      `SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal AND tgname = 'transfers_apply'`,
    );
    expect(triggers.n).toBe(1);
    expect((await opened(db.url)).migrated).toBe(0);
  });

  it('refuses a schema newer than this release knows, with the SQLite error class, and touches nothing', async () => {
    const db = await database();
    const first = await opened(db.url);
    const newest = Math.max(...MIGRATIONS.map((m) => m.folderMillis));
    await first.pool.query(
      `INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('future', $1)`,
      [newest + 1],
    );
    const refused = openPostgres(db.url);
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toThrow(/newer than this release knows/);
    expect(SchemaTooNewError).toBe(SqliteSchemaTooNewError);
    const rows = await one<{ n: number }>(
      first.pool,
      'SELECT count(*) AS n FROM drizzle.__drizzle_migrations',
    );
    expect(rows.n).toBe(MIGRATIONS.length + 1);
  });

  it('a failing migration is rolled back whole, with every migration before it in the same start', async () => {
    const db = await database();
    const folder = mkdtempSync(join(tmpdir(), 'sparks-pg-migrations-'));
    cleanups.push(() => Promise.resolve(rmSync(folder, { recursive: true, force: true })));
    mkdirSync(join(folder, 'meta'));
    const entries = ['0000_one', '0001_broken'].map((tag, idx) => ({
      idx,
      version: '7',
      when: 1_800_000_000_000 + idx,
      tag,
      breakpoints: true,
    }));
    writeFileSync(
      join(folder, 'meta', '_journal.json'),
      JSON.stringify({ version: '7', dialect: 'postgresql', entries }),
    );
    writeFileSync(join(folder, '0000_one.sql'), 'CREATE TABLE one (x int);');
    writeFileSync(
      join(folder, '0001_broken.sql'),
      'CREATE TABLE two (x int);\n--> statement-breakpoint\nSELECT 1 / 0;',
    );
    await expect(openPostgres(db.url, { migrationsFolder: folder })).rejects.toMatchObject({ code: '22012' });
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const { rows } = await check.query(
        `SELECT to_regclass('one') AS one, to_regclass('two') AS two, to_regclass('drizzle.__drizzle_migrations') AS log`,
      );
      expect(rows).toEqual([{ one: null, two: null, log: null }]);
    } finally {
      await check.end();
    }
  });
});

describe('openPostgres: the URL and the pool', () => {
  it('takes the pool size from the URL, or the option over it, and still connects', async () => {
    const db = await database();
    const fromUrl = await opened(`${db.url}?pool_size=3`);
    expect(fromUrl.pool.options.max).toBe(3);
    expect(await one(fromUrl.pool, 'SELECT 1 AS x')).toEqual({ x: 1 });
    expect((await opened(`${db.url}?pool_size=3`, { poolSize: 5 })).pool.options.max).toBe(5);
    expect((await opened(db.url)).pool.options.max).toBe(10);
    expect(poolConfig('postgresql://u@h/db?sslmode=require&pool_size=2').connectionString).toBe(
      'postgresql://u@h/db?sslmode=require',
    );
  });

  it('refuses an unusable URL or pool size before it connects to anything', async () => {
    for (const url of [
      'not a url',
      'mysql://u@h/db',
      'postgres://u@h/db?pool_size=0',
      'postgres://u@h/db?pool_size=1001',
    ])
      await expect(openPostgres(url)).rejects.toBeInstanceOf(PgConfigError);
    for (const size of ['abc', '2.5', '-1', '', '1e2'])
      expect(() => poolConfig(`postgres://u@h/db?pool_size=${size}`)).toThrow(
        /pool size must be a whole number/,
      );
    for (const size of [0, 1.5, Number.NaN, 1001])
      expect(() => poolConfig('postgres://u@h/db', size)).toThrow(PgConfigError);
  });

  it('reads int8 as a number, and refuses one a number cannot hold exactly', async () => {
    const db = await opened((await database()).url, { migrate: false });
    expect(
      await one(db.pool, 'SELECT 9007199254740991::int8 AS n, count(*) AS c FROM pg_class WHERE false'),
    ).toEqual({
      n: 9_007_199_254_740_991,
      c: 0,
    });
    await expect(db.pool.query('SELECT 9007199254740993::int8 AS n')).rejects.toThrow(/beyond 2\^53/);
  });
});

describe('withRetry', () => {
  async function scratch(): Promise<PgDb> {
    const db = await opened((await database()).url, { migrate: false, poolSize: 4 });
    await db.pool.query('CREATE TABLE rows (id int PRIMARY KEY, v int NOT NULL, on_call boolean NOT NULL)');
    await db.pool.query('INSERT INTO rows VALUES (1, 0, true), (2, 0, true)');
    return db;
  }

  /** Resolves once both sides have arrived: makes two transactions overlap where it matters. */
  function meeting() {
    let arrived = 0;
    let open: () => void = () => undefined;
    const both = new Promise<void>((r) => (open = r));
    return () => {
      if (++arrived === 2) open();
      return both;
    };
  }

  it('reruns the loser of a deadlock until both transactions commit', async () => {
    const db = await scratch();
    const meet = meeting();
    const retried: string[] = [];
    const cross = (first: number, second: number) => {
      let attempt = 0;
      return withRetry(
        db.pool,
        async (c) => {
          attempt++;
          await c.query(`SET LOCAL deadlock_timeout = '50ms'`);
          await c.query('UPDATE rows SET v = v + 1 WHERE id = $1', [first]);
          if (attempt === 1) await meet();
          await c.query('UPDATE rows SET v = v + 1 WHERE id = $1', [second]);
          return attempt;
        },
        { onRetry: (e) => retried.push((e as { code?: string }).code ?? '') },
      );
    };
    const attempts = await Promise.all([cross(1, 2), cross(2, 1)]);
    expect(retried).toEqual(['40P01']);
    expect(attempts.sort()).toEqual([1, 2]);
    expect((await db.pool.query('SELECT id, v FROM rows ORDER BY id')).rows).toEqual([
      { id: 1, v: 2 },
      { id: 2, v: 2 },
    ]);
  });

  it('reruns a SERIALIZABLE transaction that failed to serialize, so only one of two goes off call', async () => {
    const db = await scratch();
    const meet = meeting();
    const retried: string[] = [];
    // Each may go off call only if someone else stays on: the classic write skew.
    const offCall = (id: number) => {
      let attempt = 0;
      return withRetry(
        db.pool,
        async (c) => {
          attempt++;
          const { rows } = await c.query<{ n: number }>('SELECT count(*) AS n FROM rows WHERE on_call');
          if (attempt === 1) await meet();
          if (rows[0]!.n < 2) return false;
          await c.query('UPDATE rows SET on_call = false WHERE id = $1', [id]);
          return true;
        },
        { isolation: 'serializable', onRetry: (e) => retried.push((e as { code?: string }).code ?? '') },
      );
    };
    const went = await Promise.all([offCall(1), offCall(2)]);
    expect(retried).toEqual(['40001']);
    expect(went.filter(Boolean)).toHaveLength(1);
    expect((await db.pool.query('SELECT count(*) AS n FROM rows WHERE on_call')).rows).toEqual([{ n: 1 }]);
  });

  it('throws any other error at once, rolled back', async () => {
    const db = await scratch();
    let calls = 0;
    const failing = withRetry(db.pool, async (c) => {
      calls++;
      await c.query('UPDATE rows SET v = 99 WHERE id = 1');
      await c.query('INSERT INTO rows VALUES (2, 0, true)');
    });
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
    expect((await db.pool.query('SELECT v FROM rows WHERE id = 1')).rows).toEqual([{ v: 0 }]);
  });

  it('past its time budget gives SPARKS.BOT_BUSY, never the serialization failure itself', async () => {
    const db = await scratch();
    let calls = 0;
    const error = await withRetry(
      db.pool,
      () => {
        calls++;
        return Promise.reject(Object.assign(new Error('could not serialize access'), { code: '40001' }));
      },
      { timeoutMs: 40, baseDelayMs: 2, maxDelayMs: 4 },
    ).catch((e: unknown) => e);
    expect(isSparksError(error) && error.code).toBe('SPARKS.BOT_BUSY');
    expect(calls).toBeGreaterThan(1);
    expect(db.pool.totalCount).toBe(db.pool.idleCount);
  });
});
