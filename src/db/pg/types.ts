/**
 * How values come back from PostgreSQL for the ledger: int8 (COUNT(*), ids, balances, times)
 * as a JS number, refusing what a number cannot hold exactly rather than rounding it; every
 * other type as node-postgres reads it. Shared by the pool (open.ts) and the synchronous
 * facade's worker (sync-worker.ts), which imports nothing heavier.
 */
import pg from 'pg';

/** int8's type id in pg_type. */
const INT8_OID = 20;

export const getTypeParser = ((oid: number, format?: 'text' | 'binary'): unknown =>
  oid === INT8_OID && format !== 'binary'
    ? parseInt8
    : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(
        oid,
        format,
      )) as pg.CustomTypesConfig['getTypeParser'];

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${text} is beyond 2^53: not read as a number`);
  return n;
}
