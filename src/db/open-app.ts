/**
 * The app's database from its configuration: PostgreSQL when DATABASE_URL is set (through
 * the synchronous facade, migrated under the advisory lock), else the SQLite file at
 * DATABASE_PATH. Both are `AppDb`s; nothing above this line asks which.
 */
import type { Config } from '../config.ts';
import type { AppDb } from './engine.ts';
import { openDatabase } from './open.ts';
import { openPgSync } from './pg/sync.ts';

export interface OpenAppOptions {
  /** Apply the migrations (default true); maintenance scripts look at the database as it is. */
  migrate?: boolean;
}

export function openAppDatabase(
  config: Pick<Config, 'databasePath' | 'databaseUrl'>,
  options: OpenAppOptions = {},
): AppDb {
  const migrate = options.migrate ?? true;
  return config.databaseUrl
    ? openPgSync(config.databaseUrl, { migrate })
    : openDatabase(config.databasePath, { migrate });
}

/** Names the database for a message or a log line, never with its password. */
export function describeDatabase(config: Pick<Config, 'databasePath' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return config.databasePath;
  try {
    const url = new URL(config.databaseUrl);
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return 'the PostgreSQL server in DATABASE_URL';
  }
}
