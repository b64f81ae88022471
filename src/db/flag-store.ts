import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import { SparksError } from '../core/errors.ts';
import type { Db } from './open.ts';
import { memberFlags } from './schema.ts';

export type FlagRow = typeof memberFlags.$inferSelect;
export type NewFlag = Pick<FlagRow, 'guildId' | 'userId' | 'source' | 'reason' | 'raisedBy' | 'raisedAt'>;

/** The surface a second engine implements (see LedgerReadStore for the pattern). */
export interface FlagStoreApi {
  /** The member's open flag, if any. */
  open(guildId: string, userId: string): FlagRow | undefined;
  byId(id: number): FlagRow | undefined;
  /** Opens a flag; null when the member already has an open one (call inside the caller's `db.write`). */
  insert(flag: NewFlag): FlagRow | null;
  /** Clears the member's open flag; the cleared row, or null when there was none. */
  clear(guildId: string, userId: string, by: string, reason: string, now: number): FlagRow | null;
  /** A page of the guild's flags, newest first: the open ones, or every one (history). */
  list(
    guildId: string,
    o: { open: boolean; offset: number; limit: number },
  ): { items: FlagRow[]; total: number };
}

const p = sql.placeholder;

/**
 * Owner of `member_flags`. At most one open flag per member is the partial unique index
 * `member_flags_open`; a second raise finds it (or, racing another process, trips it) and
 * opens nothing. Prepared once per connection.
 */
export class FlagStore implements FlagStoreApi {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const member = and(
      eq(memberFlags.guildId, p('guildId')),
      eq(memberFlags.userId, p('userId')),
      isNull(memberFlags.clearedAt),
    );
    const openInGuild = and(eq(memberFlags.guildId, p('guildId')), isNull(memberFlags.clearedAt));
    const inGuild = eq(memberFlags.guildId, p('guildId'));
    const page = (where: typeof inGuild | undefined) =>
      orm
        .select()
        .from(memberFlags)
        .where(where)
        .orderBy(desc(memberFlags.raisedAt), desc(memberFlags.id))
        .limit(p('limit'))
        .offset(p('offset'))
        .prepare();
    this.s = {
      open: orm.select().from(memberFlags).where(member).prepare(),
      byId: orm
        .select()
        .from(memberFlags)
        .where(eq(memberFlags.id, p('id')))
        .prepare(),
      insert: orm
        .insert(memberFlags)
        .values({
          guildId: p('guildId'),
          userId: p('userId'),
          source: p('source'),
          reason: p('reason'),
          raisedBy: p('raisedBy'),
          raisedAt: p('raisedAt'),
        })
        .returning()
        .prepare(),
      clear: orm
        .update(memberFlags)
        .set({ clearedBy: sql`${p('by')}`, clearReason: sql`${p('reason')}`, clearedAt: sql`${p('now')}` })
        .where(member)
        .returning()
        .prepare(),
      openPage: page(openInGuild),
      allPage: page(inGuild),
      openCount: orm.select({ n: count() }).from(memberFlags).where(openInGuild).prepare(),
      allCount: orm.select({ n: count() }).from(memberFlags).where(inGuild).prepare(),
    };
  }

  open(guildId: string, userId: string): FlagRow | undefined {
    return this.s.open.get({ guildId, userId });
  }

  byId(id: number): FlagRow | undefined {
    return this.s.byId.get({ id });
  }

  insert(flag: NewFlag): FlagRow | null {
    if (this.open(flag.guildId, flag.userId)) return null;
    try {
      return this.s.insert.get(flag) ?? null;
    } catch (e) {
      // Another process opened one between the look and the insert: the index kept one.
      if (e instanceof Error && /UNIQUE constraint failed: member_flags/.test(e.message)) return null;
      if (e instanceof Error && /CHECK constraint failed: member_flags/.test(e.message))
        throw new SparksError('SPARKS.INVALID_INPUT', { field: 'reason' }, e.message);
      throw e;
    }
  }

  clear(guildId: string, userId: string, by: string, reason: string, now: number): FlagRow | null {
    return this.s.clear.get({ guildId, userId, by, reason, now }) ?? null;
  }

  list(
    guildId: string,
    o: { open: boolean; offset: number; limit: number },
  ): { items: FlagRow[]; total: number } {
    const args = { guildId, offset: o.offset, limit: o.limit };
    const items = o.open ? this.s.openPage.all(args) : this.s.allPage.all(args);
    const total = (o.open ? this.s.openCount : this.s.allCount).get({ guildId })?.n ?? 0;
    return { items, total };
  }
}
