/**
 * `npm run verify [-- --db path]`: recomputes every balance and checks every ledger
 * invariant; prints the report and exits 1 on any violation (2 if it cannot run).
 */
import { openDatabase } from '../db/open.ts';
import { formatReport, verifyLedger } from '../db/verify.ts';
import { databasePathFrom } from './db-path.ts';

function main(): number {
  const args = process.argv.slice(2);
  const path = databasePathFrom(args, 'verify');
  if (path === null) return 2;
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
