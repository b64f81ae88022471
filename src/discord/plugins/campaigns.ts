import { Tasks } from '../../core/tasks.ts';
import {
  GatewayDispatchEvents,
  Routes,
  type APIUser,
  type Client,
  type GatewayMessageReactionAddDispatchData,
  type GatewayMessageReactionRemoveDispatchData,
} from 'discord.js';
import {
  campaignIsGated,
  campaignRefusal,
  type ActiveCampaign,
  type CampaignEndReason,
  type EndResult,
  type MemberFacts,
} from '../../campaigns/campaigns.ts';
import type { SparksError } from '../../core/errors.ts';
import { reactionKey } from '../../campaigns/parse.ts';
import type { Leadership } from '../../ops/leadership.ts';
import type { Services } from '../../services.ts';
import type { GuildAccess } from '../guild-access.ts';
import { localeOf, sparksErrorText, translate } from '../i18n/index.ts';
import type { Plugin } from './plugin.ts';
import { LeaderSchedule, type DueScheduler } from './scheduler.ts';

/**
 * The default of both options below: a campaign started in another process ends within
 * 30 s of its time, and a process learns within 30 s of an end made elsewhere.
 */
const DEFAULT_POLL_MS = 30_000;
/** How long the end-time scheduler waits after a pass that could not end some campaign. */
const RETRY_MS = 5_000;

export interface CampaignsPluginOptions {
  /**
   * Longest the leader's end-time scheduler waits before reading the database again
   * (default 30 s): campaigns started in another process are seen at the next read.
   */
  maxTimerMs?: number;
  /** How often every process reloads its index of active campaigns from the database (default 30 s). */
  refreshMs?: number;
}

export interface ReconcileResult {
  /** Reactors that held no claim and were queued for a grant. */
  granted: number;
  /** Claims whose reaction is gone, queued for reversal (revoke_on_unreact only). */
  revoked: number;
}

export interface CampaignRuntimeDeps {
  client: Client;
  services: Services;
  /** Guilds as the final reconciliation reaches them: this process's cache, or REST. */
  guilds: GuildAccess;
  /** Longest the end-time scheduler waits before reading the database again. */
  maxTimerMs: number;
  /** How often the index of active campaigns is reloaded from the database. */
  refreshMs: number;
}

declare module './plugin.ts' {
  interface Provided {
    /** Commands reconcile a campaign's reactions and end campaigns through it. */
    campaigns: CampaignRuntime;
  }
}

/**
 * Everything campaigns need from Discord: the reaction listeners (raw gateway payloads,
 * which carry the reacting member's roles and join date), reconciliation of a message's
 * reactions (at start-up and at the end), and the end-time scheduler.
 *
 * The listeners, the start-up catch-up and the index of active campaigns are every
 * process's, for the guilds its shards serve. The end-time scheduler (a `LeaderSchedule`) runs
 * only in the process that leads the once-only work, for every guild's campaigns as the
 * database lists them: it ends each campaign whose time has come after a final
 * reconciliation that reaches the guild through `GuildAccess` (REST where another shard
 * serves it). A moderator's end runs here in any process.
 *
 * The listener never touches the database: it matches the reaction against the in-memory
 * index of active campaigns, checks the gates on the payload, and queues the grant for
 * the service's group commit. The group commit refuses grants on a campaign that is no
 * longer active (the leader ended it in another process) and drops the index then; the
 * index is also reloaded every `refreshMs`.
 */
export class CampaignRuntime {
  private readonly schedule: LeaderSchedule;
  private refresher: NodeJS.Timeout | null = null;
  /** Set after a scheduler pass that could not end some campaign: the next pass waits until then. */
  private retryAt: number | null = null;
  /** A scheduler pass is running (it re-arms when done). */
  private passing = false;
  private readonly tasks = new Tasks((err) =>
    this.services.logger.error({ err }, 'campaign background task failed'),
  );
  private readonly reconciling = new Map<number, Promise<ReconcileResult>>();
  /** Members seen reacting after a campaign's end time: its final reconciliation skips them. */
  private readonly late = new Map<number, Set<string>>();
  /** Members this process told a gate refused them, per campaign: told once, not per reaction. */
  private readonly told = new Map<number, Set<string>>();
  /** Refusals waiting for the next turn's one write (see `refused`). */
  private readonly refusals: {
    campaign: ActiveCampaign;
    campaignId: number;
    userId: string;
    code: string;
    refusal: SparksError;
  }[] = [];
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  private readonly client: Client;
  private readonly services: Services;
  private readonly guilds: GuildAccess;
  private readonly refreshMs: number;

