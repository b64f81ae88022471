import type { Logger } from '../../log.ts';
import type {
  LinkedRoleService,
  PushOutcome,
  PushResult,
  RoleConnectionApi,
} from '../../linked-roles/linked-roles.ts';

/** A member whose push keeps failing is tried this many times, then left to the next change or sweep. */
export const MAX_ATTEMPTS = 6;
/** The first retry after a 5xx or a network failure; each further one waits twice as long. */
export const BASE_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 5 * 60_000;

export interface PusherOptions {
  service: LinkedRoleService;
  api: RoleConnectionApi;
  logger: Logger;
  clock: () => number;
  /** Discord limits this route: pushes are spaced to at most this many a minute. */
  pushesPerMinute: number;
  baseBackoffMs?: number;
}

interface Queued {
  attempts: number;
  /** Not before this time (a retry's backoff or Discord's Retry-After). */
  notBefore: number;
}

/**
 * The queue of members whose role connection may be out of date. Noting a member is a
 * map insert (it runs inside ledger transactions: no I/O, no SQL), so it never slows a
 * command; one loop then pushes them one at a time, at most `pushesPerMinute`, each member
 * once however often they were noted meanwhile. A push that Discord rate-limits waits its
 * Retry-After (all pushes wait when the limit is global); one that fails on Discord's side
 * is retried with exponential backoff, MAX_ATTEMPTS times.
 */
export class LinkedRolePusher {
  private readonly queue = new Map<string, Queued>();
  /** Members noted again while their push was in flight: pushed once more after it. */
  private readonly again = new Set<string>();
  private readonly waiters = new Map<string, ((result: PushResult) => void)[]>();
  private readonly o: PusherOptions;
  private readonly spacingMs: number;
  private readonly baseBackoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private deferred: NodeJS.Immediate | null = null;
  private draining: Promise<void> | null = null;
  private inFlight: string | null = null;
  private lastPushAt = 0;
  private pausedUntil = 0;
  private stopped = false;
  /** Ends a wait between pushes when the pusher stops. */
  private readonly stopping = new AbortController();

  constructor(options: PusherOptions) {
    this.o = options;
    this.spacingMs = Math.ceil(60_000 / options.pushesPerMinute);
    this.baseBackoffMs = options.baseBackoffMs ?? BASE_BACKOFF_MS;
  }

  /** Remembers that the member's values may have changed. Synchronous and cheap. */
  note(userId: string): void {
    if (this.stopped) return;
    if (this.inFlight === userId) this.again.add(userId);
    else if (!this.queue.has(userId)) this.queue.set(userId, { attempts: 0, notBefore: 0 });
    this.kick();
  }

  /**
   * Pushes the member's values ahead of the queue and resolves with what happened —
   * `queued` when Discord asked to wait, or after `waitMs`, when the push carries on in
   * the background.
   */
  pushNow(userId: string, waitMs = 5000): Promise<PushResult> {
    if (this.stopped) return Promise.resolve({ status: 'queued' });
    const result = new Promise<PushResult>((resolve) => {
      const list = this.waiters.get(userId) ?? [];
      list.push(resolve);
      this.waiters.set(userId, list);
      const timer = setTimeout(() => resolve({ status: 'queued' }), waitMs);
      timer.unref();
    });
    // Ahead of the queue: re-insert everyone else after it.
    const rest = [...this.queue].filter(([id]) => id !== userId);
    this.queue.clear();
    if (this.inFlight === userId) this.again.add(userId);
    else this.queue.set(userId, { attempts: 0, notBefore: 0 });
    for (const [id, q] of rest) this.queue.set(id, q);
    this.kick();
    return result;
  }

  /** Members waiting to be pushed (due or backing off). */
  get size(): number {
    return this.queue.size + (this.inFlight ? 1 : 0);
  }

