/**
 * `guild_settings` on PostgreSQL through the synchronous facade: the same methods and
 * results as the SQLite `SettingsStore` (src/db/settings-store.ts). A write replaces the
 * whole row, as there: the service merges its patch over the current row inside its write.
 */
import type { AppDb } from '../engine.ts';
import {
  SETTINGS_COLUMNS,
  SettingsStore,
  type GuildSettingsRow,
  type GuildSettingsStoreApi,
  type GuildSettingsValues,
} from '../settings-store.ts';
import { guildSettings } from './schema-members.ts';
import { selectList } from './select-list.ts';
import type { PgSyncDb } from './sync.ts';

const written = SETTINGS_COLUMNS.map((c) => guildSettings[c].name);

const SQL = {
  get: `SELECT ${selectList(guildSettings)} FROM guild_settings WHERE guild_id = $1`,
  put: `INSERT INTO guild_settings (guild_id, ${written.join(', ')}, updated_at)
    VALUES (${Array.from({ length: written.length + 2 }, (_, i) => `$${i + 1}`).join(', ')})
    ON CONFLICT (guild_id) DO UPDATE SET
      ${[...written, 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`,
} as const;

export class PgSettingsStore implements GuildSettingsStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  get(guildId: string): GuildSettingsRow | undefined {
    return this.db.query<GuildSettingsRow>(SQL.get, [guildId])[0];
  }

  put(guildId: string, values: GuildSettingsValues, now: number): void {
    this.db.run(SQL.put, [guildId, ...SETTINGS_COLUMNS.map((c) => values[c]), now]);
  }
}

/** The settings store of `db`'s engine. */
export function settingsStore(db: AppDb): GuildSettingsStoreApi {
  return db.engine === 'postgres' ? new PgSettingsStore(db) : new SettingsStore(db);
}
