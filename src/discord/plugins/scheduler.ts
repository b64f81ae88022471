import type { Logger } from '../../log.ts';
import { Tasks } from '../../core/tasks.ts';
import type { Clock } from '../../core/clock.ts';
import type { Leadership } from '../../ops/leadership.ts';

/**
 * A timer for work due at known moments (a season's end, a raffle's close): it runs `tick`
 * at start, then at the next moment `next` names or after `maxMs`, whichever is sooner, and
 * keeps track of the tasks it and its owner start so `stop` can wait for them.
 */
export class DueScheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly tasks = new Tasks((err) => this.deps.logger.warn({ err }, this.deps.failure));
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
    this.tasks.track(task);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.tasks.settled();
  }
}

/**
 * A DueScheduler that runs only while this process leads the once-only work: made anew each
 * time the process takes the lead (after `onLead`), stopped when it steps down. `tick` gets
 * the scheduler it runs under, to stop early once that one stopped. `arm` re-arms it where
 * it runs here, and does nothing elsewhere (the leader's next pass sees the new row).
 */
export class LeaderSchedule {
  private scheduler: DueScheduler | null = null;
  private release: (() => Promise<void>) | null = null;

  constructor(
    private readonly deps: {
      /** Names the work in the leadership's logs. */
      name: string;
      clock: Clock;
      logger: Logger;
      maxMs: number;
      next: () => number | null;
      tick: (scheduler: DueScheduler) => Promise<void>;
      failure: string;
      /** Runs each time this process takes the lead, before the first pass. */
      onLead?: () => void;
    },
  ) {}

  /** Registers with the leadership: runs now if this process leads, and whenever it comes to. */
  start(leadership: Leadership): void {
    const { name, onLead, tick, ...rest } = this.deps;
    this.release = leadership.whileLeader(name, () => {
      const scheduler: DueScheduler = new DueScheduler({ ...rest, tick: () => tick(scheduler) });
      this.scheduler = scheduler;
      onLead?.();
      scheduler.start();
      return async () => {
        if (this.scheduler === scheduler) this.scheduler = null;
        await scheduler.stop();
      };
    });
  }

  arm(): void {
    this.scheduler?.arm();
  }

  /** Stops the scheduler (if running) and forgets the registration. */
  async stop(): Promise<void> {
    await this.release?.();
    this.release = null;
  }
}
