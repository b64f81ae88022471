import { existsSync } from 'node:fs';
import { ConfigError, isPostgresUrl, loadConfig } from '../config.ts';
import type { AppDb } from '../db/engine.ts';
import { openDatabase } from '../db/open.ts';
import { openPgSync } from '../db/pg/sync.ts';

/**
 * The database a maintenance script reads, as it is (never migrated): `--db <path or
 * postgres:// URL>` among `args`, else DATABASE_URL, else DATABASE_PATH. Prints why and
 * returns null when there is none or it cannot be opened (the script then exits 2).
 */
export function databaseFrom(args: readonly string[], script: string): AppDb | null {
  const dbFlag = args.indexOf('--db');
  let target: string;
  try {
    if (dbFlag >= 0) target = args[dbFlag + 1] ?? '';
    else {
      const config = loadConfig();
      target = config.databaseUrl ?? config.databasePath;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return null;
    }
    throw e;
  }
  try {
    if (isPostgresUrl(target)) return openPgSync(target, { migrate: false });
    if (!target || !existsSync(target)) {
      console.error(
        `${script}: no database at ${target || '(empty path)'} (set DATABASE_URL or DATABASE_PATH, or pass --db <path or postgres:// URL>)`,
      );
      return null;
    }
    return openDatabase(target, { migrate: false });
  } catch (e) {
    console.error(`${script}: cannot open the database: ${(e as Error).message}`);
    return null;
  }
}
