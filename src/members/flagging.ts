/**
 * The flag service (SPEC §11): `Services.flags`. Moderators flag and unflag members
 * (`/sparks-admin flag|unflag|flags`, the dashboard's flags page); the bot's own abuse
 * checks raise flags for review through `raise` (a fresh-account referral, a shared
 * wallet) — never a ban. The shop, raffles and seasons ask `isFlagged`.
 */
import type { AuditSink } from '../audit.ts';
import type { Clock } from '../core/clock.ts';
import { SparksError, type CodesOf } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import type { FlagRow, FlagStoreApi } from '../db/flag-store.ts';
import { flagStore } from '../db/pg/flag-store.ts';
import type { FlagPort, FlagRaise } from './flags.ts';

export const FLAG_ERROR_CODES = [
  'SPARKS.FLAG_BOT',
  'SPARKS.SELF_FLAG',
  'SPARKS.ALREADY_FLAGGED',
  'SPARKS.NOT_FLAGGED',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof FLAG_ERROR_CODES> {}
}

/** Longest reason a moderator may give (the column allows 1,000: automatic reasons are clipped there). */
export const MAX_FLAG_REASON = 500;
const MAX_STORED_REASON = 1000;

export interface FlagInput {
  guildId: string;
  userId: string;
  /** Discord says so: a bot cannot be flagged (it earns and redeems nothing). */
  targetIsBot: boolean;
  moderatorId: string;
  reason: string;
}

export type { FlagRow };

export class FlagService implements FlagPort {
  readonly store: FlagStoreApi;
  private readonly db: AppDb;
  private readonly clock: Clock;
  private readonly audit: AuditSink;

  constructor(deps: { db: AppDb; clock: Clock; audit: AuditSink }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.store = flagStore(deps.db);
  }

  isFlagged(guildId: string, userId: string): boolean {
    return this.store.open(guildId, userId) !== undefined;
  }

  /** The member's open flag, if any. */
  openFlag(guildId: string, userId: string): FlagRow | undefined {
    return this.store.open(guildId, userId);
  }

  /**
   * Flags a member for review unless they already have an open flag; runs inside the
   * caller's write when there is one (the automatic checks raise inside the event's
   * transaction). Recorded in the audit log when it opened one — inside a caller's write,
   * on the next turn of the event loop and only if that write kept the flag.
   */
  raise(input: FlagRaise): { raised: boolean } {
    const reason = input.reason.trim().slice(0, MAX_STORED_REASON) || input.source;
    const now = this.clock();
    const nested = this.db.inTransaction;
    const row = this.db.write(() =>
      this.store.insert({
        guildId: input.guildId,
        userId: input.userId,
        source: input.source,
        reason,
        raisedBy: input.raisedBy,
        raisedAt: now,
      }),
    );
    if (row && !nested) this.recordRaised(row);
    // PostgreSQL: once the caller's transaction commits (never for one rolled back or retried).
    else if (row && this.db.engine === 'postgres') this.db.afterCommit(() => this.recordRaised(row));
    // better-sqlite3 transactions are synchronous: by the next turn the caller's has ended.
    else if (row) setImmediate(() => this.recordIfKept(row));
    return { raised: row !== null };
  }

  /**
   * A moderator flags a member. Errors: SPARKS.FLAG_BOT (a bot), SPARKS.SELF_FLAG (oneself),
   * SPARKS.INVALID_INPUT { field: 'reason' } (blank or over MAX_FLAG_REASON characters),
   * SPARKS.ALREADY_FLAGGED (an open flag exists: one at a time). Nothing is
   * written on a refusal.
   */
  flag(input: FlagInput): FlagRow {
    if (input.targetIsBot) throw new SparksError('SPARKS.FLAG_BOT');
    if (input.userId === input.moderatorId) throw new SparksError('SPARKS.SELF_FLAG');
    const reason = checkReason(input.reason);
    const now = this.clock();
    const row = this.db.write(() => {
      const existing = this.store.open(input.guildId, input.userId);
      if (existing) throw new SparksError('SPARKS.ALREADY_FLAGGED');
      return this.store.insert({
        guildId: input.guildId,
        userId: input.userId,
        source: 'moderator',
        reason,
        raisedBy: input.moderatorId,
        raisedAt: now,
      });
    });
    if (!row) throw new SparksError('SPARKS.ALREADY_FLAGGED');
    this.recordRaised(row);
    return row;
  }

  /**
   * A moderator clears a member's open flag, with a reason. Errors: SPARKS.SELF_FLAG,
   * SPARKS.NOT_FLAGGED (no open flag), SPARKS.INVALID_INPUT { field: 'reason' }. Recorded
   * in the audit log.
   */
  clear(input: { guildId: string; userId: string; moderatorId: string; reason: string }): FlagRow {
    if (input.userId === input.moderatorId) throw new SparksError('SPARKS.SELF_FLAG');
    const reason = checkReason(input.reason);
    const now = this.clock();
    const row = this.db.write(() =>
      this.store.clear(input.guildId, input.userId, input.moderatorId, reason, now),
    );
    if (!row) throw new SparksError('SPARKS.NOT_FLAGGED');
    this.audit.record({
      guildId: row.guildId,
      kind: 'flag.cleared',
      actorId: input.moderatorId,
      userId: row.userId,
      reason,
      fields: { flag_reason: row.reason, flag_source: row.source },
      at: now,
    });
    return row;
  }

  /** A page of the guild's flags, newest first: open ones (the default), or the whole history. */
  list(
    guildId: string,
    o: { open?: boolean; offset?: number; limit?: number } = {},
  ): {
    items: FlagRow[];
    total: number;
  } {
    return this.store.list(guildId, {
      open: o.open ?? true,
      offset: Math.max(0, o.offset ?? 0),
      limit: Math.min(100, Math.max(1, o.limit ?? 10)),
    });
  }

  /** Records a flag raised inside a caller's write, if that write committed it. */
  private recordIfKept(row: FlagRow): void {
    let kept: FlagRow | undefined;
    try {
      kept = this.store.byId(row.id);
    } catch {
      return; // the database closed first (shutting down): the flag row is the record
    }
    // A rolled-back id is reused by the next insert: the same id must be the same flag.
    if (kept?.userId === row.userId && kept.guildId === row.guildId && kept.raisedAt === row.raisedAt)
      this.recordRaised(row);
  }

  private recordRaised(row: FlagRow): void {
    this.audit.record({
      guildId: row.guildId,
      kind: 'flag.raised',
      ...(row.raisedBy ? { actorId: row.raisedBy } : {}),
      userId: row.userId,
      reason: row.reason,
      fields: { flag_source: row.source },
      at: row.raisedAt,
    });
  }
}

function checkReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length === 0 || reason.length > MAX_FLAG_REASON)
    throw new SparksError('SPARKS.INVALID_INPUT', { field: 'reason' }, `1 to ${MAX_FLAG_REASON} characters`);
  return reason;
}