  constructor({ client, services, guilds, maxTimerMs, refreshMs }: CampaignRuntimeDeps) {
    this.client = client;
    this.services = services;
    this.guilds = guilds;
    this.refreshMs = refreshMs;
    // The end-time scheduler, for as long as this process leads: ends every guild's
    // campaigns whose time has come, at once and then at the next end time the database
    // names, reading it again at least every `maxTimerMs`.
    this.schedule = new LeaderSchedule({
      name: 'campaign ends',
      clock: services.clock,
      logger: services.logger,
      maxMs: maxTimerMs,
      next: () => this.nextDue(),
      tick: (scheduler) => this.endDue(scheduler),
      failure: 'campaign end pass failed',
      onLead: () => (this.retryAt = null),
    });
  }

  /** The listeners and the index here; the end-time scheduler while this process leads. */
  start(leadership: Leadership): void {
    this.client.ws.on(GatewayDispatchEvents.MessageReactionAdd, this.onAdd);
    this.client.ws.on(GatewayDispatchEvents.MessageReactionRemove, this.onRemove);
    this.unsubscribe = this.services.campaigns.onChange((change) => {
      if (change.type === 'end') this.forget(change.campaign.id);
      // A new end time: the scheduler (if it runs here) re-reads the next one at once;
      // otherwise the leader sees the row at its next pass.
      this.rearm();
    });
    this.refresher = setInterval(() => this.refresh(), this.refreshMs);
    this.refresher.unref();
    this.tasks.track(this.startup());
    this.schedule.start(leadership);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.client.ws.off(GatewayDispatchEvents.MessageReactionAdd, this.onAdd);
    this.client.ws.off(GatewayDispatchEvents.MessageReactionRemove, this.onRemove);
    this.unsubscribe?.();
    if (this.refresher) clearInterval(this.refresher);
    this.refresher = null;
    await this.schedule.stop();
    this.flushRefusals();
    await this.tasks.settled();
    this.services.campaigns.flush();
  }

  // ---- live reactions -------------------------------------------------------------------

  private readonly onAdd = (d: GatewayMessageReactionAddDispatchData): void => {
    if (!d.guild_id) return;
    const campaign = this.services.campaigns.match(d.message_id, reactionKey(d.emoji));
    if (!campaign) return;
    if (d.user_id === this.client.user?.id || d.member?.user?.bot) return;
    const now = this.services.clock();
    if (campaign.endsAt !== null && now >= campaign.endsAt) {
      // Not granted: the campaign ends now (here, if this process's scheduler runs; else
      // the leader has ended it or is about to, and the next refresh drops it).
      this.lateReactor(campaign.id, d.user_id);
      this.rearm();
      return;
    }
    if (!d.member) {
      this.tasks.track(this.grantAfterFetch(campaign, d.user_id, now));
      return;
    }
    const joined = d.member.joined_at ? Date.parse(d.member.joined_at) : NaN;
    const refusal = campaignRefusal(
      campaign,
      this.facts(campaign, d.user_id, {
        bot: false,
        roles: d.member.roles,
        joinedAt: Number.isNaN(joined) ? null : joined,
      }),
      now,
    );
    if (!refusal) {
      // The event shows the member in the guild with their roles: their new account (if this
      // is their first Sparks) opens with the right leaderboard flag, decided by the batch
      // that writes it (one settings read per batch, not one per reaction).
      this.services.campaigns.enqueueGrant(campaign, d.user_id, now, { roles: d.member.roles });
    } else this.refused(campaign, d.user_id, refusal);
  };

