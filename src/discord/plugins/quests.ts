import { Tasks } from '../../core/tasks.ts';
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
import type { Leadership, StopWork } from '../../ops/leadership.ts';
import type { MemberFacts, QuestAnnouncement, QuestRow, QuestTarget } from '../../quests/quests.ts';
import type { Services } from '../../services.ts';
import type { GuildAccess } from '../guild-access.ts';
import { localeOf, translator } from '../i18n/index.ts';
import { decisionText, noticeText } from '../quest-text.ts';
import { NO_MENTIONS } from '../reply.ts';
import { roleGranter } from '../shop.ts';
import type { Plugin } from './plugin.ts';
import { DueScheduler } from './scheduler.ts';

export interface QuestsPluginOptions {
  /**
   * Longest the schedule timer waits before looking again (default 30 s): the bound on how
   * soon the leader sees a quest another process published or scheduled.
   */
  maxTimerMs?: number;
  /**
   * How often the announcer sweeps for completions to announce and roles to grant (default
   * 30 s): the bound on how soon the leader announces a completion made in another process.
   */
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
 * - at start-up, reconciliation of the reaction steps of this process's guilds (the
 *   reactions its shards missed while it was down);
 * - in the process that leads the once-only work (`whileLeader('quest schedules')`), for
 *   every guild with quests, whichever shard serves it: the schedule (a scheduled quest opens
 *   at its start, a quest ends at its end, after a restart too, each with its reaction steps
 *   reconciled), and the announcer: the reward role through the safe role path, then the
 *   member told by DM (or in their next quest reply). Guilds other shards serve are reached
 *   over REST (`GuildAccess`); a guild that removed the bot is skipped.
 * Moderators' ends, publications and reviews run in whichever process serves the command,
 * leader or not. Every step's write re-checks the status it moves from, so a leader's pass
 * racing a moderator's end, or a repeat after a handover, changes nothing.
 */
