import type { Client } from 'discord.js';
import type { Leadership } from '../../ops/leadership.ts';
import type { GuildAccess } from '../guild-access.ts';
import type { Services } from '../../services.ts';
import type { Router } from '../router.ts';

/**
 * What running plugins offer handlers, by name: each plugin adds its entry by module
 * augmentation, beside the code that provides it, so this module names no feature:
 *
 * ```ts
 * declare module './plugin.ts' {
 *   interface Provided { shop: ShopRuntime }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Provided {}

/**
 * The one place handlers find what plugins provide (reaching them as `ctx.provided`), one
 * per app, so two bots in one process never see each other's runtimes. A plugin provides
 * in `start`; one that withdraws in `stop` leaves handlers still running to `find` nothing.
 */
export class Provisions {
  readonly #values: Partial<Provided> = {};

  /** Throws when another plugin already provides `key`: two would answer for one name. */
  provide<K extends keyof Provided>(key: K, value: Provided[K]): void {
    if (this.#values[key] !== undefined) throw new Error(`two plugins provide "${key}"`);
    this.#values[key] = value;
  }

  withdraw(key: keyof Provided): void {
    delete this.#values[key];
  }

  /** For work that can do without the plugin (a redemption outside a running shop). */
  find<K extends keyof Provided>(key: K): Provided[K] | undefined {
    return this.#values[key];
  }

  /** Throws when no started plugin provides `key` (its plugin is missing from the app's list). */
  get<K extends keyof Provided>(key: K): Provided[K] {
    const value = this.#values[key];
    if (value === undefined) throw new Error(`no started plugin provides "${key}"`);
    return value;
  }
}

export interface PluginContext {
  client: Client;
  services: Services;
  router: Router;
  provided: Provisions;
  /**
   * True in the process that owns shard 0 (or the only process): it serves the HTTP server
   * (web pages, webhook, read-back API) and, paired with the web, the Linked Roles pusher.
   */
  primary: boolean;
  /**
   * Who does the once-only work — outbox delivery, the folds, referral lapses, backups, and
   * every guild's schedules (season ends, raffle draws, quest windows, campaign ends):
   * register it with `leadership.whileLeader` (src/ops/leadership.ts).
   */
  leadership: Leadership;
  /**
   * Guilds as once-only work reaches them: the gateway's cache for this process's guilds,
   * REST for the others (the leader runs schedules for guilds other shards serve).
   */
  guilds: GuildAccess;
}

/**
 * A feature's hook into the running bot, made by a factory (`shopPlugin()`, one file each
 * in this folder) so every app gets its own state: it attaches its gateway listeners,
 * starts its background work (schedulers, reconciliation, recovery) and provides what
 * handlers use in `start`, and stops them in `stop`. Plugins start in list order and stop
 * in reverse.
 */
export interface Plugin {
  name: string;
  start: (ctx: PluginContext) => void | Promise<void>;
  stop?: (ctx: PluginContext) => void | Promise<void>;
}