  private readonly onRemove = (d: GatewayMessageReactionRemoveDispatchData): void => {
    if (!d.guild_id) return;
    const campaign = this.services.campaigns.match(d.message_id, reactionKey(d.emoji));
    if (!campaign?.revokeOnUnreact || d.user_id === this.client.user?.id) return;
    this.services.campaigns.enqueueRevoke(campaign, d.user_id, this.services.clock());
  };

  /** A reaction event without the member (rare): look the member up before the gates. */
  private async grantAfterFetch(campaign: ActiveCampaign, userId: string, at: number): Promise<void> {
    const guild = this.client.guilds.cache.get(campaign.guildId);
    const member = await guild?.members.fetch(userId).catch(() => null);
    if (!member || member.user.bot) return;
    const refusal = campaignRefusal(
      campaign,
      this.facts(campaign, userId, {
        bot: false,
        roles: [...member.roles.cache.keys()],
        joinedAt: member.joinedTimestamp,
      }),
      at,
    );
    if (refusal) {
      this.refused(campaign, userId, refusal);
      return;
    }
    this.services.campaigns.enqueueGrant(campaign, userId, at, { roles: [...member.roles.cache.keys()] });
  }

  /** A member's facts for the gates; their wallets are looked up only for a wallet campaign. */
  private facts(
    campaign: ActiveCampaign,
    userId: string,
    m: Omit<MemberFacts, 'userId' | 'hasWallet' | 'walletPage'>,
  ): MemberFacts {
    if (!campaign.verifiedWallet) return { ...m, userId };
    const { wallets } = this.services;
    return {
      ...m,
      userId,
      hasWallet: wallets.hasWallet(campaign.guildId, userId),
      walletPage: wallets.pageUrl(campaign.guildId),
    };
  }

  /**
   * A live reaction a gate refused: the member is told which gate and what would pass it,
   * once per campaign (remembered in the database, so a restart does not repeat it) — by
   * DM, or, where their DMs are closed, by a reply to the campaign's message that mentions
   * only them.
   */
  private refused(campaign: ActiveCampaign, userId: string, refusal: SparksError): void {
    this.services.logger.debug(
      { campaignId: campaign.id, userId, gate: refusal.code },
      'campaign reaction refused by a gate',
    );
    let told = this.told.get(campaign.id);
    if (!told) this.told.set(campaign.id, (told = new Set()));
    if (told.has(userId) || told.size >= 100_000) return;
    told.add(userId);
    this.refusals.push({ campaign, campaignId: campaign.id, userId, code: refusal.code, refusal });
    // One write for the refusals of this turn of the event loop (a burst of them).
    if (this.refusals.length === 1) setImmediate(() => this.flushRefusals());
  }

  private flushRefusals(): void {
    const batch = this.refusals.splice(0);
    let fresh: typeof batch;
    try {
      fresh = this.services.campaigns.noteGateRefusals(batch);
    } catch (err) {
      this.services.logger.warn({ err, count: batch.length }, 'could not record gate refusals');
      return;
    }
    for (const n of fresh) this.tasks.track(this.tellRefused(n.campaign, n.userId, n.refusal));
  }

  private async tellRefused(campaign: ActiveCampaign, userId: string, refusal: SparksError): Promise<void> {
    const locale = localeOf(this.client.guilds.cache.get(campaign.guildId)?.preferredLocale);
    const notice = translate(locale, 'gate.notice', {
      emoji: campaign.emoji.display,
      campaign: campaign.name,
      reason: sparksErrorText(locale, refusal),
    });
    try {
      await this.client.users.send(userId, { content: notice, allowedMentions: { parse: [] } });
      return;
    } catch (err) {
      this.services.logger.debug({ err, userId }, 'could not DM a gate refusal; replying in the channel');
    }
    await this.client.rest.post(Routes.channelMessages(campaign.channelId), {
      body: {
        content: translate(locale, 'gate.notice_reply', { userId, notice }),
        message_reference: { message_id: campaign.messageId, fail_if_not_exists: false },
        allowed_mentions: { users: [userId] },
      },
    });
  }

  /** What this process remembers of a campaign that ended. */
  private forget(campaignId: number): void {
    this.late.delete(campaignId);
    this.told.delete(campaignId);
  }

