import type { Client } from 'discord.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Router } from '../discord/router.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { BulkWorkCollector } from '../core/memory.ts';

/**
 * Prometheus metrics for one bot process: interactions by command and outcome, handler
 * latency, ledger entries by kind (grants, refunds, …), Discord REST rate limits and
 * errors, plus Node's defaults (event-loop lag, memory, GC).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly interactions = new Counter({
    name: 'sparks_interactions_total',
    help: 'Interactions handled, by kind, command and outcome (ok, user_error, error).',
    labelNames: ['kind', 'command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'sparks_interaction_duration_seconds',
    help: 'Time from receiving an interaction to finishing its handler.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly ledgerEntries = new Counter({
    name: 'sparks_ledger_entries_total',
    help: 'Ledger entries written by this process, by kind (campaign.grant, hold.post = fulfilled, hold.void = refunded, …).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly ledgerSparks = new Counter({
    name: 'sparks_ledger_sparks_total',
    help: 'Sparks moved by ledger entries written by this process, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly restRateLimits = new Counter({
    name: 'sparks_discord_rest_rate_limited_total',
    help: 'Discord REST 429 responses (discord.js waits them out), by route.',
    labelNames: ['route', 'global'] as const,
    registers: [this.registry],
  });
  readonly restErrors = new Counter({
    name: 'sparks_discord_rest_errors_total',
    help: 'Discord REST responses with status >= 400 other than 429, by status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private client: Client | undefined;
  readonly gatewayPing = new Gauge({
    name: 'sparks_gateway_ping_seconds',
    help: 'Gateway heartbeat round trip.',
    registers: [this.registry],
    collect: () => {
      const ping = this.client?.ws.ping ?? -1;
      if (ping >= 0) this.gatewayPing.set(ping / 1000);
    },
  });

  private memory: BulkWorkCollector | undefined;
  private memoryCounted = 0;
  readonly memoryCollections = new Counter({
    name: 'sparks_memory_collections_total',
    help: 'Full garbage collections run after bulk work (a campaign burst, a member sync) went quiet.',
    registers: [this.registry],
    collect: () => {
      const now = this.memory?.collections ?? 0;
      if (now > this.memoryCounted) this.memoryCollections.inc(now - this.memoryCounted);
      this.memoryCounted = now;
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sparks_process_' });
  }

  observeRouter(router: Router): void {
    router.observe((e) => {
      this.interactions.inc({ kind: e.kind, command: e.name || 'unknown', outcome: e.outcome });
      this.latency.observe({ kind: e.kind }, e.ms / 1000);
    });
  }

  observeLedger(ledger: Ledger): void {
    ledger.onPosted((t) => {
      this.ledgerEntries.inc({ kind: t.kind });
      this.ledgerSparks.inc({ kind: t.kind }, t.amount);
    });
  }

  observeMemory(collector: BulkWorkCollector): void {
    this.memory = collector;
  }

  observeClient(client: Client): void {
    client.rest.on('rateLimited', (info) =>
      this.restRateLimits.inc({ route: info.route, global: String(info.global) }),
    );
    client.rest.on('response', (_request, response) => {
      if (response.status >= 400 && response.status !== 429)
        this.restErrors.inc({ status: String(response.status) });
    });
    this.client = client;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
