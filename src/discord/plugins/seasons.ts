import type { Client, Guild } from 'discord.js';
import type { FinishResult, MemberStandings, SeasonPorts } from '../../seasons/seasons.ts';
import type { Services } from '../../services.ts';
import { isRankable } from '../ranking.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { DueScheduler } from './scheduler.ts';

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
 * The scheduler runs in every process, for the guilds its shards serve (each guild is served
 * once), at start-up (a season that ended while the bot was down is paid within one pass)
 * and then at the next end or every 30 s.
 */
export class SeasonRuntime {
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
      next: () => this.services.seasons.nextEnd(this.guildIds()),
      tick: () => this.tick(),
      failure: 'season task failed',
    });
  }

  start(): void {
    this.services.seasons.announceUnannounced(this.guildIds());
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.scheduler.stop();
  }

  /** Takes a season's end as far as it goes now (a moderator's end, or the scheduler). */
  finish(seasonId: number): Promise<FinishResult> {
    const season = this.services.seasons.store.byId(seasonId);
    if (!season) return Promise.resolve({ state: 'waiting' });
    const guild = this.client.guilds.cache.get(season.guildId);
    if (!guild) return Promise.resolve({ state: 'waiting' });
    const run = this.services.seasons.finish(seasonId, this.ports(guild));
    this.scheduler.track(run);
    return run;
  }

  /** Re-arms the scheduler (a season started, or one's end moved). */
  arm(): void {
    this.scheduler.arm();
  }

  private async tick(): Promise<void> {
    for (const season of this.services.seasons.due(this.guildIds())) {
      if (this.scheduler.isStopped) return;
      try {
        await this.finish(season.id);
      } catch (err) {
        this.services.logger.warn({ err, seasonId: season.id }, 'season end not finished; will retry');
      }
    }
  }

  private ports(guild: Guild): SeasonPorts {
    return { standings: this.standings, roles: roleGranter(guild, this.abort.signal) };
  }

  /** Members are fetched 100 at a time over the gateway; one Discord does not return has left. */
  private readonly standings: MemberStandings = {
    standings: async (guildId, userIds) => {
      const guild = this.client.guilds.cache.get(guildId);
      if (!guild) throw new Error(`guild ${guildId} is not on this shard`);
      const excluded = this.services.settings.get(guildId).leaderboardExcludeRoleId;
      const out = new Map<string, 'present' | 'left' | 'excluded'>();
      for (let i = 0; i < userIds.length; i += 100) {
        const ids = userIds.slice(i, i + 100);
        const members = await guild.members.fetch({ user: ids, time: 30_000 });
        for (const id of ids) {
          const m = members.get(id);
          out.set(id, !m ? 'left' : isRankable(m, excluded) ? 'present' : 'excluded');
        }
      }
      return out;
    },
  };

  private guildIds(): Set<string> {
    return new Set(this.client.guilds.cache.keys());
  }
}

/** Seasons: the end scheduler and the Discord ports of the end. */
export function seasonsPlugin(options: SeasonsPluginOptions = {}): Plugin {
  let runtime: SeasonRuntime | null = null;
  return {
    name: 'seasons',
    start({ client, services, provided }) {
      runtime = new SeasonRuntime(client, services, options.maxTimerMs ?? 30_000);
      provided.provide('seasons', runtime);
      runtime.start();
    },
    async stop({ provided }) {
      provided.withdraw('seasons');
      await runtime?.stop();
      runtime = null;
    },
  };
}
