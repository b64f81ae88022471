/**
 * Group commit for grants: work that many members cause at once (reactions on a campaign
 * message today; quest completions, season payouts, raffle prizes tomorrow) is queued and
 * applied up to `batchSize` operations per write transaction, so a burst pays one fsync
 * per batch instead of one per member.
 *
 * The queue knows nothing of what it grants. A `GrantSource` says how: its operations
 * fall into groups (one campaign, one quest), each group's state is read once per batch,
 * and the source decides each operation against that state with its own pure decision
 * function, on either path:
 *
 * - fast: the source plans a whole group in memory and the plan is written in ONE
 *   savepoint (set-based statements); if that savepoint throws, it is rolled back and the
 *   group goes the slow way, so one bad operation still fails alone;
 * - slow: each operation in its own savepoint, decided and written on its own.
 *
 * Then `finish` writes what the batch changed in each group (counters, an end) in the same
 * transaction, and returns what to do once it committed (announce the end).
 */
import { Listeners } from '../core/listeners.ts';
import { crashPoint } from '../core/crash.ts';
import type { Db } from '../db/open.ts';
import type { Logger } from '../log.ts';

/** Grants applied per write transaction (one fsync for all of them). */
export const DEFAULT_BATCH_SIZE = 500;

/** How an operation counts in the queue's statistics. */
export type Tally = 'granted' | 'revoked' | 'skipped';

export interface GroupPlan<G> {
  /** The group's state once the plan is written. */
  state: G;
  /** One tally per planned operation, in order. */
  tallies: readonly Tally[];
  /** Writes the planned operations; runs inside one savepoint, throws to fall back. */
  write: () => void;
}

export interface OpResult<G> {
  /** The group's state after this operation. */
  state: G;
  tally: Tally;
}

/**
 * A kind of work the queue applies. `G` is a group's state within one batch: treat it as
 * immutable (return a new one), so a plan that fails to write leaves nothing behind.
 */
export interface GrantSource<Op, G> {
  /** Names the source in logs and crash points (`<name>.batch-op`, `<name>.batch-committed`). */
  readonly name: string;
  /** Operations with the same key share one group state per batch. */
  groupOf(op: Op): string | number;
  /** Facts about an operation for the error log. */
  describe(op: Op): Record<string, unknown>;
  /** Reads a group's state inside the batch's transaction; null skips its operations. */
  open(group: string | number): G | null;
  /** False once the group takes no more operations in this batch (it ends with the batch). */
  accepts(state: G): boolean;
  /**
   * Decides several operations of one group together, without writing; null when they
   * cannot go together (then they are applied one by one).
   */
  plan(state: G, ops: readonly Op[]): GroupPlan<G> | null;
  /** Decides and writes one operation, inside its own savepoint. */
  apply(state: G, op: Op): OpResult<G>;
  /**
   * Writes what the batch changed in a group, inside the batch's transaction; may return
   * what to do after the commit (never inside it: that is where Discord may be called).
   */
  finish(state: G): (() => void) | void;
}

export interface GrantQueueStats {
  flushes: number;
  granted: number;
  revoked: number;
  skipped: number;
  failed: number;
}

/** One batch as it settled: committed with its counts, or failed whole (nothing written). */
export interface BatchReport {
  size: number;
  committed: boolean;
  granted: number;
  revoked: number;
  skipped: number;
  /** Operations that failed: some of a committed batch, or all of a failed one. */
  failed: number;
}

/**
 * What the queue needs of the database (`AppDb`, either engine): its write transaction, and
 * on PostgreSQL the hook that runs after COMMIT.
 */
export type QueueDb = Pick<Db, 'write'> & { afterCommit?: (effect: () => void) => void };

interface Queued {
  source: GrantSource<unknown, unknown>;
  op: unknown;
}

interface Group {
  source: GrantSource<unknown, unknown>;
  key: string | number;
  ops: unknown[];
  state: unknown;
}

