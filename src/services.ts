import { AuditQueue } from './audit.ts';
import { CardRenderer } from './cards/pool.ts';
import { CampaignService } from './campaigns/campaigns.ts';
import type { Config } from './config.ts';
import type { AppDb } from './db/engine.ts';
import { GrantQueue } from './grants/queue.ts';
import { GrantWriter, isFileDatabase } from './grants/writer-thread.ts';
import { Ledger } from './ledger/ledger.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './log.ts';
import { MembersService } from './members/members.ts';
import { AwardService } from './moderation/awards.ts';
import { BulkWorkCollector } from './core/memory.ts';
import { outboxStore } from './db/pg/outbox-store.ts';
import { Outbox } from './platform/outbox.ts';
import { PlatformService } from './platform/service.ts';
import { SettingsService } from './settings/settings.ts';
import { TierService } from './tiers/tiers.ts';
import { RedemptionService } from './shop/redemptions.ts';
import { RewardService } from './shop/rewards.ts';
import { LedgerRollup } from './moderation/ledger-rollup.ts';
import { SeasonService } from './seasons/seasons.ts';
import { RaffleService } from './raffles/raffles.ts';
import { QuestService } from './quests/quests.ts';
import { LinkedRoleService } from './linked-roles/linked-roles.ts';
import { TokenSeal } from './linked-roles/token-seal.ts';
import { StreakService } from './streaks/streaks.ts';
import { FlagService } from './members/flagging.ts';
import { WalletService } from './wallets/wallets.ts';

/**
 * Everything a handler may use, built once in the composition root. Features add their
 * service here; nothing in it knows about discord.js, so the same services back the
 * Discord handlers, the HTTP server, the scripts and the tests.
 */
export interface Services {
  config: Config;
  db: AppDb;
  clock: Clock;
  logger: Logger;
  /** The ledger: posting through its methods, reading through `ledger.reads` (standings, history, boards). */
  ledger: Ledger;
  settings: SettingsService;
  awards: AwardService;
  /** Platform events (trades, subscriptions, referrals) applied to the ledger. */
  platform: PlatformService;
  /** Outbound platform events, queued in the transactions that cause them. */
  outbox: Outbox;
  /** Reaction campaigns: their lifecycle, the in-memory reaction index, their grants through the queue. */
  campaigns: CampaignService;
  /** Audit-log events waiting to be posted to the guild's log channel. */
  audit: AuditQueue;
  /** Profiles, history, leaderboards, and the ranked flags behind them. */
  members: MembersService;
  /** Tier roles by lifetime earned, and the record of what the bot granted. */
  tiers: TierService;
  /** Profile and leaderboard images, drawn off the event loop; closed when the app stops. */
  cards: CardRenderer;
  /**
   * Hands the heap a bulk job grew back to the OS soon after it ends (a reaction burst, a
   * full member-list sync); stopped when the app stops.
   */
  memory: BulkWorkCollector;
  /** The shop catalogue. */
  rewards: RewardService;
  /** Redemptions: reserve, fulfil, manual queue, recovery, timed roles. */
  redemptions: RedemptionService;
  /** The analytics rollup of the journal, folded off the write path (a timer and the analytics page). */
  rollup: LedgerRollup;
  /** Flagged members (SPEC §11): moderators' flags and the automatic checks' (the FlagPort). */
  flags: FlagService;
  /** Seasons: their boards, prize ladders, the end and its payout, the hall of fame. */
  seasons: SeasonService;
  /** Raffles: committed seeds, entries held on the ledger, verifiable draws, prizes through the shop. */
  raffles: RaffleService;
  /** Quests: verified steps, schedules, recurrence; completions through the grant queue and the webhook. */
  quests: QuestService;
  /** Linked Roles: members' role connections and what each push decides (the plugin pushes). */
  linkedRoles: LinkedRoleService;
  /** Streaks: folded from the journal off the write path (a timer and every read), milestone bonuses, freezes. */
  streaks: StreakService;
  /** Wallets linked by signature (SIWE, Solana signMessage), one member's per guild; the wallet gate. */
  wallets: WalletService;
}