  /** Resolves once no push is due now or in flight (members backing off may remain). */
  async idle(): Promise<void> {
    while (!this.stopped && (this.draining || this.dueNow())) {
      if (!this.draining) this.startDrain();
      await this.draining;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.deferred) clearImmediate(this.deferred);
    this.deferred = null;
    this.queue.clear();
    await this.draining;
    for (const [userId] of this.waiters) this.settle(userId, { status: 'queued' });
  }

  private dueNow(): boolean {
    const now = this.o.clock();
    for (const q of this.queue.values()) if (q.notBefore <= now) return true;
    return false;
  }

  /**
   * Starts the loop on the next turn of the event loop: a note comes from inside a ledger
   * transaction, and whatever else that transaction notes joins the same run.
   */
  private kick(): void {
    if (this.draining || this.stopped || this.deferred) return;
    this.deferred = setImmediate(() => {
      this.deferred = null;
      this.startDrain();
    });
  }

  private startDrain(): void {
    if (this.draining || this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.draining = this.drain()
      .catch((err: unknown) => this.o.logger.error({ err }, 'linked role pushes stopped unexpectedly'))
      .finally(() => {
        this.draining = null;
        this.schedule();
      });
  }

  /** Arms one timer for the earliest member still waiting. */
  private schedule(): void {
    if (this.stopped || this.queue.size === 0 || this.timer) return;
    const now = this.o.clock();
    let next = Infinity;
    for (const q of this.queue.values()) next = Math.min(next, q.notBefore);
    const delay = Math.max(0, Math.max(next, this.pausedUntil, this.lastPushAt + this.spacingMs) - now);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.startDrain();
    }, delay);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const now = this.o.clock();
      const wait = Math.max(this.pausedUntil, this.lastPushAt + this.spacingMs) - now;
      const due = [...this.queue].find(([, q]) => q.notBefore <= now);
      if (!due) return;
      if (wait > 0) {
        await sleep(wait, this.stopping.signal);
        continue;
      }
      const [userId, queued] = due;
      this.queue.delete(userId);
      this.inFlight = userId;
      this.lastPushAt = now;
      let outcome: PushOutcome;
      try {
        outcome = await this.o.service.push(userId, this.o.api);
      } catch (err) {
        this.o.logger.error({ err, userId }, 'linked role push failed');
        outcome = { status: 'retry', afterMs: null, global: false, error: 'internal error' };
      } finally {
        this.inFlight = null;
      }
      this.handle(userId, queued, outcome);
    }
  }

  private handle(userId: string, queued: Queued, outcome: PushOutcome): void {
    const log = this.o.logger.child({ userId });
    const again = this.again.delete(userId);
    if (outcome.status !== 'retry') {
      if (outcome.status === 'pushed') log.info({ values: outcome.values }, 'linked role pushed');
      else if (outcome.status === 'dropped')
        log.info({ reason: outcome.reason }, 'linked role connection dropped');
      else if (outcome.status === 'failed')
        log.warn({ error: outcome.error }, 'Discord refused a linked role push');
      this.settle(userId, outcome);
      if (again) this.queue.set(userId, { attempts: 0, notBefore: 0 });
      return;
    }
    const now = this.o.clock();
    if (outcome.global && outcome.afterMs !== null) this.pausedUntil = now + outcome.afterMs;
    const attempts = queued.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      log.warn(
        { attempts, error: outcome.error },
        'linked role push gave up; the next change or sweep retries',
      );
      this.settle(userId, outcome);
      return;
    }
    const delay = outcome.afterMs ?? Math.min(MAX_BACKOFF_MS, this.baseBackoffMs * 2 ** queued.attempts);
    log.debug({ attempts, delay, error: outcome.error }, 'linked role push will be retried');
    this.queue.set(userId, { attempts, notBefore: now + delay });
    // The page waits for a first answer, not for the retries.
    this.settle(userId, { status: 'queued' });
  }

  private settle(userId: string, result: PushResult): void {
    const list = this.waiters.get(userId);
    if (!list) return;
    this.waiters.delete(userId);
    for (const resolve of list) resolve(result);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
