import { DiscordAPIError, RESTJSONErrorCodes, type Client } from 'discord.js';
import type { DrawResult, RaffleEligibility } from '../../raffles/raffles.ts';
import type { Services } from '../../services.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { DueScheduler } from './scheduler.ts';

export interface RafflesPluginOptions {
  /** Longest the draw scheduler waits before looking again (default 30 s). */
  maxTimerMs?: number;
}

declare module './plugin.ts' {
  interface Provided {
    /** `/sparks-admin raffle draw` draws through it. */
    raffles: RaffleRuntime;
  }
}

/**
 * The Discord side of raffles: whether a drawn member is still here with the required role,
 * role prizes through the shop's fulfilment, and (in every process, for the guilds its shards
 * serve) the scheduler that draws a raffle at its end — or again after a crash interrupted
 * its draw.
 */
export class RaffleRuntime {
  private readonly abort = new AbortController();
  private readonly scheduler: DueScheduler;

  constructor(
    private readonly client: Client,
    private readonly services: Services,
    maxTimerMs: number,
  ) {
    this.scheduler = new DueScheduler({
      clock: services.clock,
      logger: services.logger,
      maxMs: maxTimerMs,
      next: () => this.services.raffles.nextEnd(this.guildIds()),
      tick: () => this.tick(),
      failure: 'raffle task failed',
    });
  }

  start(): void {
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.scheduler.stop();
  }

  /** Re-arms the scheduler (a raffle started). */
  arm(): void {
    this.scheduler.arm();
  }

  /** Draws a raffle (errors as RaffleService.draw), then hands the role prizes out. */
  async draw(guildId: string, ref: string, actorId: string): Promise<DrawResult> {
    const task = this.services.raffles.draw(guildId, ref, actorId, this.eligibility);
    this.scheduler.track(task);
    const result = await task;
    const guild = this.client.guilds.cache.get(guildId);
    if (guild) {
      const roles = roleGranter(guild, this.abort.signal);
      for (const prize of result.prizes) {
        if (prize.status !== 'reserved') continue;
        const fulfil = this.services.redemptions.fulfil(prize, roles, { notified: false });
        this.scheduler.track(fulfil);
        await fulfil;
      }
    }
    return result;
  }

  private async tick(): Promise<void> {
    for (const raffle of this.services.raffles.due(this.guildIds())) {
      if (this.scheduler.isStopped) return;
      try {
        await this.draw(raffle.guildId, String(raffle.id), 'system');
      } catch (err) {
        this.services.logger.warn({ err, raffleId: raffle.id }, 'raffle not drawn; will retry');
      }
    }
  }

  private readonly eligibility: RaffleEligibility = {
    check: async (guildId, userId, requiredRoleId) => {
      const guild = this.client.guilds.cache.get(guildId);
      if (!guild) throw new Error(`guild ${guildId} is not on this shard`);
      try {
        const member = await guild.members.fetch({ user: userId, force: true });
        return requiredRoleId && !member.roles.cache.has(requiredRoleId) ? 'lost_role' : 'ok';
      } catch (e) {
        if (e instanceof DiscordAPIError && e.code === RESTJSONErrorCodes.UnknownMember) return 'left';
        throw e;
      }
    },
  };

  private guildIds(): Set<string> {
    return new Set(this.client.guilds.cache.keys());
  }
}

/** Raffles: the draw scheduler and the Discord ports of the draw. */
export function rafflesPlugin(options: RafflesPluginOptions = {}): Plugin {
  let runtime: RaffleRuntime | null = null;
  return {
    name: 'raffles',
    start({ client, services, provided }) {
      runtime = new RaffleRuntime(client, services, options.maxTimerMs ?? 30_000);
      provided.provide('raffles', runtime);
      runtime.start();
    },
    async stop({ provided }) {
      provided.withdraw('raffles');
      await runtime?.stop();
      runtime = null;
    },
  };
}
