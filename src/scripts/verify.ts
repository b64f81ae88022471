/**
 * `npm run verify [-- --db <path or postgres:// URL>]`: recomputes every balance and checks
 * every ledger invariant, on either engine (DATABASE_URL, else DATABASE_PATH, by default);
 * prints the report and exits 1 on any violation (2 if it cannot run).
 */
import { formatReport, verifyLedger } from '../db/verify.ts';
import { databaseFrom } from './db-path.ts';

function main(): number {
  // Never migrated here: verification must look at the database exactly as it is.
  const db = databaseFrom(process.argv.slice(2), 'verify');
  if (db === null) return 2;
  try {
    const report = verifyLedger(db);
    console.log(formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

process.exitCode = main();
