/**
 * What the audit-log channel shows. Services record events as they happen (after their
 * transaction commits); the Discord audit-log plugin posts them as compact embeds,
 * batched when bursty and within rate limits.
 */
export type AuditKind =
  | 'award'
  | 'revoke'
  | 'campaign.start'
  | 'campaign.end'
  | 'redemption'
  | 'redemption.fulfilled'
  | 'redemption.refunded'
  | 'reward.disabled'
  | 'tier.granted'
  | 'tier.removed'
  | 'tier.failed'
  | 'config'
  | 'season.start'
  | 'season.end'
  | 'season.prize_failed'
  | 'raffle.start'
  | 'raffle.draw'
  | 'raffle.cancel'
  | 'quest.schedule'
  | 'quest.publish'
  | 'quest.end'
  | 'quest.review'
  | 'quest.role_failed'
  | 'wallet.linked'
  | 'wallet.unlinked'
  | 'flag.raised'
  | 'flag.cleared';

/**
 * A field's value as a raw fact; the edge that shows it formats it (a mention, a relative
 * time, a link), so services never write markup. Text is shown as it is, except that the
 * renderer still formats digits-only text as a number for the features that record counts
 * as text; numbers are formatted for the reader's locale; `true` reads as "yes".
 */
export type AuditValue =
  | string
  | number
  | boolean
  | { type: 'role'; id: string }
  | { type: 'user'; id: string }
  | { type: 'channel'; id: string }
  /** A moment (ms since the epoch), shown relative to now. */
  | { type: 'time'; at: number }
  | { type: 'message'; guildId: string; channelId: string; messageId: string };

export interface AuditEvent {
  guildId: string;
  kind: AuditKind;
  /** Who did it (a moderator, or the member for redemptions). */
  actorId?: string;
  /** Whom it concerns. */
  userId?: string;
  amount?: number;
  reason?: string;
  /**
   * Extra facts to show, e.g. { campaign: 'Launch AMA', participants: 42 }. The key names
   * the field (translated when the renderer knows it); the value is a raw fact, typed so
   * the renderer can show it (see AuditValue).
   */
  fields?: Record<string, AuditValue>;
  at: number;
  /**
   * Called once the event reached the log channel, or definitively could not (no log
   * channel configured, the channel is gone): a service can remember that it was handled.
   */
  onDelivered?: () => void;
}

export interface AuditSink {
  record(event: AuditEvent): void;
}

/**
 * Holds recorded events until the poster takes them. Bounded: when Discord is down for
 * long, the oldest events are dropped from the channel feed (the ledger keeps everything).
 */
export class AuditQueue implements AuditSink {
  private readonly events: AuditEvent[] = [];
  private readonly listeners = new Set<() => void>();
  dropped = 0;

  constructor(private readonly limit = 5000) {}

  record(event: AuditEvent): void {
    this.events.push(event);
    if (this.events.length > this.limit) {
      this.events.shift();
      this.dropped++;
    }
    for (const l of this.listeners) l();
  }

  /** Takes up to `max` queued events, oldest first. */
  take(max: number): AuditEvent[] {
    return this.events.splice(0, max);
  }

  get size(): number {
    return this.events.length;
  }

  onRecord(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
