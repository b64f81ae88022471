/**
 * /healthz on both engines: `checkDatabase` (src/ops/health.ts) through `HealthMonitor` and
 * through the HTTP server's default check, on SQLite and on a real PostgreSQL, healthy and
 * after the database is gone.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDb } from '../../src/db/engine.ts';
import { openDatabase } from '../../src/db/open.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { createHttpServer, type HttpDeps } from '../../src/http/server.ts';
import { silentLogger } from '../../src/log.ts';
import { checkDatabase, HealthMonitor, type PgHealth } from '../../src/ops/health.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

/** The newest PostgreSQL migration this release ships (the last entry of drizzle-pg's journal). */
const NEWEST = (
  JSON.parse(readFileSync(new URL('../../drizzle-pg/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: { tag: string }[];
  }
).entries.at(-1)!.tag;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pgDb(options: { migrate?: boolean } = {}): Promise<{ db: PgSyncDb; database: TestDatabase }> {
  const database = await freshDatabase();
  cleanups.push(() => database.drop());
  const db = openPgSync(database.url, options);
  cleanups.push(() => db.close());
  return { db, database };
}

/** GET /healthz of a server over `db` (no webhook, no read-back API: nothing else is served). */
async function healthz(db: AppDb, health?: HttpDeps['health']): Promise<{ status: number; body: unknown }> {
  const app = createHttpServer({
    db,
    // Unused: with no webhook secret and no API token only /healthz is served.
    ledger: undefined as never,
    settings: undefined as never,
    platform: undefined as never,
    tiers: undefined as never,
    config: { webhookSecrets: [], defaultGuildId: undefined, platformApiToken: undefined },
    logger: silentLogger,
    ...(health ? { health } : {}),
  });
  cleanups.push(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  return { status: response.statusCode, body: response.json() };
}

function monitor(db: AppDb, options?: ConstructorParameters<typeof HealthMonitor>[2]): HealthMonitor {
  const health = new HealthMonitor(db, undefined, options);
  cleanups.push(() => health.stop());
  return health;
}

describe('the health check on SQLite', () => {
  it('reports the engine and a writable database, then unhealthy (503) once it is closed', async () => {
    const db = openDatabase(':memory:');
    const health = monitor(db);
    expect(health.report()).toMatchObject({
      ok: true,
      database: { engine: 'sqlite', status: 'ok', writable: true },
    });
    expect(await healthz(db)).toEqual({ status: 200, body: { ok: true, database: 'ok' } });
    db.close();
    const report = health.report();
    expect(report.ok).toBe(false);
    expect(report.database).toMatchObject({ engine: 'sqlite', status: 'unhealthy', writable: false });
    expect(report.database.error).toMatch(/not open/);
    expect(await healthz(db)).toEqual({ status: 503, body: { ok: false, database: 'unavailable' } });
    expect(await healthz(db, () => ({ ...health.report() }))).toMatchObject({
      status: 503,
      body: { ok: false, database: { engine: 'sqlite', writable: false } },
    });
  });
});

describe('the health check on PostgreSQL', () => {
  it('reports postgres, a round trip, the server version and a current schema', async () => {
    const { db } = await pgDb();
    const report = monitor(db).report();
    expect(report.ok).toBe(true);
    const database = report.database as PgHealth;
    expect(database).toMatchObject({
      engine: 'postgres',
      status: 'ok',
      migrations: { applied: NEWEST, newest: NEWEST, state: 'current' },
    });
    expect(database.error).toBeUndefined();
    expect(database.serverVersion).toMatch(/^\d+(\.\d+)?/);
    expect(database.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(database.roundTripMs).toBeLessThan(1000);
    expect(await healthz(db)).toEqual({ status: 200, body: { ok: true, database: 'ok' } });
    const served = await healthz(db, () => ({ ...monitor(db).report() }));
    expect(served).toMatchObject({
      status: 200,
      body: { ok: true, database: { engine: 'postgres', status: 'ok' } },
    });
  });

  it('is degraded, yet still 200, when the round trip is slower than slowMs', async () => {
    const { db } = await pgDb();
    const database = checkDatabase(db, { slowMs: -1 }) as PgHealth;
    expect(database.status).toBe('degraded');
    expect(database.error).toMatch(/round trip took .* ms \(over -1 ms\)/);
    expect(monitor(db, { slowMs: -1 }).report().ok).toBe(true);
  });

  it('is degraded when the schema is behind or ahead of this release', async () => {
    const { db } = await pgDb({ migrate: false });
    expect(checkDatabase(db)).toMatchObject({
      engine: 'postgres',
      status: 'degraded',
      migrations: { applied: null, newest: NEWEST, state: 'behind' },
    });
    db.run('CREATE SCHEMA drizzle');
    db.run(
      'CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
    db.run(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('x', 1796306289494)`);
    expect(checkDatabase(db)).toMatchObject({
      status: 'degraded',
      migrations: { applied: '0000_init', state: 'behind' },
    });
    db.run(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('y', 9999999999999)`);
    const ahead = checkDatabase(db) as PgHealth;
    expect(ahead).toMatchObject({
      status: 'degraded',
      migrations: { applied: 'unknown (9999999999999)', state: 'ahead' },
    });
    expect(ahead.error).toMatch(/schema is ahead of this release/);
    expect(await healthz(db)).toEqual({ status: 200, body: { ok: true, database: 'degraded' } });
  });

  it('reports unhealthy (503) without throwing once the database is dropped', async () => {
    const { db, database } = await pgDb();
    const health = monitor(db);
    expect(health.report().ok).toBe(true);
    await database.drop();
    const report = health.report();
    expect(report.ok).toBe(false);
    expect(report.database).toMatchObject({ engine: 'postgres', status: 'unhealthy', roundTripMs: null });
    expect(report.database.error).toEqual(expect.any(String));
    expect(await healthz(db)).toEqual({ status: 503, body: { ok: false, database: 'unavailable' } });
    expect(await healthz(db, () => ({ ...health.report() }))).toMatchObject({
      status: 503,
      body: { ok: false, database: { engine: 'postgres', status: 'unhealthy' } },
    });
  });

  it('reports unhealthy (503) without throwing once the facade is closed', async () => {
    const { db } = await pgDb();
    db.close();
    expect(checkDatabase(db)).toEqual({
      engine: 'postgres',
      status: 'unhealthy',
      roundTripMs: null,
      error: 'the PostgreSQL facade is closed',
    });
    expect(monitor(db).report().ok).toBe(false);
    expect(await healthz(db)).toEqual({ status: 503, body: { ok: false, database: 'unavailable' } });
  });
});

describe('GET /healthz', () => {
  it('answers 503, not 500, when the health check itself throws or rejects', async () => {
    const db = openDatabase(':memory:');
    cleanups.push(() => db.close());
    const failing = [
      () => {
        throw new Error('secret internals');
      },
      () => Promise.reject(new Error('secret internals')),
    ];
    for (const health of failing) {
      const reply = await healthz(db, health);
      expect(reply).toEqual({ status: 503, body: { ok: false, error: 'the health check failed' } });
    }
  });
});
