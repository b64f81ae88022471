import { createHash } from 'node:crypto';
import type { AppDb } from '../db/engine.ts';
import type { PlatformEventRow, PlatformStoreApi } from '../db/platform-store.ts';
import { platformStore } from '../db/pg/platform-store.ts';
import { referralStore } from '../db/pg/referral-store.ts';
import type { TransferKind } from '../db/schema.ts';
import { MAX_AMOUNT } from '../ledger/amount.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { utcDayStart } from '../core/clock.ts';
import type { EarnRates, SettingsService } from '../settings/settings.ts';
import { crashPoint } from '../core/crash.ts';
import type { FlagRaiser } from '../members/flags.ts';
import { PlatformError } from './errors.ts';
import type { Outbox } from './outbox.ts';
import { ReferralQuality, type ShareCredit } from './referral-quality.ts';
import {
  capToDaily,
  referralFirstSubShare,
  referralTradeShare,
  subscriptionSparks,
  tradeSparks,
} from './rules.ts';
import {
  formatUsd,
  type EventType,
  type PlatformEvent,
  type ReferralEvent,
  type SubscriptionEvent,
  type TradeEvent,
} from './schemas.ts';

export interface PlatformCredit {
  userId: string;
  kind: TransferKind;
  amount: number;
  entryId: number;
}

export interface ReferralOutcome {
  /** The referrer on record for the invitee (the first one registered). */
  referrerId: string;
  inviteeId: string;
  /** The event that registered that referral. */
  registeredBy: string;
}

export interface ApplyResult {
  status: 'applied' | 'ignored' | 'duplicate';
  /** What the first delivery of this event id did (equal to `status` unless duplicate). */
  originalStatus: 'applied' | 'ignored';
  eventId: string;
  type: EventType;
  guildId: string;
  /** Sparks credited by this event in all (member and referrer); 0 is a valid outcome. */
  sparks: number;
  credits: PlatformCredit[];
  /** subscription.started: whether it was honoured as the member's first subscription. */
  firstSubscription?: boolean;
  /** The referrer's share this event earned that waits for the invitee to qualify (not credited yet). */
  pendingShare?: { referrerId: string; amount: number };
  referral?: ReferralOutcome;
  /** Why nothing was done (ignored referrals). */
  note?: string;
}

/**
 * What a newly applied event tells other features (quests), inside its transaction: a trade
 * or a subscription of the member, or a referral the referrer registered.
 */
export interface PlatformFact {
  guildId: string;
  eventId: string;
  type: EventType;
  /** The trader or subscriber; for a referral, the referrer. */
  userId: string;
  /** When the platform says it happened (ms). */
  occurredAt: number;
  /** Trades: the volume in US cents. */
  volumeCents?: number;
}

/** Webhook ids become ledger keys and actor ids (at most 64 characters there). */
const EVENT_ID = /^[\x21-\x7e]{1,64}$/;

/** Events per group commit: bounds how long one transaction holds the write lock. */
const MAX_GROUP = 100;

function checkEventId(eventId: string): void {
  if (!EVENT_ID.test(eventId)) {
    throw new PlatformError(
      'PLATFORM.INVALID_EVENT_ID',
      {},
      'webhook-id must be 1–64 printable ASCII characters without spaces',
    );
  }
}

/**
 * Applies platform events to the ledger, exactly once per event id (the `webhook-id`).
 *
 * Everything an event does — its ledger entries, the referral it registers, the
 * first-subscription marker, and the `platform_events` row that makes a later delivery
 * a duplicate — is written in one synchronous transaction (`db.write`: BEGIN IMMEDIATE on
 * SQLite, READ COMMITTED on PostgreSQL), so a crash leaves either all of it or none. On
 * SQLite concurrent deliveries (other requests, other processes on the same file) serialise
 * on the write lock and find the row; on PostgreSQL the stores' row locks and conditional
 * UPDATEs order them (src/db/pg/referral-store.ts) and a raced key runs the write again.
 *
 * Refusals (PlatformError) write nothing and depend only on the event and on facts that
 * never change once true (self-referral; a referral chain, which only grows), so a retry
 * of a refused event id is refused the same way.
 */
export class PlatformService {
  readonly store: PlatformStoreApi;
  /** Pending referral shares, their release and lapse, and the referral checks' flags. */
  readonly referrals: ReferralQuality;
  private readonly pending: {
    eventId: string;
    event: PlatformEvent;
    resolve: (result: ApplyResult) => void;
    reject: (error: unknown) => void;
  }[] = [];

  private readonly factListeners: ((fact: PlatformFact) => void)[] = [];

