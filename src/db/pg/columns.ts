/**
 * The column helpers every PostgreSQL schema file (schema.ts, schema-<area>.ts) shares: int8
 * read as a JS number (every such column is bounded within 2^53), and a CHECK's IN list.
 */
import { sql } from 'drizzle-orm';
import { bigint } from 'drizzle-orm/pg-core';

/** An int8 column read as a JS number: ids, balances, times in ms, sums. */
export const int8 = (name: string) => bigint(name, { mode: 'number' });

/** `'a','b',…` for a CHECK's IN list (fixed values from the code, never input). */
export const list = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));
