import {
  GatewayDispatchEvents,
  MessageType,
  Routes,
  type APIUser,
  type Client,
  type Guild,
  type GatewayGuildMemberUpdateDispatchData,
  type GatewayMessageCreateDispatchData,
  type GatewayMessageReactionAddDispatchData,
} from 'discord.js';
import { parseEmoji, reactionKey } from '../../campaigns/parse.ts';
import type { MemberFacts, QuestAnnouncement, QuestRow, QuestTarget } from '../../quests/quests.ts';
import type { Services } from '../../services.ts';
import { localeOf, translator } from '../i18n/index.ts';
import { decisionText, noticeText } from '../quest-text.ts';
import { isRankable, isRankableRaw } from '../ranking.ts';
import { NO_MENTIONS } from '../reply.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { DueScheduler } from './scheduler.ts';

export interface QuestsPluginOptions {
  /** Longest the schedule timer waits before looking again (default 30 s). */
  maxTimerMs?: number;
  /** How often the announcer sweeps for completions to announce and roles to grant (default 30 s). */
  sweepMs?: number;
}

declare module './plugin.ts' {
  interface Provided {
    /** Commands end quests, reconcile and tell members of reviews through it. */
    quests: QuestRuntime;
  }
}

/** Messages a member sends that count (not joins, boosts, pins and the like). */
const COUNTED = new Set<number>([MessageType.Default, MessageType.Reply]);

/**
 * The Discord side of quests:
 * - the listeners (raw gateway payloads, which carry the member's roles and join date):
 *   reactions and messages matched in memory against published quests' steps, the gates
 *   checked on the payload, the event queued for the grant queue; a member's role change
 *   looked at for role steps (only in guilds with such a step);
 * - a look at members a webhook left waiting (their gates need Discord);
 * - for the guilds on this process's shards: the schedule (a scheduled quest opens at its
 *   start, a quest ends at its end, after a restart too), reconciliation of reaction steps
 *   at start-up and before an end, and the announcer: the reward role through the safe
 *   role path, then the member told by DM (or in their next quest reply). A guild lives on
 *   one shard, so each of these runs in exactly one process, as campaigns' ends do; every
 *   step's write re-checks the status it moves from, so a repeat changes nothing.
 */
export class QuestRuntime {
  private readonly abort = new AbortController();
  private readonly scheduler: DueScheduler;
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly cleanups: (() => void)[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private sweepAgain = false;
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly services: Services,
    private readonly options: Required<QuestsPluginOptions>,
  ) {
    this.scheduler = new DueScheduler({
      clock: services.clock,
      logger: services.logger,
      maxMs: options.maxTimerMs,
      next: () => this.services.quests.nextDue(this.guildIds()),
      tick: () => this.tick(),
      failure: 'quest schedule task failed',
    });
  }

  start(): void {
    const { ws } = this.client;
    ws.on(GatewayDispatchEvents.MessageReactionAdd, this.onReaction);
    ws.on(GatewayDispatchEvents.MessageCreate, this.onMessage);
    ws.on(GatewayDispatchEvents.GuildMemberUpdate, this.onMemberUpdate);
    this.cleanups.push(
      () => ws.off(GatewayDispatchEvents.MessageReactionAdd, this.onReaction),
      () => ws.off(GatewayDispatchEvents.MessageCreate, this.onMessage),
      () => ws.off(GatewayDispatchEvents.GuildMemberUpdate, this.onMemberUpdate),
      this.services.quests.onNeedsFacts((guildId, userIds) => this.track(this.lookAt(guildId, userIds))),
    );
    this.cleanups.push(
      this.services.quests.onCompleted(() => this.sweepSoon()),
      this.services.quests.onChange((change) => {
        if (change.type !== 'steps') this.scheduler.arm();
      }),
    );
    this.track(this.startup());
    const every = setInterval(() => this.sweepSoon(), this.options.sweepMs);
    every.unref();
    this.cleanups.push(() => clearInterval(every));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await this.scheduler.stop();
    await Promise.allSettled([...this.tasks]);
    this.services.quests.flush();
  }

