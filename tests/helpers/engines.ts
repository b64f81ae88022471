/**
 * One set of ledger tests on both engines: `engineDbs()` (called at a file's top level) gives
 * `fresh(engine)`, a migrated, empty database of either kind behind the same `LedgerDb`
 * seam, with `rows(sql)` (plain SQL both engines answer) and `verify()` (the ledger's
 * invariants recomputed from the journal).
 *
 * PostgreSQL: one migrated template database per file, copied (CREATE DATABASE … TEMPLATE)
 * for each database the file holds at once; a database given back by `cleanup()` is emptied
 * and reused, since a facade's worker takes a few hundred ms to start and a database copy
 * tens of ms, which a property test with hundreds of runs cannot pay each time.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import type { AppDb } from '../../src/db/engine.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/pg/open.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { Ledger, type LedgerDb } from '../../src/ledger/ledger.ts';
import { adminQuery, freshDatabase, withDatabase, type TestDatabase } from '../testkit/postgres.ts';
import { fakeClock } from './db.ts';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface EngineDb {
  readonly engine: Engine;
  readonly db: LedgerDb;
  /** Rows of a read-only statement written in SQL both engines accept. */
  rows: (sql: string) => Record<string, unknown>[];
  /** A statement for its effect (test set-up: plain SQL both engines accept, no parameters). */
  exec: (sql: string) => void;
  /** The ledger's invariants, recomputed from the journal; `problems` names what broke. */
  verify: () => { ok: boolean; problems: string[] };
  /** Closes it (SQLite) or empties it for the next test (PostgreSQL). */
  cleanup: () => void;
}

/**
 * Empties a database for reuse: every table of the public schema (a feature's tables too,
 * whoever added them), identities restarted. The guards against TRUNCATE (the journal's and
 * the derived tables') stand aside for it and come back in the mode they had (ENABLE ALWAYS
 * stays ALWAYS).
 */
const RESET = `DO $reset$
DECLARE
  t record;
  tables text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS reset_guards (tab regclass, name text, mode "char") ON COMMIT DROP;
  INSERT INTO reset_guards SELECT tg.tgrelid::regclass, tg.tgname, tg.tgenabled FROM pg_trigger tg
    JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT tg.tgisinternal AND (tg.tgtype & 32) <> 0;
  FOR t IN SELECT * FROM reset_guards LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', t.tab, t.name);
  END LOOP;
  SELECT string_agg(format('%I', tablename), ', ') INTO tables FROM pg_tables WHERE schemaname = 'public';
  IF tables IS NOT NULL THEN EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY'; END IF;
  FOR t IN SELECT * FROM reset_guards LOOP
    EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', t.tab,
      CASE t.mode WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, t.name);
  END LOOP;
  DROP TABLE reset_guards;
END
$reset$;`;

interface Slot {
  name: string;
  db: PgSyncDb;
  busy: boolean;
}

/** An `EngineDb` over a SQLite database opened elsewhere (a file, say); `cleanup` closes it. */
export function sqliteEnv(db: Db, cleanup: () => void): EngineDb {
  return {
    engine: 'sqlite',
    db,
    rows: (sql) => db.sqlite.prepare(sql).all() as Record<string, unknown>[],
    exec: (sql) => db.sqlite.exec(sql),
    verify: () => {
      const report = verifyLedger(db.sqlite);
      return { ok: report.ok, problems: report.checks.filter((c) => !c.ok).map((c) => c.name) };
    },
    cleanup,
  };
}

/** A fresh database of the suite's server with every PostgreSQL migration applied: a template. */
async function migratedDatabase(): Promise<TestDatabase> {
  const database = await freshDatabase();
  const migrated = await openPostgres(database.url, { poolSize: 1 });
  await migrated.close();
  return database;
}

