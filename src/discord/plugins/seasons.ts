import type { Guild } from 'discord.js';
import { Tasks } from '../../core/tasks.ts';
import type { Leadership } from '../../ops/leadership.ts';
import type { FinishResult, SeasonPorts } from '../../seasons/seasons.ts';
import type { Services } from '../../services.ts';
import type { GuildAccess } from '../guild-access.ts';
import { isRankable } from '../ranking.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { LeaderSchedule, type DueScheduler } from './scheduler.ts';

export interface SeasonsPluginOptions {
  /** Longest the end scheduler waits before looking again (default 30 s: SPEC §9's bound). */
  maxTimerMs?: number;
}

declare module './plugin.ts' {
  interface Provided {
    /** `/sparks-admin season end` finishes a season through it. */
    seasons: SeasonRuntime;
  }
}

/**
 * The Discord side of seasons: where members stand (in the server, excluded) for the end,
 * the role prizes through the safe role path, and the scheduler that ends seasons on time.
 *
 * `finish` runs in every process (a moderator's `/sparks-admin season end` runs where the
 * guild is served). The scheduler is once-only work: it runs in the process that leads
 * (`whileLeader('season ends')`), for every guild's seasons, reaching each guild through
 * GuildAccess (its gateway where this process serves it, REST otherwise). On taking the lead
 * it announces the ended seasons never announced and passes once (a season that ended while
 * no leader ran is paid then), then again at the next end or every 30 s — so a season a
 * command started in another process is seen within 30 s. A leader's pass and a moderator's
 * end racing on one season are safe: every step re-checks the state it moves from.
 */
export class SeasonRuntime {
  private readonly abort = new AbortController();
  private readonly tasks = new Tasks();
  private readonly schedule: LeaderSchedule;

  constructor(
    private readonly services: Services,
    private readonly guilds: GuildAccess,
    maxTimerMs: number,
  ) {
    this.schedule = new LeaderSchedule({
      name: 'season ends',
      clock: services.clock,
      logger: services.logger,
      maxMs: maxTimerMs,
      next: () => this.services.seasons.nextEnd(),
      tick: (scheduler) => this.tick(scheduler),
      failure: 'season task failed',
      onLead: () => this.services.seasons.announceUnannounced(),
    });
  }

  /** Registers the end scheduler with the leadership: it runs while this process leads. */
  start(leadership: Leadership): void {
    this.schedule.start(leadership);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.schedule.stop();
    await this.tasks.settled();
  }

  /**
   * Takes a season's end as far as it goes now (a moderator's end, or the scheduler);
   * `waiting` when its window is still open or the bot is no longer in its guild.
   */
  finish(seasonId: number): Promise<FinishResult> {
    const run = this.runFinish(seasonId);
    this.tasks.track(run);
    return run;
  }

  /** Re-arms the scheduler (a season started, or one's end moved) where it runs here. */
  arm(): void {
    this.schedule.arm();
  }

  private async runFinish(seasonId: number): Promise<FinishResult> {
    const season = this.services.seasons.store.byId(seasonId);
    if (!season) return { state: 'waiting' };
    const guild = await this.guilds.guild(season.guildId);
    if (!guild) return { state: 'waiting' };
    return this.services.seasons.finish(seasonId, this.ports(guild));
  }

  private async tick(scheduler: DueScheduler): Promise<void> {
    for (const season of this.services.seasons.due()) {
      if (scheduler.isStopped) return;
      try {
        await this.finish(season.id);
      } catch (err) {
        this.services.logger.warn({ err, seasonId: season.id }, 'season end not finished; will retry');
      }
    }
  }

  /** Members as GuildAccess reads them (one Discord does not return has left). */
  private ports(guild: Guild): SeasonPorts {
    return {
      standings: {
        standings: async (guildId, userIds) => {
          if (guildId !== guild.id) throw new Error(`standings of guild ${guildId} asked of ${guild.id}`);
          const excluded = this.services.settings.get(guildId).leaderboardExcludeRoleId;
          const members = await this.guilds.members(guild, userIds);
          const out = new Map<string, 'present' | 'left' | 'excluded'>();
          for (const id of userIds) {
            const m = members.get(id);
            out.set(id, !m ? 'left' : isRankable(m, excluded) ? 'present' : 'excluded');
          }
          return out;
        },
      },
      roles: roleGranter(guild, this.abort.signal),
    };
  }
}

/** Seasons: the end scheduler (while this process leads) and the Discord ports of the end. */
export function seasonsPlugin(options: SeasonsPluginOptions = {}): Plugin {
  let runtime: SeasonRuntime | null = null;
  return {
    name: 'seasons',
    start({ services, provided, leadership, guilds }) {
      runtime = new SeasonRuntime(services, guilds, options.maxTimerMs ?? 30_000);
      provided.provide('seasons', runtime);
      runtime.start(leadership);
    },
    async stop({ provided }) {
      provided.withdraw('seasons');
      await runtime?.stop();
      runtime = null;
    },
  };
}