  /** Re-arms the schedule (a quest was published or scheduled). */
  arm(): void {
    this.scheduler.arm();
  }

  /** Ends a quest: its reaction steps reconciled first (what was missed still counts), then ended. */
  async end(questId: number, reason: 'time' | 'moderator', actorId?: string): Promise<boolean> {
    const quest = this.services.quests.byId(questId);
    if (quest?.status === 'published') {
      await this.reconcile(quest).catch((err: unknown) =>
        this.services.logger.warn({ err, questId }, 'could not reconcile a quest before it ended'),
      );
    }
    return this.services.quests.end(questId, reason, actorId);
  }

  /** Tells a member a moderator's decision on their submission (DM; else their next quest reply). */
  async tellDecision(submissionId: number): Promise<boolean> {
    const { quests, logger } = this.services;
    const sub = quests.submission(submissionId);
    if (!sub || sub.notifiedAt !== null || sub.status === 'pending') return false;
    const quest = quests.byId(sub.questId);
    const guild = this.client.guilds.cache.get(sub.guildId);
    const t = translator(localeOf(guild?.preferredLocale));
    try {
      await this.client.users.send(sub.userId, {
        content: decisionText(t, sub, quest?.name ?? '', guild?.name ?? sub.guildId),
        allowedMentions: NO_MENTIONS,
      });
    } catch (err) {
      logger.debug({ err, submissionId }, 'could not DM a member about their quest submission');
      return false;
    }
    quests.markSubmissionNotified(sub.id);
    return true;
  }

  /**
   * Pages through a quest's reaction steps (100 reactors a request) and queues every reactor
   * (not a bot, passing the gates: members are fetched 100 at a time when a gate needs it)
   * as reconciled. Resolves once the queue committed them.
   */
  async reconcile(quest: QuestRow): Promise<number> {
    const { quests, settings, clock } = this.services;
    const guild = this.client.guilds.cache.get(quest.guildId);
    if (!guild) return 0;
    const target = quests.published().find((p) => p.quest.id === quest.id);
    if (!target) return 0;
    let queued = 0;
    for (const step of target.steps) {
      if (step.kind !== 'reaction' || !step.messageId || !step.channelId || !step.emojiDisplay) continue;
      const hit = quests.matchReaction(step.messageId, step.emojiKey ?? '').find((x) => x.stepId === step.id);
      if (!hit) continue;
      const route = Routes.channelMessageReaction(
        step.channelId,
        step.messageId,
        encodeURIComponent(parseEmoji(step.emojiDisplay).api),
      );
      const gated = hit.gates.requiredRoleId !== null || hit.gates.minMemberDays !== null;
      let after: string | undefined;
      for (;;) {
        const query = new URLSearchParams({ limit: '100', ...(after ? { after } : {}) });
        const page = (await this.client.rest.get(route, { query })) as APIUser[];
        const now = clock();
        const ids = page.filter((u) => !u.bot && u.id !== this.client.user?.id).map((u) => u.id);
        if (gated && ids.length > 0) {
          const members = await guild.members.fetch({ user: ids, time: 30_000 });
          const excluded = settings.get(guild.id).leaderboardExcludeRoleId;
          for (const [id, m] of members) {
            const facts: MemberFacts = {
              userId: id,
              roleIds: [...m.roles.cache.keys()],
              joinedAt: m.joinedTimestamp,
              ranked: isRankable(m, excluded),
            };
            if (quests.refusal(guild.id, hit.gates, facts, now)) continue;
            quests.enqueue(hit, id, now, { kind: 'reaction' }, facts, { reconcile: true });
            queued++;
          }
        } else {
          for (const id of ids) quests.enqueue(hit, id, now, { kind: 'reaction' }, null, { reconcile: true });
          queued += ids.length;
        }
        if (page.length < 100) break;
        after = page[page.length - 1]!.id;
      }
    }
    await quests.idle();
    this.services.logger.info({ questId: quest.id, queued }, 'quest reactions reconciled');
    return queued;
  }

  // ---- listeners ------------------------------------------------------------------------

