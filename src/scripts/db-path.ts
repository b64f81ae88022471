import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config.ts';

/**
 * The database a maintenance script reads: `--db <path>` among `args`, else DATABASE_PATH.
 * Prints why and returns null when there is none (the script then exits 2).
 */
export function databasePathFrom(args: readonly string[], script: string): string | null {
  const dbFlag = args.indexOf('--db');
  let path: string;
  try {
    path = dbFlag >= 0 ? (args[dbFlag + 1] ?? '') : loadConfig().databasePath;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return null;
    }
    throw e;
  }
  if (!path || !existsSync(path)) {
    console.error(
      `${script}: no database at ${path || '(empty path)'} (set DATABASE_PATH or pass --db <path>)`,
    );
    return null;
  }
  return path;
}
