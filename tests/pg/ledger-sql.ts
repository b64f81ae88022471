/**
 * Raw SQL on the PostgreSQL ledger schema, for the tests that try to break it: open
 * accounts, post entries, and read what a refusal was. No store is involved on purpose: these
 * tests show what the database itself refuses, whatever code (or person) sends the SQL.
 */
import { afterAll, beforeAll } from 'vitest';
import type pg from 'pg';
import { openPostgres, type PgDb } from '../../src/db/pg/open.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** A migrated ledger database of the suite's server for this file, dropped after it. */
export function ledgerForFile(
  options: { poolSize?: number } = {},
): () => { db: PgDb; database: TestDatabase } {
  let db: PgDb | undefined;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
    db = await openPostgres(database.url, { poolSize: options.poolSize ?? 12 });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  return () => {
    if (!db || !database) throw new Error('the ledger database is made in beforeAll; read it inside a test');
    return { db, database };
  };
}

export type AccountType = 'member' | 'issuance' | 'campaign' | 'hold' | 'redeemed';

/** Opens (or finds) an account; returns its id. */
export async function account(q: Queryable, guild: string, type: AccountType, ref: string): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO accounts (guild_id, type, ref, created_at) VALUES ($1, $2, $3, 1)
     ON CONFLICT (guild_id, type, ref) DO UPDATE SET ranked = accounts.ranked RETURNING id`,
    [guild, type, ref],
  );
  return rows[0]!.id;
}

export interface Entry {
  guild: string;
  kind: string;
  debit: number;
  credit: number;
  amount: number | string;
  key: string;
  closes?: number | null;
  at?: number;
  actorType?: string;
}

/** 2026-11-24 12:00 UTC, the SQLite tests' clock start. */
export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

/** Inserts one journal entry; returns its id. */
export async function post(q: Queryable, e: Entry): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
       closes_id, actor_type, actor_id, reason, ref, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'tester', 'test', NULL, $9) RETURNING id`,
    [
      e.guild,
      e.kind,
      e.debit,
      e.credit,
      e.amount,
      e.key,
      e.closes ?? null,
      e.actorType ?? 'moderator',
      e.at ?? T0,
    ],
  );
  return rows[0]!.id;
}

/** What a refused statement was refused for: its SQLSTATE and the constraint it names, if any. */
export interface Refusal {
  code: string;
  constraint: string | undefined;
  message: string;
}

/** Awaits `p`, which must fail with a database error, and says how it failed. */
export async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (e) {
    const err = e as pg.DatabaseError;
    if (typeof err.code !== 'string') throw e;
    return { code: err.code, constraint: err.constraint, message: err.message };
  }
  throw new Error('the statement was accepted, but it should have been refused');
}

/** Everything the ledger's tables hold, in a stable order: equal before and after a refusal. */
export async function ledgerState(q: Queryable): Promise<unknown> {
  const read = async (sql: string): Promise<unknown[]> => (await q.query<Record<string, unknown>>(sql)).rows;
  return {
    accounts: await read('SELECT * FROM accounts ORDER BY id'),
    transfers: await read('SELECT * FROM transfers ORDER BY id'),
    earnPeriods: await read('SELECT * FROM earn_periods ORDER BY guild_id, period, account_id'),
    rankCounts: await read('SELECT * FROM rank_counts ORDER BY guild_id, board, level, key'),
  };
}