  /**
   * Reloads the index of active campaigns from the database: campaigns another process
   * started appear, those it ended (the leader's time ends) go, with what was remembered
   * of them here.
   */
  private refresh(): void {
    let dropped: ActiveCampaign[];
    try {
      dropped = this.services.campaigns.refreshActive();
    } catch (err) {
      this.services.logger.warn({ err }, 'could not reload the active campaigns');
      return;
    }
    for (const c of dropped)
      this.services.logger.debug({ campaignId: c.id }, 'campaign ended in another process');
    // Also what a refused grant batch dropped from the index before this reload.
    const active = new Set(this.services.campaigns.allActive().map((c) => c.id));
    for (const id of [...this.late.keys(), ...this.told.keys()]) if (!active.has(id)) this.forget(id);
  }

  private lateReactor(campaignId: number, userId: string): void {
    let set = this.late.get(campaignId);
    if (!set) this.late.set(campaignId, (set = new Set()));
    if (set.size < 100_000) set.add(userId);
  }

  // ---- reconciliation -------------------------------------------------------------------

  /**
   * Pages through the message's reactions with the campaign emoji (100 per request,
   * discord.js queues per route within the rate limits) and queues a grant for every
   * reactor who holds no claim and passes the gates (members are fetched through
   * `GuildAccess`: 100 at a time over the gateway where this process serves the guild, over
   * REST otherwise; one not found has left and is skipped). With revoke_on_unreact, claims
   * whose reaction is gone are reversed. Resolves once the grants are committed. A campaign
   * the database no longer lists as active (ended here or elsewhere) is not reconciled.
   */
  reconcile(campaign: ActiveCampaign): Promise<ReconcileResult> {
    let running = this.reconciling.get(campaign.id);
    if (!running) {
      running = this.runReconcile(campaign).finally(() => this.reconciling.delete(campaign.id));
      this.reconciling.set(campaign.id, running);
      this.tasks.track(running);
    }
    return running;
  }

