import type { Client } from 'discord.js';
import type { Services } from '../../services.ts';
import type { Router } from '../router.ts';

export interface PluginContext {
  client: Client;
  services: Services;
  router: Router;
  /**
   * True in exactly one process: the one that owns shard 0 (or the only process). Work
   * that must happen once — schedulers, reconciliation, delivery, the HTTP server — runs
   * only where this is true.
   */
  primary: boolean;
}

/**
 * A feature's hook into the running bot: it attaches its gateway listeners and starts its
 * background work (schedulers, reconciliation, recovery) in `start`, and stops them in
 * `stop`. Plugins start in list order and stop in reverse.
 */
export interface Plugin {
  name: string;
  start: (ctx: PluginContext) => void | Promise<void>;
  stop?: (ctx: PluginContext) => void | Promise<void>;
}
