/**
 * `npm run restore -- <backup.db> [--force]`: puts a verified backup in place of the
 * database. Stop the bot first. The current database is kept beside it as
 * `<name>.before-restore-<time>` (with its -wal), never deleted.
 */
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '../config.ts';
import { verifyCopy } from '../ops/backup.ts';

function main(): number {
  const args = process.argv.slice(2);
  const source = args.find((a) => !a.startsWith('--'));
  if (!source || !existsSync(source)) {
    console.error('usage: npm run restore -- <backup.db> [--force]   (stop the bot first)');
    return 2;
  }
  let target: string;
  try {
    target = loadConfig().databasePath;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const report = verifyCopy(source);
  if (!report.ok && !args.includes('--force')) {
    console.error(
      `restore: ${source} fails verification (${report.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(', ')}); --force to restore it anyway`,
    );
    return 1;
  }
  if (existsSync(target)) {
    // An exclusive lock proves no bot process has the database open.
    const live = new Database(target);
    try {
      live.pragma('locking_mode = EXCLUSIVE');
      live.exec('BEGIN EXCLUSIVE; COMMIT;');
      live.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      console.error(`restore: ${target} is in use; stop the bot first`);
      return 1;
    } finally {
      live.close();
    }
    const kept = `${target}.before-restore-${Date.now()}`;
    renameSync(target, kept);
    for (const suffix of ['-wal', '-shm'])
      if (existsSync(target + suffix)) renameSync(target + suffix, kept + suffix);
    console.log(`Kept the previous database as ${kept}`);
  }
  copyFileSync(source, target);
  console.log(
    `Restored ${source} to ${target} (${report.stats.transfers} entries, ledger ${report.ok ? 'verified' : 'NOT verified'}).`,
  );
  return 0;
}

process.exitCode = main();
