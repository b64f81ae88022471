import type { Logger } from '../../log.ts';
import type { Clock } from '../../core/clock.ts';

/**
 * A timer for work due at known moments (a season's end, a raffle's close): it runs `tick`
 * at start, then at the next moment `next` names or after `maxMs`, whichever is sooner, and
 * keeps track of the tasks it and its owner start so `stop` can wait for them.
 */
export class DueScheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly tasks = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      maxMs: number;
      /** The next moment work falls due; null when none is known. */
      next: () => number | null;
      tick: () => Promise<void>;
      /** How a failed task is logged. */
      failure: string;
    },
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.track(this.deps.tick().finally(() => this.arm()));
  }

  /** Re-arms for the next due moment (something new was scheduled). */
  arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.deps.next();
    const delay =
      next === null ? this.deps.maxMs : Math.min(Math.max(0, next - this.deps.clock()), this.deps.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.track(this.deps.tick().finally(() => this.arm()));
    }, delay);
    this.timer.unref();
  }

  track<T>(task: Promise<T>): void {
    this.tasks.add(task);
    void task
      .catch((err: unknown) => this.deps.logger.warn({ err }, this.deps.failure))
      .finally(() => this.tasks.delete(task));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.tasks]);
  }
}
