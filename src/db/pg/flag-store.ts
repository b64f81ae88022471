/**
 * `member_flags` on PostgreSQL through the synchronous facade: the same methods and results
 * as the SQLite `FlagStore` (src/db/flag-store.ts). One open flag per member is the partial
 * unique index `member_flags_open`; a raise racing another process inserts nothing there
 * (ON CONFLICT … DO NOTHING), so no failed statement aborts the caller's transaction.
 */
import { SparksError } from '../../core/errors.ts';
import type { AppDb } from '../engine.ts';
import { FlagStore, type FlagRow, type FlagStoreApi, type NewFlag } from '../flag-store.ts';
import { memberFlags } from './schema-members.ts';
import { selectList } from './select-list.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

const COLS = selectList(memberFlags);
const OPEN = `guild_id = $1 AND user_id = $2 AND cleared_at IS NULL`;
const page = (where: string) =>
  `SELECT ${COLS} FROM member_flags WHERE ${where} ORDER BY raised_at DESC, id DESC LIMIT $2 OFFSET $3`;

const SQL = {
  open: `SELECT ${COLS} FROM member_flags WHERE ${OPEN}`,
  byId: `SELECT ${COLS} FROM member_flags WHERE id = $1`,
  insert: `INSERT INTO member_flags (guild_id, user_id, source, reason, raised_by, raised_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (guild_id, user_id) WHERE cleared_at IS NULL DO NOTHING RETURNING ${COLS}`,
  clear: `UPDATE member_flags SET cleared_by = $3, clear_reason = $4, cleared_at = $5 WHERE ${OPEN}
    RETURNING ${COLS}`,
  openPage: page('guild_id = $1 AND cleared_at IS NULL'),
  allPage: page('guild_id = $1'),
  openCount: `SELECT COUNT(*) AS n FROM member_flags WHERE guild_id = $1 AND cleared_at IS NULL`,
  allCount: `SELECT COUNT(*) AS n FROM member_flags WHERE guild_id = $1`,
} as const;

export class PgFlagStore implements FlagStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  open(guildId: string, userId: string): FlagRow | undefined {
    return this.db.query<FlagRow>(SQL.open, [guildId, userId])[0];
  }

  byId(id: number): FlagRow | undefined {
    return this.db.query<FlagRow>(SQL.byId, [id])[0];
  }

  insert(flag: NewFlag): FlagRow | null {
    if (this.open(flag.guildId, flag.userId)) return null;
    try {
      const params = [flag.guildId, flag.userId, flag.source, flag.reason, flag.raisedBy, flag.raisedAt];
      return this.db.query<FlagRow>(SQL.insert, params)[0] ?? null;
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === 'member_flags_reason')
        throw new SparksError('SPARKS.INVALID_INPUT', { field: 'reason' }, e.message);
      throw e;
    }
  }

  clear(guildId: string, userId: string, by: string, reason: string, now: number): FlagRow | null {
    return this.db.query<FlagRow>(SQL.clear, [guildId, userId, by, reason, now])[0] ?? null;
  }

  list(
    guildId: string,
    o: { open: boolean; offset: number; limit: number },
  ): { items: FlagRow[]; total: number } {
    const items = this.db.query<FlagRow>(o.open ? SQL.openPage : SQL.allPage, [guildId, o.limit, o.offset]);
    const total = this.db.query<{ n: number }>(o.open ? SQL.openCount : SQL.allCount, [guildId])[0]!.n;
    return { items, total };
  }
}

/** The flag store of `db`'s engine. */
export function flagStore(db: AppDb): FlagStoreApi {
  return db.engine === 'postgres' ? new PgFlagStore(db) : new FlagStore(db);
}
