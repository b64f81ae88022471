import { Events, type Client, type ClientEvents, type Guild } from 'discord.js';
import { Tasks } from '../../core/tasks.ts';
import type { Services } from '../../services.ts';
import type { Plugin } from './plugin.ts';
import { isRankable, syncRanked } from '../ranking.ts';
import { TierWorker } from './tier-worker.ts';

/** Members with tier changes to catch up at start-up, per guild (the rest wait for the next start). */
const CATCH_UP_LIMIT = 1000;

/** Ledger entries that cannot change lifetime earned. */
const SPENDING = new Set(['hold', 'hold.post', 'hold.void']);

/**
 * Keeps leaderboards and tier roles true to Discord:
 * - ranked flags: a member who leaves is unranked; one who joins, or whose roles change, is
 *   ranked unless they hold the leaderboard-excluded role; at start-up every guild's flags
 *   are synced from the full member list (`syncRanked`).
 * - tier roles: every ledger entry that can move lifetime earned notes its member (inside
 *   the posting transaction), and the TierWorker grants or removes roles after commit; at
 *   start-up, and when a tier is set, members whose roles lag behind are caught up.
 * - a member who rejoins lost their roles with Discord: their earlier grants are forgotten
 *   and the tiers they have earned are granted again.
 */
export function membersPlugin(): Plugin {
  let runtime: MembersPluginRuntime | undefined;
  return {
    name: 'members',
    start({ client, services, provided }) {
      runtime = new MembersPluginRuntime({ client, services });
      provided.provide('members', runtime);
      runtime.start();
    },
    async stop() {
      await runtime?.stop();
      runtime = undefined;
    },
  };
}

/** What the members plugin offers: tests and the demo wait on it before they look at roles. */
export interface MembersRuntime {
  /** Resolves once the start-up syncs are done and every noted member's tier roles are applied. */
  idle(): Promise<void>;
}

declare module './plugin.ts' {
  interface Provided {
    members: MembersRuntime;
  }
}

interface MembersRuntimeDeps {
  client: Client;
  services: Services;
}

class MembersPluginRuntime implements MembersRuntime {
  readonly worker: TierWorker;
  private readonly client: Client;
  private readonly services: Services;
  private readonly cleanups: (() => void)[] = [];
  private readonly tasks = new Tasks();
  private readonly reconciling = new Map<string, Promise<void>>();
  private stopped = false;

  constructor({ client, services }: MembersRuntimeDeps) {
    this.client = client;
    this.services = services;
    this.worker = new TierWorker({ client, services });
  }

  start(): void {
    const { client, services } = this;
    this.cleanups.push(
      services.ledger.onPosted((transfer, debit, credit, input) => {
        if (SPENDING.has(transfer.kind)) return;
        for (const [account, key] of [
          [debit, input.from],
          [credit, input.to],
        ] as const) {
          if (account.type !== 'member') continue;
          // A member account created by this very entry starts out ranked: check that,
          // unless the poster knew the member's standing (a reaction carries their roles).
          const fresh =
            key.ranked === undefined &&
            account.createdAt === transfer.createdAt &&
            account.lifetimeEarned === 0;
          this.worker.note(transfer.guildId, account.ref, fresh);
        }
      }),
      services.tiers.onChanged((guildId) => {
        this.worker.clearCooldowns(guildId);
        const guild = client.guilds.cache.get(guildId);
        if (guild) this.reconcile(guild);
      }),
    );
    this.listen(Events.GuildMemberAdd, (member) => {
      const { guild } = member;
      const excluded = services.settings.get(guild.id).leaderboardExcludeRoleId;
      services.members.setRanked(guild.id, member.id, isRankable(member, excluded));
      services.tiers.forgetMember(guild.id, member.id);
      this.worker.note(guild.id, member.id);
    });
    this.listen(Events.GuildMemberRemove, (member) => {
      services.members.setRanked(member.guild.id, member.id, false);
    });
    this.listen(Events.GuildMemberUpdate, (_old, member) => {
      const excluded = services.settings.get(member.guild.id).leaderboardExcludeRoleId;
      services.members.setRanked(member.guild.id, member.id, isRankable(member, excluded));
    });
    for (const guild of client.guilds.cache.values()) this.reconcile(guild);
  }

  async idle(): Promise<void> {
    while (this.tasks.size > 0) await this.tasks.settled();
    await this.worker.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.tasks.settled();
    await this.worker.stop();
  }

  /**
   * Syncs a guild's ranked flags from its member list, then notes the members whose tier
   * roles lag behind (bounded). One run per guild at a time; a request during a run
   * queues one more.
   */
  reconcile(guild: Guild): void {
    const previous = this.reconciling.get(guild.id) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (this.stopped) return;
      const log = this.services.logger.child({ guildId: guild.id });
      try {
        const { members, changed, present } = await syncRanked(guild, this.services);
        if (this.stopped) return;
        const lagging = this.services.tiers
          .pendingMembers(guild.id, CATCH_UP_LIMIT)
          .filter((id) => present.has(id));
        for (const userId of lagging) this.worker.note(guild.id, userId);
        log.info({ members, changed, tierCatchUp: lagging.length }, 'ranked flags synced');
      } catch (err) {
        log.warn({ err }, 'could not sync ranked flags and tiers; they catch up at the next start');
      }
    });
    this.reconciling.set(guild.id, run);
    this.tasks.track(run);
    void run.finally(() => {
      if (this.reconciling.get(guild.id) === run) this.reconciling.delete(guild.id);
    });
  }

  /** Attaches a gateway listener that logs instead of throwing, and detaches at stop. */
  private listen<E extends keyof ClientEvents>(event: E, handler: (...args: ClientEvents[E]) => void): void {
    const wrapped = (...args: ClientEvents[E]) => {
      if (this.stopped) return;
      try {
        handler(...args);
      } catch (err) {
        this.services.logger.error({ err, event }, 'member event handler failed');
      }
    };
    this.client.on(event, wrapped);
    this.cleanups.push(() => this.client.off(event, wrapped));
  }
}
