/**
 * Outbound platform events (SPEC §6): rows written to `outbox` inside the transaction
 * that caused them, then delivered to PLATFORM_EVENTS_URL, signed the Standard Webhooks
 * way, by an OutboxDispatcher.
 *
 * Guarantees, and how they are kept:
 * - At least once: a row is marked delivered only after a 2xx reply; everything else
 *   (an error status, a refused connection, a timeout, a crash mid-request) leaves it
 *   pending and it is sent again. Receivers deduplicate by `webhook-id` (`outbox_<id>`,
 *   the same on every retry).
 * - In order per member: only the oldest undelivered row of a member is ever due, so a
 *   member's later event never leaves before an earlier one was acknowledged. Members
 *   are independent: one member's failing row does not hold up another's.
 * - Retried with exponential backoff and jitter (1 s doubling, capped at 10 min), with
 *   `attempts` and `last_error` on the row; never given up.
 * - Surviving restarts: all state is in the table; nothing is held in memory.
 * - No concurrent double send across processes: a dispatcher claims rows inside a
 *   BEGIN IMMEDIATE transaction by pushing `next_attempt_at` a lease ahead (60 s, longer
 *   than the request timeout). Another dispatcher sees the row as not due until the lease
 *   runs out — which only happens if the claimant died or hung, and then a resend is
 *   exactly what at-least-once asks for.
 */
import { Webhook } from 'standardwebhooks';
import type { AppDb } from '../db/engine.ts';
import type { OutboxRow, OutboxStoreApi } from '../db/outbox-store.ts';
import type { TransferKind } from '../db/schema.ts';
import { type Ledger, movesLifetime } from '../ledger/ledger.ts';
import { type Clock, DAY_MS, HOUR_MS, systemClock } from '../core/clock.ts';
import { type Logger, silentLogger } from '../log.ts';

export const OUTBOX_EVENT_TYPES = ['sparks.credited', 'redemption.fulfilled', 'redemption.refunded'] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

export interface OutboxEvent {
  guildId: string;
  /** The member the event is about: delivery is ordered per (guild, member). */
  userId: string;
  type: OutboxEventType;
  /** Event-specific fields (snake_case), added to the body after the common ones. */
  data: Record<string, unknown>;
  /** When it happened (ms since the epoch); default now. */
  now?: number;
}

/**
 * Where outbound events are queued: inside the transaction that makes their fact true.
 * One per database connection, built by the composition root over the outbox store.
 */
export class Outbox {
  readonly store: OutboxStoreApi;
  private readonly db: AppDb;
  /** Ledgers already hooked: hooking one twice would queue every event twice. */
  private readonly hooked = new WeakSet<Ledger>();

  constructor(deps: { db: AppDb; store: OutboxStoreApi }) {
    this.db = deps.db;
    this.store = deps.store;
  }

  /**
   * Queues one outbound event and returns its outbox id. Call it inside the `db.write`
   * that makes the fact true (the shop's fulfilment or refund), so the event exists if
   * and only if the fact does. The body is fixed here — `{ type, occurred_at, guild_id,
   * discord_user_id, ...data }` — and sent byte for byte on every attempt.
   */
  enqueue(event: OutboxEvent): number {
    const now = event.now ?? Date.now();
    const payload = JSON.stringify({
      type: event.type,
      occurred_at: new Date(now).toISOString(),
      guild_id: event.guildId,
      discord_user_id: event.userId,
      ...event.data,
    });
    return this.db.write(() =>
      this.store.insert({ guildId: event.guildId, userId: event.userId, type: event.type, payload, now }),
    );
  }

  /**
   * Makes the ledger queue `sparks.credited` for every new entry that credits a member
   * from an issuance or campaign account (awards, campaign grants, platform credits),
   * inside the posting transaction. Again for the same ledger is a no-op. Call it only
   * when PLATFORM_EVENTS_URL is set. Each carries `status: 'credited'` (pending and lapsed
   * referral shares are announced with the same type by ReferralQuality, with `amount` 0);
   * `details` adds fields of the entry's feature (a referral share's invitee).
   */
  registerCreditedEvents(
    ledger: Ledger,
    details: (transfer: {
      guildId: string;
      kind: TransferKind;
      idempotencyKey: string;
    }) => Record<string, unknown> = () => ({}),
  ): void {
    if (this.hooked.has(ledger)) return;
    this.hooked.add(ledger);
    ledger.onPosted(
      (transfer, debit, credit) => {
        if (!movesLifetime(credit.type, debit.type)) return;
        // The rows handed to the hook were read before the entry; its trigger has moved them since.
        const after = ledger.reads.accountById(credit.id)!;
        this.enqueue({
          guildId: transfer.guildId,
          userId: credit.ref,
          type: 'sparks.credited',
          now: transfer.createdAt,
          data: {
            status: 'credited',
            amount: transfer.amount,
            kind: transfer.kind,
            entry_id: transfer.id,
            balance_after: after.balance,
            lifetime_after: after.lifetimeEarned,
            reason: transfer.reason,
            ref: transfer.ref,
            ...details(transfer),
          },
        });
      },
      { transactional: true },
    );
  }