export function createServices(deps: { config: Config; db: AppDb; clock: Clock; logger: Logger }): Services {
  const { config, db, clock, logger } = deps;
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  const settings = new SettingsService({ db, defaults: config.earnDefaults, clock, audit });
  const outbox = new Outbox({ db, store: outboxStore(db) });
  const flags = new FlagService({ db, clock, audit });
  const platform = new PlatformService({
    db,
    ledger,
    settings,
    flags,
    ...(config.platformEventsUrl ? { outbox } : {}),
  });
  // Every process that credits members enqueues sparks.credited in the same transaction.
  if (config.platformEventsUrl)
    outbox.registerCreditedEvents(ledger, (t) => platform.referrals.creditedDetails(t));
  const tiers = new TierService({ db, ledger, clock, audit });
  const wallets = new WalletService({
    db,
    clock,
    audit,
    flags,
    siteUrl: config.web?.publicUrl ?? null,
  });
  const rewards = new RewardService({ db, clock, audit });
  const streaks = new StreakService({ db, ledger, settings, clock });
  // The shop sells streak freezes up to the most a member may hold, which streaks count.
  const redemptions = new RedemptionService({
    db,
    ledger,
    rewards,
    clock,
    audit,
    freezes: streaks,
    wallets,
    flags,
  });
  // The platform hears of every settled redemption, queued in the settling transaction.
  if (config.platformEventsUrl) {
    redemptions.onSettled((r, outcome) =>
      outbox.enqueue({
        guildId: r.guildId,
        userId: r.userId,
        type: outcome === 'fulfilled' ? 'redemption.fulfilled' : 'redemption.refunded',
        data: {
          redemption_id: r.id,
          reward: r.rewardName,
          reward_kind: r.rewardKind,
          cost: r.cost,
          ...(outcome === 'refunded' ? { failure_code: r.failureCode } : {}),
        },
        now: clock(),
      }),
    );
  }
  // One group-commit queue for every feature that grants in bursts: one fsync per batch.
  const grants = new GrantQueue({ db, logger });
  // GRANT_WRITER=thread: campaign grants are written on a thread of their own (its own
  // connection to the file; an in-memory database stays inline; the configuration refuses
  // it with DATABASE_URL).
  const filePath = db.engine === 'sqlite' && isFileDatabase(db.path) ? db.path : undefined;
  const threaded = config.grantWriter === 'thread' && filePath !== undefined;
  if (config.grantWriter === 'thread' && !threaded)
    logger.warn('GRANT_WRITER=thread needs a database file; campaign grants are written inline');
  const writer = threaded
    ? new GrantWriter({
        path: filePath,
        queue: grants,
        ledger,
        clock,
        logger,
        platformEvents: Boolean(config.platformEventsUrl),
        inTransaction: () => db.inTransaction,
      })
    : undefined;
  const campaigns = new CampaignService({ db, ledger, audit, clock, logger, grants, writer });
  const memory = new BulkWorkCollector();
  // A burst of grants leaves its garbage in the old generation; hand it back soon after.
  grants.onCommitted((n) => memory.note(n));
  const quests = new QuestService({ db, ledger, clock, audit, grants, wallets });
  // A trade, a subscription or a referral moves quests in the event's own transaction.
  platform.onApplied((fact) => quests.recordPlatform(fact));
  return {
    config,
    db,
    clock,
    logger,
    ledger,
    settings,
    awards: new AwardService({ db, ledger, settings, clock, audit }),
    platform,
    outbox,
    campaigns,
    memory,
    audit,
    members: new MembersService({ db, ledger, tiers, clock }),
    tiers,
    cards: new CardRenderer(),
    rewards,
    redemptions,
    rollup: new LedgerRollup({ db, clock }),
    flags,
    seasons: new SeasonService({ db, ledger, clock, audit, flags }),
    raffles: new RaffleService({ db, ledger, clock, audit, flags, rewards, redemptions, wallets }),
    quests,
    // Tokens are sealed under SESSION_SECRET: without the web nobody can connect.
    linkedRoles: new LinkedRoleService({
      db,
      clock,
      seal: config.web ? new TokenSeal(config.web.sessionSecret) : null,
    }),
    streaks,
    wallets,
  };
}