/**
 * The group-commit queue. Operations are applied in the order they were queued within a
 * group; a group's operations that the fast path took are written before the others.
 * Never throws to its caller: a failed operation or batch is counted and logged (what it
 * should have granted is found again by the sources' reconciliation).
 */
export class GrantQueue {
  /** Counters for metrics and tests. */
  readonly stats: GrantQueueStats = { flushes: 0, granted: 0, revoked: 0, skipped: 0, failed: 0 };
  private readonly db: QueueDb;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly committedListeners: Listeners<number>;
  private readonly settledListeners: Listeners<BatchReport>;
  private closed = false;

  constructor(deps: { db: QueueDb; logger: Logger; batchSize?: number }) {
    this.db = deps.db;
    this.logger = deps.logger;
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
    this.committedListeners = new Listeners((err) =>
      this.logger.error({ err }, 'grant commit listener failed'),
    );
    this.settledListeners = new Listeners((err) => this.logger.error({ err }, 'grant batch listener failed'));
  }

  /** Queues an operation; applied on the next turn of the event loop with the others. */
  enqueue<Op, G>(source: GrantSource<Op, G>, op: Op): void {
    if (this.closed) return;
    this.queue.push({ source, op });
    this.scheduled ??= setImmediate(() => this.flushLater());
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far has been committed. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Applies everything queued now, synchronously (shutdown, and before an end). */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    while (this.queue.length > 0) this.flushBatch();
    this.notifyIdle();
  }

  /** Applies what is queued and refuses new work (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Called after each committed batch, with how many operations it held. */
  onCommitted(listener: (operations: number) => void): () => void {
    return this.committedListeners.add(listener);
  }

  /**
   * Called once per batch after it settled: after its commit and its after-commit steps,
   * or after it failed whole. (The grant writer's thread reports its batches with it.)
   */
  onSettled(listener: (report: BatchReport) => void): () => void {
    return this.settledListeners.add(listener);
  }

  /**
   * Counts a batch that another connection applied and committed (the grant writer's
   * thread) as if this queue had: into `stats`, and to the `onCommitted` listeners.
   */
  recordElsewhere(report: BatchReport): void {
    this.count(report);
    if (report.committed) this.committed(report.size);
  }

  /** A settled batch into `stats`: a failed one only as failures. */
  private count(report: BatchReport): void {
    this.stats.failed += report.failed;
    if (!report.committed) return;
    this.stats.flushes++;
    this.stats.granted += report.granted;
    this.stats.revoked += report.revoked;
    this.stats.skipped += report.skipped;
  }

  private committed(operations: number): void {
    this.committedListeners.emit(operations);
  }

  private settled(report: BatchReport): void {
    this.settledListeners.emit(report);
  }

