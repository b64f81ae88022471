import type { AuditSink } from '../audit.ts';
import type { AppDb } from '../db/engine.ts';
import { lockInWrite } from '../db/pg/locks.ts';
import { assertAmount } from '../ledger/amount.ts';
import { SparksError } from '../core/errors.ts';
import type { Ledger, PostResult } from '../ledger/ledger.ts';
import { type Clock, utcDayStart } from '../core/clock.ts';
import type { SettingsService } from '../settings/settings.ts';

export interface AwardInput {
  guildId: string;
  moderatorId: string;
  userId: string;
  /** The target is a bot account (bots never hold Sparks). */
  targetIsBot?: boolean;
  amount: unknown;
  reason: string;
  /** Exactly-once key, e.g. `interaction:<id>`. */
  key: string;
}

export interface AwardResult extends PostResult {
  balance: number;
  /** Sparks the moderator may still award today; null when no limit is set. */
  remainingToday: number | null;
}

export const MAX_REASON_LENGTH = 500;

/**
 * Moderator awards and revokes. Each is one ledger entry keyed by the interaction, with
 * the moderator as actor and the reason recorded. The per-moderator daily award limit is
 * read and enforced inside the same immediate transaction as the award, so concurrent
 * awards (even from several processes) cannot exceed it.
 */
export class AwardService {
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly settings: SettingsService;
  private readonly clock: Clock;
  private readonly audit: AuditSink | undefined;

  constructor(deps: {
    db: AppDb;
    ledger: Ledger;
    settings: SettingsService;
    clock: Clock;
    audit?: AuditSink;
  }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.settings = deps.settings;
    this.clock = deps.clock;
    this.audit = deps.audit;
  }

  /**
   * Errors: SPARKS.INVALID_AMOUNT, SPARKS.INVALID_INPUT (empty or long reason, a bot),
   * SPARKS.SELF_AWARD, SPARKS.DAILY_LIMIT (params: remaining, limit).
   */
  award(input: AwardInput): AwardResult {
    const { amount, reason } = this.validate(input);
    const result = this.db.write(() => {
      // Read under the write lock: another process cannot slip an award in between. SQLite's
      // write is that lock; on PostgreSQL one moderator's awards in a guild take turns on an
      // advisory lock, or two at READ COMMITTED would both pass the limit.
      if (this.db.engine === 'postgres') lockInWrite(this.db, 'awards', input.guildId, input.moderatorId);
      const limit = this.settings.get(input.guildId).dailyAwardLimit;
      const used = this.usedToday(input.guildId, input.moderatorId);
      const existing = this.ledger.reads.transferByKey(input.guildId, input.key);
      if (limit !== null && !existing && used + amount > limit) {
        throw new SparksError('SPARKS.DAILY_LIMIT', { remaining: Math.max(0, limit - used), limit });
      }
      const result = this.ledger.credit({
        guildId: input.guildId,
        userId: input.userId,
        source: 'award',
        kind: 'award',
        amount,
        key: input.key,
        actor: { type: 'moderator', id: input.moderatorId },
        reason,
      });
      const usedNow = result.duplicate ? used : used + amount;
      return {
        ...result,
        balance: this.ledger.reads.standing(input.guildId, input.userId).balance,
        remainingToday: limit === null ? null : Math.max(0, limit - usedNow),
      };
    });
    this.recorded('award', input.userId, result);
    return result;
  }

  /**
   * Takes Sparks back. Never below zero: SPARKS.INSUFFICIENT carries `available`, how much
   * could be revoked. Also SPARKS.INVALID_AMOUNT, SPARKS.INVALID_INPUT, SPARKS.SELF_AWARD.
   */
  revoke(input: AwardInput): AwardResult {
    const { amount, reason } = this.validate(input);
    const outcome = this.db.write(() => {
      const result = this.ledger.revoke({
        guildId: input.guildId,
        userId: input.userId,
        amount,
        key: input.key,
        actor: { type: 'moderator', id: input.moderatorId },
        reason,
      });
      return {
        ...result,
        balance: this.ledger.reads.standing(input.guildId, input.userId).balance,
        remainingToday: null,
      };
    });
    this.recorded('revoke', input.userId, outcome);
    return outcome;
  }

  /** After the commit: the audit-log channel shows every award and revoke (not replays). */
  private recorded(kind: 'award' | 'revoke', userId: string, result: AwardResult): void {
    if (result.duplicate || !this.audit) return;
    const t = result.transfer;
    this.audit.record({
      guildId: t.guildId,
      kind,
      actorId: t.actorId,
      userId,
      amount: t.amount,
      reason: t.reason,
      at: t.createdAt,
    });
  }

  private usedToday(guildId: string, moderatorId: string): number {
    return this.ledger.reads.sumByActorSince(guildId, 'award', moderatorId, utcDayStart(this.clock()));
  }

  private validate(input: AwardInput): { amount: number; reason: string } {
    const amount = assertAmount(input.amount);
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'reason', min: 1, max: MAX_REASON_LENGTH });
    }
    if (input.moderatorId === input.userId) throw new SparksError('SPARKS.SELF_AWARD');
    if (input.targetIsBot)
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'member' }, 'bots do not hold Sparks');
    return { amount, reason };
  }
}
