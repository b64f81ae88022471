import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Status, type Client } from 'discord.js';
import type { Db } from '../db/open.ts';

export interface HealthReport {
  ok: boolean;
  database: { writable: boolean; error?: string };
  gateway: { connected: boolean; status: string; pingMs: number | null };
  eventLoop: { lagP99Ms: number };
  uptimeSeconds: number;
}

/** Keeps an event-loop delay histogram running for the health report. */
export class HealthMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private readonly started = Date.now();

  constructor(
    private readonly db: Db,
    private readonly client: Client | undefined,
  ) {
    this.delay.enable();
  }

  /**
   * Healthy when the database takes a write lock (BEGIN IMMEDIATE, rolled back: nothing is
   * written) and, in a process with a Discord client, the gateway is connected.
   */
  report(): HealthReport {
    let writable = true;
    let error: string | undefined;
    try {
      this.db.sqlite.exec('BEGIN IMMEDIATE; ROLLBACK;');
    } catch (e) {
      writable = false;
      error = (e as Error).message;
    }
    // The manager-level status is not updated on a close; each shard's is.
    const shards = this.client ? [...this.client.ws.shards.values()] : [];
    const notReady = shards.find((shard) => shard.status !== Status.Ready);
    const destroyed = (this.client?.ws as { destroyed?: boolean } | undefined)?.destroyed === true;
    const status = !this.client
      ? Status.Ready
      : destroyed || shards.length === 0
        ? Status.Disconnected
        : (notReady?.status ?? Status.Ready);
    const connected = status === Status.Ready;
    const lag = this.delay.percentile(99) / 1e6;
    this.delay.reset();
    return {
      ok: writable && connected,
      database: error ? { writable, error } : { writable },
      gateway: {
        connected,
        status: Status[status] ?? String(status),
        pingMs: this.client && this.client.ws.ping >= 0 ? this.client.ws.ping : null,
      },
      eventLoop: { lagP99Ms: Math.round(lag * 100) / 100 },
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
    };
  }

  stop(): void {
    this.delay.disable();
  }
}