export function engineDbs(): (engine: Engine) => EngineDb {
  let template: TestDatabase | undefined;
  let admin: PgSyncDb | undefined;
  const slots: Slot[] = [];
  beforeAll(async () => {
    template = await migratedDatabase();
  });
  afterAll(async () => {
    for (const slot of slots.splice(0)) {
      slot.db.close();
      admin?.run(`DROP DATABASE IF EXISTS ${slot.name} WITH (FORCE)`);
    }
    admin?.close();
    await template?.drop();
  });

  const pgSlot = (): Slot => {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      free.db.run(RESET);
      return free;
    }
    if (!template) throw new Error('the template database is made in beforeAll; call fresh() inside a test');
    admin ??= openPgSync(inject('postgresUrl'), { migrate: false });
    const name = `${template.name}_${slots.length}`;
    admin.run(`CREATE DATABASE ${name} TEMPLATE ${template.name}`);
    const slot: Slot = {
      name,
      db: openPgSync(withDatabase(template.url, name), { migrate: false }),
      busy: true,
    };
    slots.push(slot);
    return slot;
  };

  return (engine) => {
    if (engine === 'sqlite') {
      const db = openDatabase(':memory:');
      return sqliteEnv(db, () => db.close());
    }
    const slot = pgSlot();
    const { db } = slot;
    return {
      engine,
      db,
      rows: (sql) => db.query(sql),
      exec: (sql) => void db.run(sql),
      verify: () => {
        const report = verifyLedger(db);
        return { ok: report.ok, problems: report.checks.filter((c) => !c.ok).map((c) => c.name) };
      },
      cleanup: () => {
        if (db.inTransaction) throw new Error('cleanup inside a write');
        slot.busy = false;
      },
    };
  };
}

/** `freshLedger` of tests/helpers/db.ts on either engine. */
export function ledgerOn(fresh: (engine: Engine) => EngineDb, engine: Engine) {
  const env = fresh(engine);
  const clock = fakeClock();
  return { ...env, clock, ledger: new Ledger({ db: env.db, clock }) };
}

/**
 * The SQLite connection under an app's `AppDb`, for a test that reads or breaks the file
 * directly (the bot worlds run on SQLite); throws on PostgreSQL rather than guess.
 */
export function sqliteOf(db: AppDb): Db['sqlite'] {
  if (db.engine !== 'sqlite') throw new Error('this test reads the SQLite file directly');
  return db.sqlite;
}

/** `SELECT COUNT(*) AS n …` (plain SQL both engines accept) on an app's database. */
export function countOf(db: AppDb, sql: string): number {
  const rows =
    db.engine === 'sqlite'
      ? (db.sqlite.prepare(sql).all() as { n: unknown }[])
      : db.query<{ n: unknown }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Bot worlds (testkit/bot.ts `startWorld`) on either engine, called at a file's top level:
 * `env(engine)` is what to put in the world's `env` — nothing on SQLite (the world makes
 * its own file), `DATABASE_URL` of a new PostgreSQL database on PostgreSQL, copied from one
 * migrated template (a fresh migration per world would cost more than the test) and dropped
 * after the file's tests.
 */
export function worldDatabases(): (engine: Engine) => Promise<Record<string, string>> {
  let template: TestDatabase | undefined;
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made.splice(0))
      await adminQuery(inject('postgresUrl'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await template?.drop();
  });
  return async (engine): Promise<Record<string, string>> => {
    if (engine === 'sqlite') return {};
    template ??= await migratedDatabase();
    const name = `${template.name}_w${made.length}`;
    await adminQuery(inject('postgresUrl'), `CREATE DATABASE ${name} TEMPLATE ${template.name}`);
    made.push(name);
    return { DATABASE_URL: withDatabase(template.url, name) };
  };
}

/**
 * One statement written with `?` placeholders (SQL both engines accept), on an app's
 * database: its rows (none for a statement without RETURNING). PostgreSQL gets `$1`, `$2`, ….
 */
export function rowsOn(db: AppDb, text: string, params: readonly unknown[] = []): Record<string, unknown>[] {
  if (db.engine === 'sqlite') {
    const statement = db.sqlite.prepare(text);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  }
  let n = 0;
  return db.query(
    text.replace(/\?/g, () => `$${++n}`),
    params,
  );
}