  constructor(
    private readonly deps: {
      db: AppDb;
      ledger: Ledger;
      settings: SettingsService;
      /** Raises the referral checks' automatic flags; without it none are raised. */
      flags?: FlagRaiser;
      /** Where pending and lapsed shares are announced (PLATFORM_EVENTS_URL set). */
      outbox?: Outbox;
    },
  ) {
    this.store = platformStore(deps.db);
    this.referrals = new ReferralQuality({
      store: referralStore(deps.db),
      flags: deps.flags ?? null,
      outbox: deps.outbox ?? null,
    });
  }

  /**
   * Lapses the pending referrals whose window has passed (the referral timer, and its
   * catch-up at start-up); returns how many.
   */
  lapseReferrals(): number {
    return this.deps.db.write(() => this.referrals.lapseDue(this.deps.ledger.clock()));
  }

  /**
   * Registers a function run inside the event's transaction, once per newly applied event
   * (never for a duplicate or an ignored referral): what it writes commits or rolls back
   * with the event, so it too happens exactly once. One that throws refuses the event.
   */
  onApplied(listener: (fact: PlatformFact) => void): void {
    this.factListeners.push(listener);
  }

  /**
   * Applies `event` under `eventId`. A second call with the same id returns the first
   * outcome with status 'duplicate' and writes nothing.
   * Errors: PLATFORM.INVALID_EVENT_ID, PLATFORM.EVENT_CONFLICT (same id, different
   * event), PLATFORM.SELF_REFERRAL, PLATFORM.REFERRAL_CYCLE, PLATFORM.AMOUNT_OUT_OF_RANGE
   * (one entry would exceed 1,000,000,000 Sparks); ledger errors pass through.
   */
  apply(eventId: string, event: PlatformEvent): ApplyResult {
    checkEventId(eventId);
    return this.deps.db.write(() => this.applyInTx(eventId, event, new Map()));
  }