  private async runReconcile(campaign: ActiveCampaign): Promise<ReconcileResult> {
    const { campaigns, clock, logger } = this.services;
    if (!campaigns.activeById(campaign.id)) return { granted: 0, revoked: 0 };
    // Null: the bot is no longer in the guild; nothing to read.
    const guild = await this.guilds.guild(campaign.guildId);
    if (!guild) return { granted: 0, revoked: 0 };
    const claims = campaigns.claims(campaign.id);
    const late = this.late.get(campaign.id);
    const gated = campaignIsGated(campaign);
    const reactors = new Set<string>();
    const route = Routes.channelMessageReaction(
      campaign.channelId,
      campaign.messageId,
      encodeURIComponent(campaign.emoji.api),
    );
    let granted = 0;
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: '100', ...(after ? { after } : {}) });
      const page = (await this.client.rest.get(route, { query })) as APIUser[];
      const now = clock();
      const candidates: string[] = [];
      for (const user of page) {
        reactors.add(user.id);
        if (user.bot || user.id === this.client.user?.id || claims.has(user.id) || late?.has(user.id))
          continue;
        candidates.push(user.id);
      }
      let eligible = candidates;
      /** Roles of the members fetched for the gates (their leaderboard flag; the others are checked later). */
      const roles = new Map<string, string[]>();
      if (gated && candidates.length > 0) {
        const members = await this.guilds.members(guild, candidates);
        for (const [id, m] of members) roles.set(id, [...m.roles.cache.keys()]);
        eligible = candidates.filter((id) => {
          const m = members.get(id);
          return (
            m !== undefined &&
            !m.user.bot &&
            campaignRefusal(
              campaign,
              this.facts(campaign, id, { bot: false, roles: roles.get(id)!, joinedAt: m.joinedTimestamp }),
              now,
            ) === null
          );
        });
      }
      for (const id of eligible)
        campaigns.enqueueGrant(campaign, id, now, { reconcile: true, roles: roles.get(id) });
      granted += eligible.length;
      if (page.length < 100) break;
      after = page[page.length - 1]!.id;
    }
    let revoked = 0;
    if (campaign.revokeOnUnreact) {
      const now = clock();
      for (const [userId, claim] of claims) {
        if (claim.reversed || reactors.has(userId)) continue;
        campaigns.enqueueRevoke(campaign, userId, now);
        revoked++;
      }
    }
    await campaigns.idle();
    logger.info(
      { campaignId: campaign.id, reactors: reactors.size, granted, revoked },
      'campaign reconciled',
    );
    return { granted, revoked };
  }

  // ---- ending ---------------------------------------------------------------------------

  /**
   * Ends a campaign: reconciles first (for a moderator's or the clock's end, so reactions
   * missed while offline still count), then ends it in the service (idempotent). Whether it
   * is still active is read from the database, not this process's index: a campaign the
   * leader already ended is not reconciled again, and its end here is a no-op.
   */
  async end(campaignId: number, reason: CampaignEndReason, actorId?: string): Promise<EndResult> {
    const campaign = this.services.campaigns.activeById(campaignId);
    if (campaign) {
      await this.reconcile(campaign).catch((err: unknown) =>
        this.services.logger.warn({ err, campaignId }, 'could not reconcile a campaign before it ended'),
      );
    }
    return this.services.campaigns.end(campaignId, reason, actorId);
  }

  /**
   * On start: summaries a crash kept from the log channel, and the catch-up of this
   * process's guilds. A campaign already past its end time is left to the leader's
   * scheduler, whose final reconciliation is its only one.
   */
  private async startup(): Promise<void> {
    const { campaigns, clock, logger } = this.services;
    const mine = (guildId: string) => this.client.guilds.cache.has(guildId);
    for (const summary of campaigns.unsummarized()) {
      if (mine(summary.campaign.guildId)) campaigns.recordSummary(summary);
    }
    for (const campaign of campaigns.allActive()) {
      if (this.stopped) return;
      if (!mine(campaign.guildId)) continue;
      if (campaign.endsAt !== null && campaign.endsAt <= clock()) continue;
      try {
        await this.reconcile(campaign);
      } catch (err) {
        logger.warn({ err, campaignId: campaign.id }, 'could not reconcile a campaign at start-up');
      }
    }
  }

  /** Looks at the next end time now, if the scheduler runs here and no pass is under way. */
  private rearm(): void {
    if (!this.passing) this.schedule.arm();
  }

  /** The next moment the scheduler looks: the database's next end, later after a failed pass. */
  private nextDue(): number | null {
    let at: number | null;
    try {
      at = this.services.campaigns.nextEndAt();
    } catch (err) {
      this.services.logger.warn({ err }, 'could not read the next campaign end; trying again soon');
      return this.services.clock() + RETRY_MS;
    }
    if (this.retryAt === null) return at;
    return at === null ? this.retryAt : Math.max(at, this.retryAt);
  }

  /** One pass: ends every campaign of every guild whose time has come (100 per pass). */
  private async endDue(scheduler: DueScheduler): Promise<void> {
    const { campaigns, clock, logger } = this.services;
    let failed = false;
    this.passing = true;
    try {
      for (const c of campaigns.dueToEnd(clock())) {
        if (scheduler.isStopped) return;
        try {
          await this.end(c.id, 'time');
        } catch (err) {
          failed = true;
          logger.error({ err, campaignId: c.id }, 'could not end a campaign on time');
        }
      }
    } finally {
      this.passing = false;
    }
    this.retryAt = failed ? clock() + RETRY_MS : null;
  }
}

/**
 * Reaction campaigns: listeners, reconciliation and the index in every process (for the
 * guilds its shards serve); the end-time scheduler in the process that leads the once-only
 * work, for every guild's campaigns.
 */
export function campaignsPlugin(options: CampaignsPluginOptions = {}): Plugin {
  let runtime: CampaignRuntime | null = null;
  return {
    name: 'campaigns',
    start({ client, services, provided, leadership, guilds }) {
      const r = new CampaignRuntime({
        client,
        services,
        guilds,
        maxTimerMs: options.maxTimerMs ?? DEFAULT_POLL_MS,
        refreshMs: options.refreshMs ?? DEFAULT_POLL_MS,
      });
      runtime = r;
      provided.provide('campaigns', r);
      r.start(leadership);
    },
    async stop() {
      await runtime?.stop();
      runtime = null;
    },
  };
}
