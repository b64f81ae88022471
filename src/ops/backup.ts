import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Sqlite } from '../db/open.ts';
import { verifyLedger, type VerifyReport } from '../db/verify.ts';

export interface BackupResult {
  path: string;
  bytes: number;
  ms: number;
  report: VerifyReport;
}

/**
 * An online, consistent copy of the live database through SQLite's backup API (it copies
 * page by page between event-loop turns, so the bot keeps serving; if another process
 * writes meanwhile, SQLite restarts the copy, so the result is always one consistent
 * snapshot). The copy is then opened read-only and checked: PRAGMA integrity_check and
 * every ledger invariant. A copy that fails verification is deleted and the error thrown.
 */
export async function backupDatabase(source: Sqlite, destination: string): Promise<BackupResult> {
  const path = resolve(destination);
  if (existsSync(path)) throw new Error(`backup: ${path} already exists; choose a new file name`);
  mkdirSync(dirname(path), { recursive: true });
  const started = performance.now();
  await source.backup(path);
  const report = verifyCopy(path);
  if (!report.ok) {
    rmSync(path, { force: true });
    throw new Error(
      `backup: the copy failed verification: ${report.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(', ')}`,
    );
  }
  return { path, bytes: statSync(path).size, ms: Math.round(performance.now() - started), report };
}

/** Opens a database file read-only and verifies it, touching nothing. */
export function verifyCopy(path: string): VerifyReport {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return verifyLedger(copy);
  } finally {
    copy.close();
  }
}

/** `sparks-YYYYMMDD-HHMMSS.db` names sort by time. */
export function backupFileName(now: number): string {
  return `sparks-${new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.db`;
}

/** Deletes all but the newest `keep` backups made by the scheduler in `dir`. */
export function pruneBackups(dir: string, keep: number): string[] {
  const files = readdirSync(dir)
    .filter((f) => /^sparks-\d{8}-\d{6}\.db$/.test(f))
    .sort()
    .reverse();
  const removed = files.slice(keep);
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return removed;
}
