import type { Guild } from 'discord.js';
import { Tasks } from '../../core/tasks.ts';
import type { Leadership } from '../../ops/leadership.ts';
import type { DrawResult, RaffleEligibility, RaffleRow } from '../../raffles/raffles.ts';
import type { Services } from '../../services.ts';
import type { GuildAccess } from '../guild-access.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { LeaderSchedule, type DueScheduler } from './scheduler.ts';

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
 * role prizes through the shop's fulfilment, and the scheduler that draws a raffle at its
 * end — or again after a crash interrupted its draw.
 *
 * `draw` runs in every process (a moderator's `/sparks-admin raffle draw` runs where the
 * guild is served). The scheduler is once-only work: it runs in the process that leads
 * (`whileLeader('raffle draws')`), for every guild's raffles, reaching each guild through
 * GuildAccess (its gateway where this process serves it, REST otherwise); a guild the bot
 * has left is passed over. It passes once on taking the lead, then at the next end or every
 * 30 s, so a raffle a command started in another process is seen within 30 s.
 */
export class RaffleRuntime {
  private readonly abort = new AbortController();
  private readonly tasks = new Tasks();
  private readonly schedule: LeaderSchedule;

  constructor(
    private readonly services: Services,
    private readonly guilds: GuildAccess,
    maxTimerMs: number,
  ) {
    this.schedule = new LeaderSchedule({
      name: 'raffle draws',
      clock: services.clock,
      logger: services.logger,
      maxMs: maxTimerMs,
      next: () => this.services.raffles.nextEnd(),
      tick: (scheduler) => this.tick(scheduler),
      failure: 'raffle task failed',
    });
  }

  /** Registers the draw scheduler with the leadership: it runs while this process leads. */
  start(leadership: Leadership): void {
    this.schedule.start(leadership);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.schedule.stop();
    await this.tasks.settled();
  }

  /** Re-arms the scheduler (a raffle started) where it runs here. */
  arm(): void {
    this.schedule.arm();
  }

  /**
   * Draws a raffle (errors as RaffleService.draw), then hands the role prizes out. Throws
   * when the bot is no longer in the guild (nothing is drawn then).
   */
  draw(guildId: string, ref: string, actorId: string): Promise<DrawResult> {
    const task = (async () => {
      const guild = await this.guilds.guild(guildId);
      if (!guild) throw new Error(`the bot is no longer in guild ${guildId}`);
      return this.drawIn(guild, ref, actorId);
    })();
    this.tasks.track(task);
    return task;
  }

  private async drawIn(guild: Guild, ref: string, actorId: string): Promise<DrawResult> {
    const result = await this.services.raffles.draw(guild.id, ref, actorId, this.eligibility(guild));
    const roles = roleGranter(guild, this.abort.signal);
    for (const prize of result.prizes) {
      if (prize.status !== 'reserved') continue;
      await this.services.redemptions.fulfil(prize, roles, { notified: false });
    }
    return result;
  }

  private async tick(scheduler: DueScheduler): Promise<void> {
    for (const raffle of this.services.raffles.due()) {
      if (scheduler.isStopped) return;
      try {
        await this.drawDue(raffle);
      } catch (err) {
        this.services.logger.warn({ err, raffleId: raffle.id }, 'raffle not drawn; will retry');
      }
    }
  }

  private async drawDue(raffle: RaffleRow): Promise<void> {
    const guild = await this.guilds.guild(raffle.guildId);
    if (!guild) {
      this.services.logger.debug(
        { raffleId: raffle.id, guildId: raffle.guildId },
        'raffle due in a guild the bot is no longer in; passed over',
      );
      return;
    }
    const task = this.drawIn(guild, String(raffle.id), 'system');
    this.tasks.track(task);
    await task;
  }

  /** A drawn member as GuildAccess reads them, fresh from Discord. */
  private eligibility(guild: Guild): RaffleEligibility {
    return {
      check: async (guildId, userId, requiredRoleId) => {
        if (guildId !== guild.id) throw new Error(`eligibility in guild ${guildId} asked of ${guild.id}`);
        const member = await this.guilds.member(guild, userId);
        if (!member) return 'left';
        return requiredRoleId && !member.roles.cache.has(requiredRoleId) ? 'lost_role' : 'ok';
      },
    };
  }
}

/** Raffles: the draw scheduler (while this process leads) and the Discord ports of the draw. */
export function rafflesPlugin(options: RafflesPluginOptions = {}): Plugin {
  let runtime: RaffleRuntime | null = null;
  return {
    name: 'raffles',
    start({ services, provided, leadership, guilds }) {
      runtime = new RaffleRuntime(services, guilds, options.maxTimerMs ?? 30_000);
      provided.provide('raffles', runtime);
      runtime.start(leadership);
    },
    async stop({ provided }) {
      provided.withdraw('raffles');
      await runtime?.stop();
      runtime = null;
    },
  };
}