export class QuestRuntime {
  private readonly tasks = new Tasks((err) =>
    this.services.logger.error({ err }, 'quest background task failed'),
  );
  private readonly cleanups: (() => void)[] = [];
  /** The schedule and the announcer, while this process leads. */
  private lead: Lead | null = null;
  private ready: Promise<void> = Promise.resolve();
  private release: (() => Promise<void>) | null = null;
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly services: Services,
    private readonly guilds: GuildAccess,
    private readonly leadership: Leadership,
    private readonly options: Required<QuestsPluginOptions>,
  ) {}

  start(): void {
    const { ws } = this.client;
    ws.on(GatewayDispatchEvents.MessageReactionAdd, this.onReaction);
    ws.on(GatewayDispatchEvents.MessageCreate, this.onMessage);
    ws.on(GatewayDispatchEvents.GuildMemberUpdate, this.onMemberUpdate);
    this.cleanups.push(
      () => ws.off(GatewayDispatchEvents.MessageReactionAdd, this.onReaction),
      () => ws.off(GatewayDispatchEvents.MessageCreate, this.onMessage),
      () => ws.off(GatewayDispatchEvents.GuildMemberUpdate, this.onMemberUpdate),
      this.services.quests.onNeedsFacts((guildId, userIds) =>
        this.tasks.track(this.lookAt(guildId, userIds)),
      ),
    );
    this.cleanups.push(
      this.services.quests.onCompleted(() => this.sweepSoon()),
      this.services.quests.onChange((change) => {
        if (change.type !== 'steps') this.arm();
      }),
    );
    this.ready = this.startup();
    this.tasks.track(this.ready);
    this.release = this.leadership.whileLeader('quest schedules', () => this.begin());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.release?.();
    this.release = null;
    await this.tasks.settled();
    this.services.quests.flush();
  }

  /**
   * Re-arms the schedule (a quest was published or scheduled) where this process runs it;
   * elsewhere the leader's next pass, within `maxTimerMs`, reads the new quest.
   */
  arm(): void {
    this.lead?.scheduler.arm();
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
    // Where this process does not serve the guild (a review on the dashboard), over REST.
    const guild = await this.guilds.guild(sub.guildId).catch(() => null);
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
   * as reconciled. Resolves once the queue committed them. Works for a guild another shard
   * serves (reactions are read over REST, members through GuildAccess); 0 for a guild the
   * bot is no longer in.
   */
  async reconcile(quest: QuestRow): Promise<number> {
    const { quests, clock } = this.services;
    const guild = await this.guilds.guild(quest.guildId);
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
          const members = await this.guilds.members(guild, ids);
          for (const [id, m] of members) {
            const facts: MemberFacts = {
              userId: id,
              roleIds: [...m.roles.cache.keys()],
              joinedAt: m.joinedTimestamp,
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
    // No settings read per event: the batch that writes a completion reads the excluded role.
    return { userId, roleIds: member.roles, joinedAt: Number.isNaN(joined) ? null : joined };
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
    // The webhook's process need not serve the guild: GuildAccess reaches it either way.
    const guild = await this.guilds.guild(guildId);
    if (!guild) return;
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += 100) {
      const members = await this.guilds.members(guild, ids.slice(i, i + 100));
      for (const [id, m] of members) {
        // A bot earns nothing, here as from its reactions and messages.
        if (m.user.bot) continue;
        this.services.quests.evaluate(guildId, id, {
          userId: id,
          roleIds: [...m.roles.cache.keys()],
          joinedAt: m.joinedTimestamp,
        });
      }
    }
  }

  // ---- the schedule (while this process leads) --------------------------------------------

  /** This process leads: the schedule and the announcer start, after start-up's reconciliation. */
  private begin(): StopWork {
    const { quests, clock, logger } = this.services;
    const scheduler: DueScheduler = new DueScheduler({
      clock,
      logger,
      maxMs: this.options.maxTimerMs,
      next: () => quests.nextDue(),
      tick: () => this.tick(scheduler),
      failure: 'quest schedule task failed',
    });
    const lead: Lead = {
      scheduler,
      abort: new AbortController(),
      every: null,
      sweeping: null,
      sweepAgain: false,
    };
    this.lead = lead;
    // A failed start-up reconciliation was logged; the schedule runs regardless.
    const started = this.ready
      .catch(() => undefined)
      .then(() => {
        if (lead.abort.signal.aborted) return;
        scheduler.start();
        this.sweepSoon();
        lead.every = setInterval(() => this.sweepSoon(), this.options.sweepMs);
        lead.every.unref();
      });
    this.tasks.track(started);
    return async () => {
      lead.abort.abort();
      if (this.lead === lead) this.lead = null;
      if (lead.every) clearInterval(lead.every);
      await scheduler.stop();
      await lead.sweeping;
    };
  }

  /** Reconciles the reaction steps of this process's guilds' published quests (what its shards missed). */
  private async startup(): Promise<void> {
    for (const { quest } of this.services.quests.published()) {
      if (this.stopped) return;
      if (!this.guilds.serves(quest.guildId)) continue;
      try {
        await this.reconcile(quest);
      } catch (err) {
        this.services.logger.warn({ err, questId: quest.id }, 'could not reconcile a quest at start-up');
      }
    }
  }

  /** One pass over every guild's quests: scheduled ones whose start came open, published ones whose end came end. */
  private async tick(scheduler: DueScheduler): Promise<void> {
    const { toOpen, toEnd } = this.services.quests.due();
    for (const quest of toOpen) {
      if (scheduler.isStopped) return;
      if (this.services.quests.openScheduled(quest.id)) {
        const opened = this.services.quests.byId(quest.id);
        // Reactions added before the start (the message was there) count from the start.
        if (opened)
          await this.reconcile(opened).catch((err: unknown) => {
            this.services.logger.warn({ err, questId: quest.id }, 'could not reconcile a quest as it opened');
            return 0;
          });
      }
    }
    for (const quest of toEnd) {
      if (scheduler.isStopped) return;
      try {
        await this.end(quest.id, 'time');
      } catch (err) {
        this.services.logger.warn({ err, questId: quest.id }, 'quest not ended on time; will retry');
      }
    }
  }

  // ---- the announcer (while this process leads) -------------------------------------------

  private sweepSoon(): void {
    const lead = this.lead;
    if (this.stopped || !lead || lead.abort.signal.aborted) return;
    if (lead.sweeping) {
      lead.sweepAgain = true;
      return;
    }
    lead.sweeping = this.sweep(lead).finally(() => {
      lead.sweeping = null;
      if (lead.sweepAgain) {
        lead.sweepAgain = false;
        this.sweepSoon();
      }
    });
    this.tasks.track(lead.sweeping);
  }

  /**
   * Grants due reward roles and DMs completions of every guild, 100 at a time, until none is
   * left or Discord stalls (or the bot is gone from the guild: it waits there).
   */
  private async sweep(lead: Lead): Promise<void> {
    const skipped = new Set<string>();
    const gone = new Set<string>();
    for (;;) {
      const batch = this.services.quests
        .unannounced(100 + skipped.size)
        .filter((c) => !skipped.has(keyOf(c)));
      if (batch.length === 0 || lead.abort.signal.aborted) return;
      for (const c of batch) {
        if (lead.abort.signal.aborted) return;
        const done = !gone.has(c.guildId) && (await this.announce(c, lead.abort.signal, gone));
        if (!done) skipped.add(keyOf(c));
      }
    }
  }

  /** One completion: its role, then its DM. False when something must wait for the next sweep. */
  private async announce(c: QuestAnnouncement, signal: AbortSignal, gone: Set<string>): Promise<boolean> {
    const { quests, logger } = this.services;
    let guild: Guild | null;
    try {
      guild = await this.guilds.guild(c.guildId);
    } catch (err) {
      logger.debug({ err, guildId: c.guildId }, 'could not reach a guild to announce a quest completion');
      return false;
    }
    if (!guild) {
      gone.add(c.guildId);
      return false;
    }
    if (c.roleStatus === 'due' && c.rewardRoleId) {
      const settled = await this.grantRole(guild, c, signal);
      if (!settled) return false;
    }
    if (c.notify !== 'dm' || c.notifiedAt !== null) return true;
    // Stepping down: the next leader sends it.
    if (signal.aborted) return false;
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

  private async grantRole(guild: Guild, c: QuestAnnouncement, signal: AbortSignal): Promise<boolean> {
    const outcome = await roleGranter(guild, signal).grant(
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
}

/** The schedule and the announcer of one term as leader. */
interface Lead {
  scheduler: DueScheduler;
  /** Aborted when the term ends: the sweep stops, a role change in flight reads as unknown. */
  abort: AbortController;
  every: NodeJS.Timeout | null;
  sweeping: Promise<void> | null;
  sweepAgain: boolean;
}

const keyOf = (c: QuestAnnouncement) => `${c.questId}\n${c.userId}\n${c.period}`;

/**
 * Quests: event listeners and start-up reconciliation in every process; the schedule and the
 * announcer, for every guild, in the process that leads the once-only work.
 */
export function questsPlugin(options: QuestsPluginOptions = {}): Plugin {
  let runtime: QuestRuntime | null = null;
  return {
    name: 'quests',
    start({ client, services, provided, guilds, leadership }) {
      runtime = new QuestRuntime(client, services, guilds, leadership, {
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
