/**
 * The grant writer (GRANT_WRITER=thread): campaign grants written on a worker thread of
 * their own (src/grants/writer-worker.ts, its own connection, ledger and campaign service),
 * so that during a reaction burst the gateway (frames, JSON, dispatch) and the group
 * commit's SQL each get a core instead of sharing one.
 *
 * The main thread's `CampaignService` hands its operations here instead of to the local
 * grant queue; they are posted to the thread in one message per turn of the event loop
 * (as the queue batches), and the thread applies them in batches of up to 500 per durable
 * transaction, exactly as inline. What the main thread needs of a batch comes back only
 * after its commit: the counts (into the shared queue's `stats` and `onCommitted`
 * listeners), the new entries for the main ledger's post hooks (`Ledger.replayPosted`),
 * the campaigns it ended (`onEnded`: the service announces them once), and those it found
 * already ended by another process (`onInactive`: the service drops its index).
 *
 * `flush()` stays synchronous: it posts what is waiting, then blocks on a shared counter
 * (Atomics.wait) until the thread has settled everything posted, reading its replies with
 * receiveMessageOnPort. A thread that dies is logged, what it had not committed is counted
 * failed (reconciliation finds it, as for a failed batch inline), and the next operation
 * starts a new one.
 */
import { Listeners } from '../core/listeners.ts';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { CampaignSummary } from '../campaigns/campaigns.ts';
import type { CampaignOp } from '../campaigns/grants.ts';
import type { Clock } from '../core/clock.ts';
import { crashPoint } from '../core/crash.ts';
import { startThread } from '../core/threads.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { DEFAULT_BATCH_SIZE, type GrantQueue } from './queue.ts';
import type { LogLevel, OpsMessage, WriterData, WriterReply } from './writer-worker.ts';

export interface GrantWriterDeps {
  /** The database file (not `:memory:`: another connection could not see it). */
  path: string;
  /** The shared queue whose `stats` and `onCommitted` listeners count the thread's batches. */
  queue: GrantQueue;
  /** The main thread's ledger, whose post hooks hear of the thread's entries. */
  ledger: Ledger;
  clock: Clock;
  logger: Logger;
  batchSize?: number;
  /** Queue sparks.credited in the grant's transaction (PLATFORM_EVENTS_URL is set). */
  platformEvents?: boolean;
  /** Whether the main connection holds a write transaction (a flush would then wait on itself). */
  inTransaction?: () => boolean;
  /** A thread that neither reports nor exits for this long during a flush is given up (default 60 s). */
  stallMs?: number;
}

/** One worker thread and what was posted to it. */
interface Thread {
  worker: Worker;
  replies: MessagePort;
  /** [0]: operations settled by the thread; [1]: 1 once it exits. */
  shared: BigInt64Array;
  posted: number;
  settled: number;
  closing: boolean;
}

const LEVELS: LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** True when `path` names a database file another connection can open. */
export function isFileDatabase(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file::memory:');
}

