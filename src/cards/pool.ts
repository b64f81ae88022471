import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../core/threads.ts';
import type { Card } from './render.ts';
import type { RenderReply, RenderRequest } from './worker.ts';

export interface CardRendererOptions {
  /**
   * Worker threads at most. Default: one per core beyond the first, at most 2 — more
   * renders at once than spare cores only take time from the event loop, and each worker
   * holds tens of megabytes (its own V8 and Skia's caches).
   */
  size?: number;
  /** Cards waiting at most; beyond it render() fails at once (the reply goes without image). */
  maxQueue?: number;
  /** From the call to the PNG, including a worker's start-up (default 10 s). */
  timeoutMs?: number;
  /** An idle worker is stopped after this long (default 5 min); the next card starts one. */
  idleMs?: number;
}

interface Job {
  id: number;
  card: Card;
  resolve: (png: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  idle: NodeJS.Timeout | null;
}

/** A card needs little JavaScript heap (drawing and encoding are native): keep V8's small. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 };

/**
 * Renders cards in a small pool of worker threads, so drawing and PNG encoding (tens of
 * milliseconds per card, measured in bench/cards.ts) never hold the bot's event loop.
 * Workers start on first use and stop when idle. Bounded: a full queue, a worker that
 * fails or a render that takes too long rejects, and the caller replies without the image.
 */
export class CardRenderer {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: CardRendererOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism() - 1));
    this.maxQueue = options.maxQueue ?? 32;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.idleMs = options.idleMs ?? 5 * 60_000;
  }

  /** The PNG of `card`. Rejects when closed, overloaded, timed out, or the worker failed. */
  render(card: Card): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the card renderer is closed'));
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(new Error('the card renderer is overloaded'));
    return new Promise<Buffer>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        card,
        resolve,
        reject,
        timer: setTimeout(() => this.timeOut(job), this.timeoutMs),
      };
      job.timer.unref();
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; waiting and running renders reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new Error('the card renderer is closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      if (slot.job) this.settle(slot.job, new Error('the card renderer is closed'));
      if (slot.idle) clearTimeout(slot.idle);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Workers running now (for tests and metrics). */
  get workers(): number {
    return this.slots.length;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) {
        if (this.slots.length < this.size && !this.slots.some((s) => !s.ready)) this.spawn();
        return;
      }
      const job = this.queue.shift()!;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = null;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, card: job.card } satisfies RenderRequest);
    }
  }

  private spawn(): void {
    const worker = startThread(import.meta.url, 'worker', null, { resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker, ready: false, job: null, idle: null };
    this.slots.push(slot);
    worker.on('message', (message: RenderReply | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
      } else if (slot.job?.id === message.id) {
        const job = slot.job;
        slot.job = null;
        if ('error' in message) this.settle(job, new Error(`card rendering failed: ${message.error}`));
        else
          this.settle(
            job,
            null,
            Buffer.from(message.png.buffer, message.png.byteOffset, message.png.byteLength),
          );
      }
      if (!slot.job) this.rest(slot);
      this.pump();
    });
    const gone = (error: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      if (slot.idle) clearTimeout(slot.idle);
      if (slot.job) this.settle(slot.job, error);
      // A worker that could not even start will not start the next time either: fail the
      // waiting cards now rather than at their timeouts.
      if (!slot.ready) for (const job of this.queue.splice(0)) this.settle(job, error);
      this.pump();
    };
    worker.on('error', (error) => gone(error));
    worker.on('exit', (code) => gone(new Error(`card worker exited (${code})`)));
  }

  /** An idle worker must not keep the process alive, and stops after idleMs. */
  private rest(slot: Slot): void {
    slot.worker.unref();
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !slot.job) {
        this.slots.splice(i, 1);
        void slot.worker.terminate();
      }
    }, this.idleMs);
    slot.idle.unref();
  }

  private timeOut(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      // A stuck render: replace its worker rather than wait on it.
      slot.job = null;
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }
    this.settle(job, new Error(`card rendering timed out after ${this.timeoutMs} ms`));
    this.pump();
  }

  private settle(job: Job, error: Error | null, png?: Buffer): void {
    clearTimeout(job.timer);
    if (error) job.reject(error);
    else job.resolve(png!);
  }
}
