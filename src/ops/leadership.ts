/**
 * Which process does the once-only work: outbox delivery, the analytics and streak folds,
 * referral lapses, the Linked Roles sweep, scheduled backups, and every guild's schedules —
 * season ends, raffle draws, quest windows, campaign ends — whichever shard serves the guild
 * (they reach a guild another shard serves over REST, through `GuildAccess`). A moderator's
 * own end or draw runs where the command arrives; the services' status transitions and keys
 * make whichever comes second a no-op, and a repeat after a handover likewise.
 *
 * - `fixedLeadership(leader)`: one host (SQLite): the process that owns shard 0 leads, for
 *   as long as it runs.
 * - `PgLeadership`: several hosts on one PostgreSQL. Every process tries for one session-level
 *   advisory lock (`LEADER_LOCK`) on a connection of its own, every `pollMs` (default 5 s);
 *   the one holding it leads. The lock lives as long as that connection: a leader that exits,
 *   crashes or is SIGKILLed closes its socket and the server frees the lock at once, so the
 *   next poll of another process takes over (within `pollMs`). A host that vanishes without
 *   closing its socket (power loss, a partition) is noticed by the server's TCP keepalive,
 *   set short on this session (`tcp_keepalives_idle` 5 s, 3 probes 5 s apart: ≤ 20 s), so
 *   another host leads within about 25 s. Meanwhile the leader itself checks its connection at
 *   every poll (a `SELECT 1` that must answer within `heartbeatTimeoutMs`, default 3 s) and
 *   steps down — stopping its once-only work — the moment it cannot, which is well before the
 *   server would free its lock: two processes never lead at once.
 *
 * A feature registers its once-only work with `whileLeader(begin)`: `begin` runs whenever this
 * process becomes the leader and what it returns runs when it stops being one (stepping down,
 * the release the feature calls in its own stop, or `close`).
 */
import pg from 'pg';
import { poolConfig } from '../db/pg/open.ts';
import type { Logger } from '../log.ts';

/** 'SPARKL' in ASCII: the leader's session-level advisory lock (beside MIGRATION_LOCK, 'SPARKS'). */
export const LEADER_LOCK = 0x535041524b4c;
export const DEFAULT_POLL_MS = 5_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3_000;

/** What a feature's once-only work returns to be stopped by. */
export type StopWork = () => void | Promise<void>;

export interface Leadership {
  /** Whether this process leads now. */
  readonly isLeader: boolean;
  /**
   * Runs `begin` now if this process leads and each time it becomes the leader; its stop runs
   * when it stops leading. The returned release stops the work (if running) and forgets it.
   */
  whileLeader(name: string, begin: () => StopWork | void): () => Promise<void>;
  /** Stops every registered work and gives up the lead. */
  close(): Promise<void>;
}

interface Registration {
  name: string;
  begin: () => StopWork | void;
  stop: StopWork | null;
}

/** The registrations and their start/stop, shared by both kinds of leadership. */
abstract class Registry implements Leadership {
  private readonly works = new Set<Registration>();
  protected leading = false;

  constructor(protected readonly logger?: Logger) {}

  get isLeader(): boolean {
    return this.leading;
  }

  whileLeader(name: string, begin: () => StopWork | void): () => Promise<void> {
    const work: Registration = { name, begin, stop: null };
    this.works.add(work);
    if (this.leading) this.begin(work);
    return async () => {
      if (!this.works.delete(work)) return;
      await this.end(work);
    };
  }

  abstract close(): Promise<void>;

  /** Becomes the leader: every registered work begins. */
  protected lead(): void {
    if (this.leading) return;
    this.leading = true;
    for (const work of this.works) this.begin(work);
  }

  /** Stops leading: every running work stops (awaited, each on its own). */
  protected async stepDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await Promise.all([...this.works].map((work) => this.end(work)));
  }

  private begin(work: Registration): void {
    try {
      work.stop = work.begin() ?? null;
    } catch (err) {
      this.logger?.error({ err, work: work.name }, 'once-only work failed to start');
    }
  }

  private async end(work: Registration): Promise<void> {
    const stop = work.stop;
    work.stop = null;
    try {
      await stop?.();
    } catch (err) {
      this.logger?.error({ err, work: work.name }, 'once-only work failed to stop cleanly');
    }
  }
}

class FixedLeadership extends Registry {
  constructor(leader: boolean, logger?: Logger) {
    super(logger);
    this.leading = leader;
  }

  async close(): Promise<void> {
    await this.stepDown();
  }
}

/** One host: this process leads for as long as it runs, or never. */
export function fixedLeadership(leader: boolean, logger?: Logger): Leadership {
  return new FixedLeadership(leader, logger);
}

export interface PgLeadershipOptions {
  url: string;
  logger: Logger;
  /** How often a follower tries for the lock and a leader checks its connection. */
  pollMs?: number;
  heartbeatTimeoutMs?: number;
  /** The advisory lock (tests use their own). */
  lock?: number;
  /** Told of each change, after the works began or stopped. */
  onChange?: (leader: boolean) => void;
}

/** Several hosts on one PostgreSQL: see the module comment. */
export class PgLeadership extends Registry {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closed = false;
  private readonly pollMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly lock: number;

  constructor(private readonly options: PgLeadershipOptions) {
    super(options.logger);
    // Validates the URL now (PgConfigError), before anything starts.
    poolConfig(options.url);
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.lock = options.lock ?? LEADER_LOCK;
    if (!(this.pollMs > 0) || !(this.heartbeatTimeoutMs > 0))
      throw new RangeError('the leadership poll and heartbeat timeout must be positive');
  }

  /** The first try for the lock (awaited: a lone host leads as soon as it is up), then the polls. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await this.stepDown();
    await this.disconnect();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll().finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  private poll(): Promise<void> {
    this.polling ??= this.tryPoll().finally(() => (this.polling = null));
    return this.polling;
  }

  private async tryPoll(): Promise<void> {
    try {
      const client = this.client ?? (await this.connect());
      if (this.leading) {
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [
        this.lock,
      ]);
      if (rows[0]?.got && !this.closed) {
        this.lead();
        this.options.logger.info('this process now leads the once-only work');
        this.options.onChange?.(true);
      }
    } catch (err) {
      await this.lose(err);
    }
  }

  private async connect(): Promise<pg.Client> {
    const { connectionString, application_name, types } = poolConfig(this.options.url);
    const client = new pg.Client({
      connectionString,
      application_name: `${application_name ?? 'sparks'} leader`,
      types,
      keepAlive: true,
      connectionTimeoutMillis: this.heartbeatTimeoutMs,
      query_timeout: this.heartbeatTimeoutMs,
      // The server notices a vanished host within ~20 s and frees its lock.
      options: '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
    });
    // A dropped connection: the lock went with it.
    client.on('error', (err) => void this.lose(err));
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      this.client = null;
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  /**
   * The connection failed: whatever it held is gone (or about to be), so the work stops first
   * and the connection is dropped after, never the other way round.
   */
  private async lose(err: unknown): Promise<void> {
    const was = this.leading;
    if (was) {
      this.options.logger.warn(
        { err },
        'lost the connection that holds the lead; stopping the once-only work',
      );
      await this.stepDown();
    } else this.options.logger.debug({ err }, 'leadership poll failed; will try again');
    await this.disconnect();
    if (was) this.options.onChange?.(false);
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }
}