  /** Pending rows and the age of the oldest (for health and metrics). */
  stats(): { pending: number; oldestPendingAt: number | null } {
    return this.store.stats();
  }
}

export interface OutboxDispatcherOptions {
  db: AppDb;
  /** The outbox's rows (the same store the Outbox queues into). */
  store: OutboxStoreApi;
  /** PLATFORM_EVENTS_URL. */
  url: string;
  /** A whsec_ secret (the first of WEBHOOK_SECRET). */
  secret: string;
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Rows (each a different member) claimed and sent concurrently per pass. Default 20. */
  batchSize?: number;
  /** How long a claim keeps other dispatchers off a row. Default 60 s. */
  leaseMs?: number;
  /** Per-request timeout; must stay below the lease. Default 15 s. */
  timeoutMs?: number;
  /** Idle wait between passes that found nothing due. Default 1 s. */
  pollMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Delivered rows are deleted after this long. Default 7 days. */
  retentionMs?: number;
}

export interface DispatchReport {
  claimed: number;
  delivered: number;
  failed: number;
}

/**
 * Delivers the outbox (see the module comment for the guarantees). `start()` runs passes
 * in the background until `stop()`; tests drive `runOnce()` with a fake clock.
 */
export class OutboxDispatcher {
  private readonly store: OutboxStoreApi;
  private readonly webhook: Webhook;
  private readonly o: Required<Omit<OutboxDispatcherOptions, 'logger' | 'store'>> & { logger: Logger };
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(options: OutboxDispatcherOptions) {
    this.o = {
      logger: silentLogger,
      clock: systemClock,
      fetch: globalThis.fetch,
      random: Math.random,
      batchSize: 20,
      leaseMs: 60_000,
      timeoutMs: 15_000,
      pollMs: 1_000,
      baseDelayMs: 1_000,
      maxDelayMs: 600_000,
      retentionMs: 7 * DAY_MS,
      ...options,
    };
    if (this.o.timeoutMs >= this.o.leaseMs) throw new Error('outbox timeoutMs must be shorter than leaseMs');
    this.store = options.store;
    this.webhook = new Webhook(options.secret);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop and waits for the pass in flight (its rows are recorded). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  /** One pass: claim the due heads of member queues, send them, record each result. */
  async runOnce(): Promise<DispatchReport> {
    const { db, clock, batchSize, leaseMs } = this.o;
    const now = clock();
    const claimed = db.write(() =>
      this.store
        .due(now, batchSize)
        .map((row) => this.store.lease(row.id, now + leaseMs))
        .filter((row): row is OutboxRow => row !== undefined),
    );
    const results = await Promise.all(claimed.map((row) => this.deliver(row)));
    this.pruneNowAndThen();
    const delivered = results.filter(Boolean).length;
    return { claimed: claimed.length, delivered, failed: claimed.length - delivered };
  }

  /** The wait before attempt `attempts + 1`: base·2^(attempts−1), capped, less up to half as jitter. */
  backoff(attempts: number): number {
    const exp = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(attempts - 1, 40));
    return Math.round(exp / 2 + (exp / 2) * this.o.random());
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    const { clock, db, url, logger } = this.o;
    const id = `outbox_${row.id}`;
    const sentAt = new Date(clock());
    let error: string;
    try {
      const response = await this.o.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.webhook.sign(id, sentAt, row.payload),
        },
        body: row.payload,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        db.write(() => this.store.markDelivered(row.id, clock()));
        return true;
      }
      error = `HTTP ${response.status}`;
    } catch (e) {
      error = describe(e);
    }
    const delay = this.backoff(row.attempts);
    db.write(() => this.store.markFailed(row.id, error.slice(0, 500), clock() + delay));
    logger.warn(
      { outboxId: row.id, type: row.type, attempts: row.attempts, error, retryInMs: delay },
      'outbox delivery failed',
    );
    return false;
  }

  private pruneNowAndThen(): void {
    const now = this.o.clock();
    if (now - this.lastPrune < HOUR_MS) return;
    this.lastPrune = now;
    const removed = this.o.db.write(() => this.store.prune(now - this.o.retentionMs));
    if (removed) this.o.logger.debug({ removed }, 'outbox: pruned delivered rows');
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pass = this.loop();
    }, delay);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    let busy = false;
    try {
      busy = (await this.runOnce()).claimed > 0;
    } catch (e) {
      this.o.logger.error({ err: e }, 'outbox pass failed');
    }
    this.schedule(busy ? 0 : this.o.pollMs);
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
  return `${e.name === 'TimeoutError' ? 'timeout' : e.message}${detail}`;
}