  /**
   * `apply` with group commit, for the HTTP server: events that arrive in the same turn
   * of the event loop (up to MAX_GROUP) share one BEGIN IMMEDIATE transaction and so
   * one fsync — under synchronous=FULL the fsync, not the work, bounds throughput. Each
   * event still runs in its own savepoint, all-or-nothing on its own (a refused event
   * rolls back only itself), and every promise settles only after the COMMIT, so no
   * event is acknowledged before it is durable. If the COMMIT fails, every event of the
   * group is rejected and none was applied; the sender's retry applies them.
   */
  submit(eventId: string, event: PlatformEvent): Promise<ApplyResult> {
    checkEventId(eventId);
    return new Promise((resolve, reject) => {
      this.pending.push({ eventId, event, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.pending.splice(0, MAX_GROUP);
    if (this.pending.length > 0) setImmediate(() => this.flush());
    const { db } = this.deps;
    const outcomes: ({ ok: true; result: ApplyResult } | { ok: false; error: unknown })[] = [];
    try {
      db.write(() => {
        // On PostgreSQL a write may run again (a serialization failure, a raced key): each
        // attempt starts from no outcomes.
        outcomes.length = 0;
        const rates = new Map<string, EarnRates>();
        for (const item of group) {
          try {
            outcomes.push({
              ok: true,
              result: db.write(() => this.applyInTx(item.eventId, item.event, rates)),
            });
            crashPoint('platform.event-applied');
          } catch (error) {
            // SQLite rolls the whole transaction back on some errors (disk full, I/O):
            // then nothing of the group stands, and the group fails as one.
            if (!db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  }

  /** The event's whole effect; runs inside a write. `rates` caches settings per guild for the transaction. */
  private applyInTx(eventId: string, event: PlatformEvent, rates: Map<string, EarnRates>): ApplyResult {
    const hash = createHash('sha256').update(JSON.stringify(event)).digest('hex');
    const seen = this.store.event(eventId);
    if (seen) {
      if (seen.payloadHash !== hash) {
        throw new PlatformError(
          'PLATFORM.EVENT_CONFLICT',
          { eventId },
          `event ${eventId} was already received with a different body; a new event needs a new webhook-id`,
        );
      }
      return this.replay(seen, event);
    }
    let earn = rates.get(event.guildId);
    if (!earn) rates.set(event.guildId, (earn = this.deps.settings.get(event.guildId).earn));
    const now = this.deps.ledger.clock();
    const ctx: Ctx = { eventId, guildId: event.guildId, now, rates: earn };
    let result: Omit<ApplyResult, 'eventId' | 'type' | 'guildId' | 'sparks' | 'originalStatus'>;
    switch (event.type) {
      case 'trade.executed':
        result = this.trade(ctx, event);
        break;
      case 'subscription.started':
        result = this.subscription(ctx, event);
        break;
      case 'referral.registered':
        result = this.referral(ctx, event);
        break;
    }
    const sparks = result.credits.reduce((sum, c) => sum + c.amount, 0);
    if (result.status === 'applied') this.tell(event, eventId);
    this.store.insertEvent({
      id: eventId,
      guildId: event.guildId,
      type: event.type,
      payloadHash: hash,
      sparks,
      receivedAt: now,
    });
    return {
      ...result,
      originalStatus: result.status === 'ignored' ? 'ignored' : 'applied',
      eventId,
      type: event.type,
      guildId: event.guildId,
      sparks,
    };
  }

  private trade(ctx: Ctx, event: TradeEvent): Pick<ApplyResult, 'status' | 'credits' | 'pendingShare'> {
    const credits: PlatformCredit[] = [];
    const usd = formatUsd(event.volumeCents);
    const own = this.credit(ctx, {
      userId: event.userId,
      amount: tradeSparks(ctx.rates, event.volumeCents),
      kind: 'platform.trade',
      key: `event:${ctx.eventId}`,
      reason: `Trade ${usd} USD`,
    });
    if (own) credits.push(own);
    const referral = this.store.referralOf(ctx.guildId, event.userId);
    if (!referral) return { status: 'applied', credits };
    const credit = this.shareCredit(ctx);
    // This trade may qualify the invitee: their pending shares are credited first.
    credits.push(
      ...this.referrals.traded(
        { guildId: ctx.guildId, inviteeId: event.userId, volumeCents: event.volumeCents, now: ctx.now },
        credit,
      ),
    );
    // A share of what the invitee was actually credited, so a capped invitee does not
    // keep earning for the referrer.
    const share = this.referrals.share(
      {
        guildId: ctx.guildId,
        referrerId: referral.referrerUserId,
        inviteeId: event.userId,
        eventId: ctx.eventId,
        kind: 'trade',
        amount: referralTradeShare(ctx.rates, own?.amount ?? 0),
        reason: `Referral: ${ctx.rates.referralTradeSharePct}% of ${event.userId}'s trade (${usd} USD)`,
        now: ctx.now,
      },
      credit,
    );
    if (share.credited) credits.push(share.credited);
    return { status: 'applied', credits, ...(share.pending ? { pendingShare: share.pending } : {}) };
  }

  /** Credits one referral share through the daily cap, in this event's name. */
  private shareCredit(ctx: Ctx): ShareCredit {
    return (input) => this.credit(ctx, input);
  }

  private subscription(
    ctx: Ctx,
    event: SubscriptionEvent,
  ): Pick<ApplyResult, 'status' | 'credits' | 'firstSubscription' | 'pendingShare'> {
    const credits: PlatformCredit[] = [];
    // The platform says whether it is the first; the bot honours that once per member.
    const first = event.first && this.store.firstSubscriptionOf(ctx.guildId, event.userId) === undefined;
    if (first) this.store.markFirstSubscription(ctx.guildId, event.userId, ctx.eventId, ctx.now);
    const own = this.credit(ctx, {
      userId: event.userId,
      amount: subscriptionSparks(ctx.rates, event.plan, first),
      kind: 'platform.subscription',
      key: `event:${ctx.eventId}`,
      reason: `Subscription ${event.plan}${first ? ' (first)' : ''}`,
    });
    if (own) credits.push(own);
    const referral = first ? this.store.referralOf(ctx.guildId, event.userId) : undefined;
    if (!referral) return { status: 'applied', credits, firstSubscription: first };
    const share = this.referrals.share(
      {
        guildId: ctx.guildId,
        referrerId: referral.referrerUserId,
        inviteeId: event.userId,
        eventId: ctx.eventId,
        kind: 'first_subscription',
        amount: referralFirstSubShare(ctx.rates, own?.amount ?? 0),
        reason: `Referral: ${ctx.rates.referralFirstSubPct}% of ${event.userId}'s first subscription (${event.plan})`,
        now: ctx.now,
      },
      this.shareCredit(ctx),
    );
    if (share.credited) credits.push(share.credited);
    return {
      status: 'applied',
      credits,
      firstSubscription: first,
      ...(share.pending ? { pendingShare: share.pending } : {}),
    };
  }

  private referral(
    ctx: Ctx,
    event: ReferralEvent,
  ): Pick<ApplyResult, 'status' | 'credits' | 'referral' | 'note'> {
    if (event.referrerId === event.inviteeId) {
      throw new PlatformError(
        'PLATFORM.SELF_REFERRAL',
        { userId: event.inviteeId },
        'a member cannot refer themselves',
      );
    }
    // Checked before "already referred" so the refusal never depends on which referral
    // happened to land first: once a chain exists it exists for good.
    if (this.store.referralChainContains(ctx.guildId, event.referrerId, event.inviteeId)) {
      throw new PlatformError(
        'PLATFORM.REFERRAL_CYCLE',
        { referrerId: event.referrerId, inviteeId: event.inviteeId },
        `${event.inviteeId} is already upstream of ${event.referrerId} in the referral chain; referrals cannot form a cycle`,
      );
    }
    if (!this.store.referralOf(ctx.guildId, event.inviteeId)) {
      this.store.insertReferral({
        guildId: ctx.guildId,
        inviteeUserId: event.inviteeId,
        referrerUserId: event.referrerId,
        eventId: ctx.eventId,
        createdAt: ctx.now,
      });
      this.referrals.registered(this.deps.settings.get(ctx.guildId), {
        guildId: ctx.guildId,
        referrerId: event.referrerId,
        inviteeId: event.inviteeId,
        now: ctx.now,
      });
    }
    return this.referralOutcome(ctx.guildId, ctx.eventId, event);
  }

  private tell(event: PlatformEvent, eventId: string): void {
    if (this.factListeners.length === 0) return;
    const fact: PlatformFact = {
      guildId: event.guildId,
      eventId,
      type: event.type,
      userId: event.type === 'referral.registered' ? event.referrerId : event.userId,
      occurredAt: Date.parse(event.occurredAt),
      ...(event.type === 'trade.executed' ? { volumeCents: event.volumeCents } : {}),
    };
    for (const listener of this.factListeners) listener(fact);
  }

  /** The outcome of a referral event, read back from the referral on record. */
  private referralOutcome(
    guildId: string,
    eventId: string,
    event: ReferralEvent,
  ): Pick<ApplyResult, 'status' | 'credits' | 'referral' | 'note'> {
    const row = this.store.referralOf(guildId, event.inviteeId)!;
    const referral = {
      referrerId: row.referrerUserId,
      inviteeId: row.inviteeUserId,
      registeredBy: row.eventId,
    };
    if (row.eventId === eventId) return { status: 'applied', credits: [], referral };
    const note =
      row.referrerUserId === event.referrerId
        ? 'this referral was already registered by an earlier event'
        : 'the invitee already has a referrer; the first one registered keeps it';
    return { status: 'ignored', credits: [], referral, note };
  }

  /** The first outcome of an event id, rebuilt from what it wrote. */
  private replay(row: PlatformEventRow, event: PlatformEvent): ApplyResult {
    const credits = this.store.entriesOfEvent(row.guildId, `event:${row.id}`).map((e) => ({
      userId: e.userId,
      kind: e.kind,
      amount: e.amount,
      entryId: e.id,
    }));
    const base = {
      eventId: row.id,
      type: event.type,
      guildId: row.guildId,
      sparks: row.sparks,
      credits,
    };
    const held = this.referrals.heldBy(row.guildId, row.id);
    const pending = held ? { pendingShare: held } : {};
    switch (event.type) {
      case 'trade.executed':
        return { ...base, ...pending, status: 'duplicate', originalStatus: 'applied' };
      case 'subscription.started':
        return {
          ...base,
          ...pending,
          status: 'duplicate',
          originalStatus: 'applied',
          firstSubscription: this.store.firstSubscriptionOf(row.guildId, event.userId) === row.id,
        };
      case 'referral.registered': {
        const outcome = this.referralOutcome(row.guildId, row.id, event);
        return {
          ...base,
          ...outcome,
          status: 'duplicate',
          originalStatus: outcome.status === 'ignored' ? 'ignored' : 'applied',
        };
      }
    }
  }

  /** Credits up to the daily cap; nothing (null) when that leaves 0 Sparks. */
  private credit(
    ctx: Ctx,
    input: { userId: string; amount: number; kind: TransferKind; key: string; reason: string },
  ): PlatformCredit | null {
    const cap = ctx.rates.platformDailyCap;
    const earnedToday =
      cap === null ? 0 : this.store.platformEarnedSince(ctx.guildId, input.userId, utcDayStart(ctx.now));
    const amount = capToDaily(cap, earnedToday, input.amount);
    if (amount <= 0) return null;
    if (amount > MAX_AMOUNT) {
      throw new PlatformError(
        'PLATFORM.AMOUNT_OUT_OF_RANGE',
        { amount, max: MAX_AMOUNT },
        `the event would credit ${amount} Sparks in one entry; the most is ${MAX_AMOUNT}`,
      );
    }
    const { transfer } = this.deps.ledger.credit({
      guildId: ctx.guildId,
      userId: input.userId,
      source: 'platform',
      kind: input.kind,
      amount,
      key: input.key,
      actor: { type: 'platform', id: ctx.eventId },
      reason: amount < input.amount ? `${input.reason} (daily cap reached)` : input.reason,
      ref: `event:${ctx.eventId}`,
    });
    return { userId: input.userId, kind: input.kind, amount, entryId: transfer.id };
  }
}

interface Ctx {
  eventId: string;
  guildId: string;
  now: number;
  rates: EarnRates;
}