  private readonly onReaction = (d: GatewayMessageReactionAddDispatchData): void => {
    if (!d.guild_id || this.stopped) return;
    const targets = this.services.quests.matchReaction(d.message_id, reactionKey(d.emoji));
    if (targets.length === 0 || d.user_id === this.client.user?.id || d.member?.user?.bot) return;
    const facts = d.member ? this.factsOf(d.guild_id, d.user_id, d.member) : null;
    this.enqueueAll(targets, d.user_id, 'reaction', facts);
  };

  private readonly onMessage = (d: GatewayMessageCreateDispatchData): void => {
    if (!d.guild_id || this.stopped || d.author.bot || d.webhook_id || !COUNTED.has(d.type)) return;
    const targets = this.services.quests.matchMessage(d.channel_id);
    if (targets.length === 0) return;
    const facts = d.member ? this.factsOf(d.guild_id, d.author.id, d.member) : null;
    this.enqueueAll(targets, d.author.id, 'message', facts);
  };

  private readonly onMemberUpdate = (d: GatewayGuildMemberUpdateDispatchData): void => {
    if (this.stopped || d.user.bot || this.services.quests.withRoleSteps(d.guild_id).length === 0) return;
    try {
      this.services.quests.evaluate(d.guild_id, d.user.id, this.factsOf(d.guild_id, d.user.id, d));
    } catch (err) {
      this.services.logger.error(
        { err, userId: d.user.id },
        'could not look at a member for quest role steps',
      );
    }
  };

  private factsOf(
    guildId: string,
    userId: string,
    member: { roles: string[]; joined_at?: string | null; user?: { bot?: boolean } },
  ): MemberFacts {
    const joined = member.joined_at ? Date.parse(member.joined_at) : NaN;
    const excluded = this.services.settings.get(guildId).leaderboardExcludeRoleId;
    return {
      userId,
      roleIds: member.roles,
      joinedAt: Number.isNaN(joined) ? null : joined,
      ranked: isRankableRaw(member, excluded),
    };
  }

  private enqueueAll(
    targets: readonly QuestTarget[],
    userId: string,
    kind: 'reaction' | 'message',
    facts: MemberFacts | null,
  ): void {
    const { quests, clock, logger } = this.services;
    const now = clock();
    for (const target of targets) {
      if (target.startsAt !== null && now < target.startsAt) continue;
      if (target.endsAt !== null && now >= target.endsAt) continue;
      const refusal = facts ? quests.refusal(target.guildId, target.gates, facts, now) : null;
      if (refusal) {
        logger.debug({ questId: target.questId, userId, code: refusal.code }, 'quest event not eligible');
        continue;
      }
      quests.enqueue(target, userId, now, { kind }, facts);
    }
  }

