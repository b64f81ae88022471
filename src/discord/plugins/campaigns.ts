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
import { HOUR_MS } from '../../core/clock.ts';
import type { Services } from '../../services.ts';
import { localeOf, sparksErrorText, translate } from '../i18n/index.ts';
import type { Plugin } from './plugin.ts';
import { isRankable, isRankableRaw } from '../ranking.ts';

export interface CampaignsPluginOptions {
  /** Longest a scheduler timer waits before re-checking (default 1 h). */
  maxTimerMs?: number;
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
  /** Longest a scheduler timer waits before re-checking. */
  maxTimerMs: number;
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
 * The listener never touches the database: it matches the reaction against the in-memory
 * index of active campaigns, checks the gates on the payload, and queues the grant for
 * the service's group commit.
 */
export class CampaignRuntime {
  private timer: NodeJS.Timeout | null = null;
  private readonly tasks = new Set<Promise<unknown>>();
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
  private readonly maxTimerMs: number;

  constructor({ client, services, maxTimerMs }: CampaignRuntimeDeps) {
    this.client = client;
    this.services = services;
    this.maxTimerMs = maxTimerMs;
  }

  start(): void {
    this.client.ws.on(GatewayDispatchEvents.MessageReactionAdd, this.onAdd);
    this.client.ws.on(GatewayDispatchEvents.MessageReactionRemove, this.onRemove);
    this.unsubscribe = this.services.campaigns.onChange((change) => {
      if (change.type === 'end') {
        this.late.delete(change.campaign.id);
        this.told.delete(change.campaign.id);
      }
      this.arm();
    });
    this.track(this.startup());
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.client.ws.off(GatewayDispatchEvents.MessageReactionAdd, this.onAdd);
    this.client.ws.off(GatewayDispatchEvents.MessageReactionRemove, this.onRemove);
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushRefusals();
    await Promise.allSettled([...this.tasks]);
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
      this.lateReactor(campaign.id, d.user_id);
      this.arm();
      return;
    }
    if (!d.member) {
      this.track(this.grantAfterFetch(campaign, d.user_id, now));
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
      // is their first Sparks) opens with the right leaderboard flag, with no lookup later.
      const excluded = this.services.settings.get(d.guild_id).leaderboardExcludeRoleId;
      const ranked = isRankableRaw(d.member, excluded);
      this.services.campaigns.enqueueGrant(campaign, d.user_id, now, { ranked });
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
    const excluded = this.services.settings.get(campaign.guildId).leaderboardExcludeRoleId;
    this.services.campaigns.enqueueGrant(campaign, userId, at, { ranked: isRankable(member, excluded) });
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
    for (const n of fresh) this.track(this.tellRefused(n.campaign, n.userId, n.refusal));
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

  private lateReactor(campaignId: number, userId: string): void {
    let set = this.late.get(campaignId);
    if (!set) this.late.set(campaignId, (set = new Set()));
    if (set.size < 100_000) set.add(userId);
  }

  // ---- reconciliation -------------------------------------------------------------------

  /**
   * Pages through the message's reactions with the campaign emoji (100 per request,
   * discord.js queues per route within the rate limits) and queues a grant for every
   * reactor who holds no claim and passes the gates (members are fetched 100 at a time
   * over the gateway; one not found has left and is skipped). With revoke_on_unreact,
   * claims whose reaction is gone are reversed. Resolves once the grants are committed.
   */
  reconcile(campaign: ActiveCampaign): Promise<ReconcileResult> {
    let running = this.reconciling.get(campaign.id);
    if (!running) {
      running = this.runReconcile(campaign).finally(() => this.reconciling.delete(campaign.id));
      this.reconciling.set(campaign.id, running);
      this.track(running);
    }
    return running;
  }

  private async runReconcile(campaign: ActiveCampaign): Promise<ReconcileResult> {
    const { campaigns, clock, logger } = this.services;
    const guild = this.client.guilds.cache.get(campaign.guildId);
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
      /** Leaderboard flags of the members fetched for the gates (the others are checked later). */
      const ranked = new Map<string, boolean>();
      if (gated && candidates.length > 0) {
        const members = await guild.members.fetch({ user: candidates, time: 30_000 });
        const excluded = this.services.settings.get(guild.id).leaderboardExcludeRoleId;
        for (const [id, m] of members) ranked.set(id, isRankable(m, excluded));
        eligible = candidates.filter((id) => {
          const m = members.get(id);
          return (
            m !== undefined &&
            !m.user.bot &&
            campaignRefusal(
              campaign,
              this.facts(campaign, id, {
                bot: false,
                roles: [...m.roles.cache.keys()],
                joinedAt: m.joinedTimestamp,
              }),
              now,
            ) === null
          );
        });
      }
      for (const id of eligible)
        campaigns.enqueueGrant(campaign, id, now, { reconcile: true, ranked: ranked.get(id) });
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
   * missed while offline still count), then ends it in the service (idempotent).
   */
  async end(campaignId: number, reason: CampaignEndReason, actorId?: string): Promise<EndResult> {
    const campaign = this.services.campaigns.allActive().find((c) => c.id === campaignId);
    if (campaign) {
      await this.reconcile(campaign).catch((err: unknown) =>
        this.services.logger.warn({ err, campaignId }, 'could not reconcile a campaign before it ended'),
      );
    }
    return this.services.campaigns.end(campaignId, reason, actorId);
  }

  /** On start: summaries a crash kept from the log channel, catch-up, overdue ends. */
  private async startup(): Promise<void> {
    const { campaigns, logger } = this.services;
    const mine = (guildId: string) => this.client.guilds.cache.has(guildId);
    for (const summary of campaigns.unsummarized()) {
      if (mine(summary.campaign.guildId)) campaigns.recordSummary(summary);
    }
    for (const campaign of campaigns.allActive()) {
      if (this.stopped) return;
      if (!mine(campaign.guildId)) continue;
      try {
        await this.reconcile(campaign);
      } catch (err) {
        logger.warn({ err, campaignId: campaign.id }, 'could not reconcile a campaign at start-up');
      }
    }
    await this.endDue();
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ends = this.services.campaigns
      .allActive()
      .filter((c) => c.endsAt !== null && this.client.guilds.cache.has(c.guildId))
      .map((c) => c.endsAt!);
    if (ends.length === 0) return;
    const delay = Math.min(Math.max(0, Math.min(...ends) - this.services.clock()), this.maxTimerMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.track(this.endDue().finally(() => this.arm()));
    }, delay);
    this.timer.unref();
  }

  private async endDue(): Promise<void> {
    const now = this.services.clock();
    for (const c of this.services.campaigns.allActive()) {
      if (this.stopped) return;
      if (c.endsAt === null || c.endsAt > now || !this.client.guilds.cache.has(c.guildId)) continue;
      try {
        await this.end(c.id, 'time');
      } catch (err) {
        this.services.logger.error({ err, campaignId: c.id }, 'could not end a campaign on time');
      }
    }
  }

  private track<T>(task: Promise<T>): void {
    this.tasks.add(task);
    void task
      .catch((err: unknown) => this.services.logger.error({ err }, 'campaign background task failed'))
      .finally(() => this.tasks.delete(task));
  }
}

/** Reaction campaigns: listeners, reconciliation, the end-time scheduler. */
export function campaignsPlugin(options: CampaignsPluginOptions = {}): Plugin {
  let runtime: CampaignRuntime | null = null;
  return {
    name: 'campaigns',
    start({ client, services, provided }) {
      runtime = new CampaignRuntime({ client, services, maxTimerMs: options.maxTimerMs ?? HOUR_MS });
      provided.provide('campaigns', runtime);
      runtime.start();
    },
    async stop() {
      await runtime?.stop();
      runtime = null;
    },
  };
}