export class GrantWriter {
  private readonly deps: GrantWriterDeps;
  private thread: Thread | null = null;
  private outgoing: CampaignOp[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly endedListeners: Listeners<CampaignSummary>;
  private readonly inactiveListeners: Listeners<number>;
  private closed = false;
  /** Threads started so far (for tests and logs). */
  started = 0;

  constructor(deps: GrantWriterDeps) {
    if (!isFileDatabase(deps.path)) throw new Error('the grant writer thread needs a database file');
    this.deps = deps;
    const failed = (what: string) => (err: unknown) =>
      deps.logger.error({ err }, `grant writer ${what} listener failed`);
    this.endedListeners = new Listeners(failed('end'));
    this.inactiveListeners = new Listeners(failed('inactive'));
  }

  /** Queues an operation; posted to the thread on the next turn of the event loop with the others. */
  submit(op: CampaignOp): void {
    if (this.closed) return;
    this.outgoing.push(op);
    this.scheduled ??= setImmediate(() => this.post());
  }

  /** Operations submitted and not settled yet. */
  get pending(): number {
    const t = this.thread;
    return this.outgoing.length + (t ? t.posted - t.settled : 0);
  }

  /** Called once per campaign a batch ended (cap or budget), after its commit. */
  onEnded(listener: (summary: CampaignSummary) => void): () => void {
    return this.endedListeners.add(listener);
  }

  /**
   * Called for each campaign a batch found no longer active (another process ended it):
   * the main thread's index still listed it.
   */
  onInactive(listener: (campaignId: number) => void): () => void {
    return this.inactiveListeners.add(listener);
  }

  /** Resolves once everything submitted so far is committed and its replies processed. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Posts what is waiting and blocks until the thread has settled all of it (committed or
   * failed), its replies processed. Throws if the main connection holds a write
   * transaction while there is work to wait for (the thread could never take the lock).
   */
  flush(): void {
    this.post();
    const t = this.thread;
    if (!t || t.settled >= t.posted) return;
    if (this.deps.inTransaction?.())
      throw new Error('GrantWriter.flush inside a write transaction would wait on itself');
    const stallMs = this.deps.stallMs ?? 60_000;
    let progressAt = Date.now();
    while (this.thread === t && t.settled < t.posted) {
      const seen = Atomics.load(t.shared, 0);
      if (Number(seen) <= t.settled) Atomics.wait(t.shared, 0, seen, 100);
      const before = t.settled;
      this.drain(t);
      if (t.settled > before) progressAt = Date.now();
      if (t.settled >= t.posted) break;
      if (Atomics.load(t.shared, 1) === 1n) {
        this.died(t, 'the grant writer thread exited');
      } else if (Date.now() - progressAt > stallMs) {
        void t.worker.terminate();
        this.died(t, `the grant writer thread reported nothing for ${stallMs} ms`);
      }
    }
  }

  /** Flushes, stops the thread and refuses new work (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
    const t = this.thread;
    this.thread = null;
    if (!t) return;
    t.closing = true;
    t.worker.postMessage({ type: 'close' });
    t.replies.close();
  }

  /**
   * Stops the thread at once, as a crash would (tests): what it had not reported is
   * counted failed; the next operation starts a new thread.
   */
  async killThread(): Promise<void> {
    const t = this.thread;
    if (!t) return;
    t.closing = true;
    await t.worker.terminate();
    this.died(t, 'the grant writer thread was stopped');
  }

  private post(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    if (this.outgoing.length === 0) return;
    const t = (this.thread ??= this.spawn());
    const ops = this.outgoing;
    this.outgoing = [];
    t.posted += ops.length;
    t.worker.ref();
    t.replies.ref();
    t.worker.postMessage({
      type: 'ops',
      ops,
      clockOffset: this.deps.clock() - Date.now(),
    } satisfies OpsMessage);
    crashPoint('writer.posted');
  }

  private spawn(): Thread {
    const { port1, port2 } = new MessageChannel();
    const sab = new SharedArrayBuffer(16);
    const { logger } = this.deps;
    const data: WriterData = {
      path: this.deps.path,
      batchSize: this.deps.batchSize ?? DEFAULT_BATCH_SIZE,
      platformEvents: this.deps.platformEvents ?? false,
      levels: LEVELS.filter((l) => logger.isLevelEnabled(l)),
      replies: port2,
      settled: sab,
    };
    const worker = startThread(import.meta.url, 'writer-worker', data, { transferList: [port2] });
    const t: Thread = {
      worker,
      replies: port1,
      shared: new BigInt64Array(sab),
      posted: 0,
      settled: 0,
      closing: false,
    };
    this.started++;
    port1.on('message', (reply: WriterReply) => this.receive(t, reply));
    worker.on('error', (err) => logger.error({ err }, 'grant writer thread failed'));
    worker.on('exit', (code) => {
      if (!t.closing) this.died(t, `the grant writer thread exited (${code})`);
    });
    return t;
  }

  private drain(t: Thread): void {
    for (let m = receiveMessageOnPort(t.replies); m; m = receiveMessageOnPort(t.replies))
      this.receive(t, m.message as WriterReply);
  }

  private receive(t: Thread, reply: WriterReply): void {
    if (reply.type === 'log') {
      this.deps.logger[reply.level](reply.fields, reply.msg);
      return;
    }
    if (this.thread !== t && !t.closing) return;
    t.settled = reply.settled;
    const { queue, ledger, logger } = this.deps;
    queue.recordElsewhere(reply.report);
    ledger.replayPosted(reply.entries, (err) => logger.error({ err }, 'ledger post hook failed'));
    for (const summary of reply.ended) this.endedListeners.emit(summary);
    for (const campaignId of reply.inactive) this.inactiveListeners.emit(campaignId);
    crashPoint('writer.applied');
    this.settle(t);
  }

  /** The thread is gone: its replies still waiting are processed, the rest is counted failed. */
  private died(t: Thread, reason: string): void {
    if (this.thread !== t) return;
    this.drain(t);
    this.thread = null;
    t.replies.close();
    const lost = t.posted - t.settled;
    if (lost > 0)
      this.deps.queue.recordElsewhere({
        size: lost,
        committed: false,
        granted: 0,
        revoked: 0,
        skipped: 0,
        failed: lost,
      });
    this.deps.logger.error(
      { lost },
      `${reason}; its uncommitted grants are counted failed (reconciliation finds them)`,
    );
    if (this.outgoing.length > 0) this.scheduled ??= setImmediate(() => this.post());
    this.notifyIdle();
  }

  private settle(t: Thread): void {
    if (t.settled >= t.posted) {
      t.worker.unref();
      t.replies.unref();
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
