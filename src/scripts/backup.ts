/**
 * `npm run backup -- <destination.db>`: an online, consistent, verified copy of the
 * database while the bot keeps running.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/open.ts';
import { backupDatabase } from '../ops/backup.ts';

async function main(): Promise<number> {
  const destination = process.argv[2];
  if (!destination) {
    console.error('usage: npm run backup -- <destination.db>');
    return 2;
  }
  let path: string;
  try {
    const config = loadConfig();
    if (config.databaseUrl) {
      console.error(
        'backup: this copies the SQLite file; with DATABASE_URL back up with pg_dump or the server’s own backups (README, Operations)',
      );
      return 2;
    }
    path = config.databasePath;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (!existsSync(path)) {
    console.error(`backup: no database at ${path} (set DATABASE_PATH)`);
    return 2;
  }
  const db = openDatabase(path, { migrate: false });
  try {
    const result = await backupDatabase(db.sqlite, destination);
    console.log(
      `Backed up ${path} to ${result.path}: ${(result.bytes / 1024).toFixed(0)} KiB in ${result.ms} ms; integrity and ledger verified (${result.report.stats.transfers} entries).`,
    );
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  } finally {
    db.close();
  }
}

process.exitCode = await main();