  /** Members a webhook left with a finished quest whose gates need Discord: fetch and look. */
  private async lookAt(guildId: string, userIds: readonly string[]): Promise<void> {
    const guild = this.client.guilds.cache.get(guildId);
    if (!guild) return;
    const excluded = this.services.settings.get(guildId).leaderboardExcludeRoleId;
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += 100) {
      const members = await guild.members.fetch({ user: ids.slice(i, i + 100), time: 30_000 });
      for (const [id, m] of members) {
        this.services.quests.evaluate(guildId, id, {
          userId: id,
          roleIds: [...m.roles.cache.keys()],
          joinedAt: m.joinedTimestamp,
          ranked: isRankable(m, excluded),
        });
      }
    }
  }

  // ---- the schedule ---------------------------------------------------------------------

  private async startup(): Promise<void> {
    const mine = this.guildIds();
    for (const { quest } of this.services.quests.published()) {
      if (this.stopped) return;
      if (!mine.has(quest.guildId)) continue;
      try {
        await this.reconcile(quest);
      } catch (err) {
        this.services.logger.warn({ err, questId: quest.id }, 'could not reconcile a quest at start-up');
      }
    }
    this.scheduler.start();
    this.sweepSoon();
  }

  private async tick(): Promise<void> {
    const { toOpen, toEnd } = this.services.quests.due(this.guildIds());
    for (const quest of toOpen) {
      if (this.scheduler.isStopped) return;
      if (this.services.quests.openScheduled(quest.id)) {
        const opened = this.services.quests.byId(quest.id);
        // Reactions added before the start (the message was there) count from the start.
        if (opened) await this.reconcile(opened).catch(() => 0);
      }
    }
    for (const quest of toEnd) {
      if (this.scheduler.isStopped) return;
      try {
        await this.end(quest.id, 'time');
      } catch (err) {
        this.services.logger.warn({ err, questId: quest.id }, 'quest not ended on time; will retry');
      }
    }
  }

  // ---- the announcer --------------------------------------------------------------------

  private sweepSoon(): void {
    if (this.stopped) return;
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = this.sweep().finally(() => {
      this.sweeping = null;
      if (this.sweepAgain) {
        this.sweepAgain = false;
        this.sweepSoon();
      }
    });
    this.track(this.sweeping);
  }

  /** Grants due reward roles and DMs completions, 100 at a time, until none is left or Discord stalls. */
  private async sweep(): Promise<void> {
    const skipped = new Set<string>();
    for (;;) {
      const batch = this.services.quests
        .unannounced(this.guildIds(), 100 + skipped.size)
        .filter((c) => !skipped.has(keyOf(c)));
      if (batch.length === 0 || this.stopped) return;
      for (const c of batch) {
        if (this.stopped) return;
        const done = await this.announce(c);
        if (!done) skipped.add(keyOf(c));
      }
    }
  }

  /** One completion: its role, then its DM. False when something must wait for the next sweep. */
  private async announce(c: QuestAnnouncement): Promise<boolean> {
    const { quests, logger } = this.services;
    const guild = this.client.guilds.cache.get(c.guildId)!;
    if (c.roleStatus === 'due' && c.rewardRoleId) {
      const settled = await this.grantRole(guild, c);
      if (!settled) return false;
    }
    if (c.notify !== 'dm' || c.notifiedAt !== null) return true;
    const t = translator(localeOf(guild.preferredLocale));
    try {
      await this.client.users.send(c.userId, {
        content: noticeText(t, c, guild.name),
        allowedMentions: NO_MENTIONS,
      });
      quests.markAnnounced(c);
    } catch (err) {
      logger.debug({ err, questId: c.questId, userId: c.userId }, 'could not DM a quest completion');
      quests.announceByReply(c);
    }
    return true;
  }

  private async grantRole(guild: Guild, c: QuestAnnouncement): Promise<boolean> {
    const outcome = await roleGranter(guild, this.abort.signal).grant(
      c.userId,
      c.rewardRoleId!,
      `Sparks: completed the quest "${c.questName}"`,
    );
    if (outcome.ok === 'unknown') return false;
    if (outcome.ok) this.services.quests.settleRole(c, 'granted');
    else if (outcome.reason === 'member_left') this.services.quests.settleRole(c, 'left');
    else if (!outcome.permanent) return false;
    else
      this.services.quests.settleRole(c, {
        refused: outcome.reason,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
      });
    return true;
  }

  private guildIds(): Set<string> {
    return new Set(this.client.guilds.cache.keys());
  }

  private track<T>(task: Promise<T>): void {
    this.tasks.add(task);
    void task
      .catch((err: unknown) => this.services.logger.error({ err }, 'quest background task failed'))
      .finally(() => this.tasks.delete(task));
  }
}

const keyOf = (c: QuestAnnouncement) => `${c.questId}\n${c.userId}\n${c.period}`;

/** Quests: event listeners, the schedule, reconciliation, and the announcer. */
export function questsPlugin(options: QuestsPluginOptions = {}): Plugin {
  let runtime: QuestRuntime | null = null;
  return {
    name: 'quests',
    start({ client, services, provided }) {
      runtime = new QuestRuntime(client, services, {
        maxTimerMs: options.maxTimerMs ?? 30_000,
        sweepMs: options.sweepMs ?? 30_000,
      });
      provided.provide('quests', runtime);
      runtime.start();
    },
    async stop({ provided }) {
      provided.withdraw('quests');
      await runtime?.stop();
      runtime = null;
    },
  };
}
