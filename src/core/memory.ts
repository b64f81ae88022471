import { getHeapStatistics } from 'node:v8';

/** Collections at most per call: each one compacts only part of a fragmented heap. */
const MAX_ROUNDS = 5;

/**
 * Collects garbage now, after a one-off bulk job (reading a large guild's whole member
 * list, a reaction burst), so the heap it grew is handed back to the OS at once instead of
 * whenever V8's memory reducer next runs (measured in bench/e2e.ts: 25 s or more after a
 * 10,000-reaction burst, and the bot held 40–80 MB more after a 160,000-member sync).
 *
 * One full collection frees the garbage but compacts only a few of the pages it leaves
 * sparse, so this collects again while the heap keeps shrinking by more than 5%, at most
 * five times (on a 30 MB live heap each round takes 10–30 ms). Needs node's --expose-gc
 * (npm start passes it); without it (tests, tsx) this does nothing. Returns the number of
 * collections run.
 */
export function collectAfterBulkWork(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return 0;
  let size = getHeapStatistics().total_heap_size;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    gc();
    const after = getHeapStatistics().total_heap_size;
    if (after > size * 0.95) return round;
    size = after;
  }
  return MAX_ROUNDS;
}

export interface BulkWorkCollectorOptions {
  /** Units of work (e.g. grants committed) that make a burst worth a collection. */
  threshold?: number;
  /** How long no more work must arrive before collecting, ms. */
  quietMs?: number;
  now?: () => number;
  collect?: () => number;
}

/**
 * Collects once after a burst of work has ended: when at least `threshold` units were
 * noted and then none for `quietMs`. A steady trickle never reaches the threshold between
 * collections in a way that matters (the count resets at each collection), and a burst
 * that goes on keeps pushing the collection back, so it never pauses work in progress.
 */
export class BulkWorkCollector {
  private units = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Collections run so far (metrics, tests). */
  collections = 0;
  private readonly threshold: number;
  private readonly quietMs: number;
  private readonly now: () => number;
  private readonly collect: () => number;

  constructor(options: BulkWorkCollectorOptions = {}) {
    this.threshold = options.threshold ?? 2000;
    this.quietMs = options.quietMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.collect = options.collect ?? collectAfterBulkWork;
  }

  note(units: number): void {
    this.units += units;
    this.lastAt = this.now();
    if (this.units >= this.threshold && !this.timer) this.arm(this.quietMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const quiet = this.now() - this.lastAt;
      if (quiet < this.quietMs) return this.arm(this.quietMs - quiet);
      this.units = 0;
      this.collections++;
      this.collect();
    }, ms);
    this.timer.unref();
  }
}
