/**
 * `npm run verify [-- --db path]`: recomputes every balance and checks every ledger
 * invariant; prints the report and exits 1 on any violation (2 if it cannot run).
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/open.ts';
import { formatReport, verifyLedger } from '../db/verify.ts';

function main(): number {
  const args = process.argv.slice(2);
  const dbFlag = args.indexOf('--db');
  let path: string;
  try {
    path = dbFlag >= 0 ? (args[dbFlag + 1] ?? '') : loadConfig().databasePath;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (!path || !existsSync(path)) {
    console.error(`verify: no database at ${path || '(empty path)'} (set DATABASE_PATH or pass --db <path>)`);
    return 2;
  }
  // Never migrate here: verification must look at the database exactly as it is.
  const db = openDatabase(path, { migrate: false });
  try {
    const report = verifyLedger(db.sqlite);
    console.log(formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

process.exitCode = main();
