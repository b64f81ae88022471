/**
 * `npm run db:copy -- --from <sqlite file> --to <postgres url> [--skip-missing-tables]`: moves a
 * whole Sparks database from SQLite to an empty PostgreSQL database in one transaction and
 * verifies it arrived (src/ops/db-copy.ts). Exits 0 when verified, 1 when the copy failed or
 * found a difference (nothing committed but for a verification that fails after COMMIT), 2 when
 * it refused or could not start (nothing was changed).
 */
import { copyDatabase, DbCopyError, formatCopy, parseCopyArgs } from '../ops/db-copy.ts';

async function main(): Promise<number> {
  try {
    const args = parseCopyArgs(process.argv.slice(2));
    const result = await copyDatabase({ ...args, log: (line) => console.error(line) });
    console.log(formatCopy(result));
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof DbCopyError) {
      console.error(e.message);
      return e.kind === 'mismatch' ? 1 : 2;
    }
    console.error(`db:copy failed, nothing was committed: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
