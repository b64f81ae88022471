import { join } from 'node:path';
import { HOUR_MS } from '../../core/clock.ts';
import type { Db } from '../../db/open.ts';
import { backupDatabase, backupFileName, pruneBackups } from '../../ops/backup.ts';
import type { Services } from '../../services.ts';
import type { Plugin } from './plugin.ts';

/**
 * Scheduled online backups (BACKUP_DIR, every BACKUP_INTERVAL_HOURS, keeping the newest
 * BACKUP_KEEP). The first runs one interval after start; each copy is verified.
 */
export function backupsPlugin(): Plugin {
  let release: (() => Promise<void>) | undefined;
  return {
    name: 'backups',
    start({ services, leadership }) {
      const settings = services.config.backups;
      if (!settings) return;
      // The configuration refuses BACKUP_DIR with DATABASE_URL: PostgreSQL is backed up with
      // the server's own tools (README, Operations). A test that wires the two anyway hears so.
      const { db } = services;
      if (db.engine !== 'sqlite')
        throw new Error(
          'scheduled backups copy the SQLite file; on PostgreSQL use pg_dump or the server’s backups',
        );
      release = leadership.whileLeader('backups', () => scheduleBackups(services, db, settings));
    },
    async stop() {
      await release?.();
    },
  };
}

/** Every `intervalHours` while this process leads; the stop waits for a copy under way. */
function scheduleBackups(
  services: Services,
  db: Db,
  settings: NonNullable<Services['config']['backups']>,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = async () => {
    const path = join(settings.dir, backupFileName(services.clock()));
    try {
      const result = await backupDatabase(db.sqlite, path);
      const removed = pruneBackups(settings.dir, settings.keep);
      services.logger.info({ path, bytes: result.bytes, ms: result.ms, removed }, 'scheduled backup done');
    } catch (err) {
      services.logger.error({ err, path }, 'scheduled backup failed');
    }
  };
  const timer = setInterval(() => {
    running ??= run().finally(() => (running = undefined));
  }, settings.intervalHours * HOUR_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