  /** Runs on the next turn of the event loop, so a burst that arrived together commits together. */
  private flushLater(): void {
    this.scheduled = null;
    this.flushBatch();
    if (this.queue.length > 0) this.scheduled = setImmediate(() => this.flushLater());
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** One write transaction for up to `batchSize` queued operations. */
  private flushBatch(): void {
    const batch = this.queue.splice(0, this.batchSize);
    if (batch.length === 0) return;
    const sources = [...new Set(batch.map((q) => q.source.name))];
    const label = sources.join('+');
    let counts = { granted: 0, revoked: 0, skipped: 0, failed: 0 };
    let after: (() => void)[] = [];
    let committed = false;
    try {
      this.db.write(() => {
        // PostgreSQL may run the transaction again (a serialization failure): count afresh.
        counts = { granted: 0, revoked: 0, skipped: 0, failed: 0 };
        after = [];
        const groups = groupBatch(batch);
        const rest: [Group, unknown][] = [];
        for (const g of groups) {
          g.state = g.source.open(g.key);
          if (!this.applyTogether(g, counts)) for (const op of g.ops) rest.push([g, op]);
        }
        for (const [g, op] of rest) this.applyOne(g, op, counts);
        for (const g of groups) {
          if (g.state === null) continue;
          const then = g.source.finish(g.state);
          if (then) after.push(then);
        }
        // PostgreSQL runs what was held for the COMMIT after it (the ledger's post hooks), and
        // a throw there reaches us with the batch committed: this effect, queued last, says so.
        this.db.afterCommit?.(() => (committed = true));
      });
      committed = true;
    } catch (err) {
      if (committed) {
        this.logger.error(
          { err, size: batch.length },
          `${label} grant batch committed; an after-commit step failed`,
        );
        return this.settle(batch.length, sources, label, counts, after);
      }
      // The whole transaction failed (database locked for too long, disk full): nothing of
      // the batch was written. The sources' reconciliation finds what it should have granted.
      const report: BatchReport = {
        size: batch.length,
        committed: false,
        granted: 0,
        revoked: 0,
        skipped: 0,
        failed: batch.length,
      };
      this.count(report);
      this.logger.error({ err, size: batch.length }, `${label} grant batch failed`);
      this.settled(report);
      return;
    }
    this.settle(batch.length, sources, label, counts, after);
  }

  /** A committed batch: its counts, the commit listeners, its after-commit steps, the report. */
  private settle(
    size: number,
    sources: readonly string[],
    label: string,
    counts: Omit<BatchReport, 'size' | 'committed'>,
    after: readonly (() => void)[],
  ): void {
    for (const name of sources) crashPoint(`${name}.batch-committed`);
    const report: BatchReport = { size, committed: true, ...counts };
    this.count(report);
    this.logger.debug({ size, ...counts }, `${label} grants committed`);
    this.committed(size);
    for (const then of after) {
      try {
        then();
      } catch (err) {
        this.logger.error({ err }, 'grant after-commit step failed');
      }
    }
    this.settled(report);
  }

  /**
   * The fast path: a group of several operations, planned by its source and written in one
   * savepoint. False (nothing written, state untouched) when the group must go one by one.
   */
  private applyTogether(g: Group, counts: Record<Tally, number>): boolean {
    if (g.state === null || g.ops.length < 2 || !g.source.accepts(g.state)) return false;
    const plan = g.source.plan(g.state, g.ops);
    if (!plan) return false;
    try {
      this.db.write(plan.write);
    } catch (err) {
      this.logger.debug(
        { err, source: g.source.name, group: g.key, size: g.ops.length },
        `${g.source.name} grants applied one by one`,
      );
      return false;
    }
    g.state = plan.state;
    for (const tally of plan.tallies) counts[tally]++;
    return true;
  }

  /** The slow path: one operation in its own savepoint; a failure rolls back only that. */
  private applyOne(g: Group, op: unknown, counts: Record<Tally | 'failed', number>): void {
    if (g.state === null || !g.source.accepts(g.state)) {
      counts.skipped++;
      return;
    }
    const state = g.state;
    try {
      // Inside the batch's transaction, a nested write is a savepoint.
      const result = this.db.write(() => g.source.apply(state, op));
      crashPoint(`${g.source.name}.batch-op`);
      g.state = result.state;
      counts[result.tally]++;
    } catch (err) {
      counts.failed++;
      this.logger.error(
        { err, ...g.source.describe(op) },
        `${g.source.name} operation failed; the others in its batch are kept`,
      );
    }
  }
}

/** The batch's operations by (source, group), groups in order of their first operation. */
function groupBatch(batch: readonly Queued[]): Group[] {
  const bySource = new Map<GrantSource<unknown, unknown>, Map<string | number, Group>>();
  const groups: Group[] = [];
  for (const { source, op } of batch) {
    let ofSource = bySource.get(source);
    if (!ofSource) bySource.set(source, (ofSource = new Map<string | number, Group>()));
    const key = source.groupOf(op);
    let g = ofSource.get(key);
    if (!g) {
      g = { source, key, ops: [], state: null };
      ofSource.set(key, g);
      groups.push(g);
    }
    g.ops.push(op);
  }
  return groups;
}
