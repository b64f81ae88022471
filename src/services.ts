import { AuditQueue } from './audit.ts';
import type { Config } from './config.ts';
import type { Db } from './db/open.ts';
import { Ledger } from './ledger/ledger.ts';
import type { Clock } from './ledger/time.ts';
import type { Logger } from './log.ts';
import { AwardService } from './moderation/awards.ts';
import { SettingsService } from './settings/settings.ts';
import { RedemptionService } from './shop/redemptions.ts';
import { RewardService } from './shop/rewards.ts';

/**
 * Everything a handler may use, built once in the composition root. Features add their
 * service here; nothing in it knows about discord.js, so the same services back the
 * Discord handlers, the HTTP server, the scripts and the tests.
 */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  ledger: Ledger;
  settings: SettingsService;
  awards: AwardService;
  /** Audit-log events waiting to be posted to the guild's log channel. */
  audit: AuditQueue;
  /** The shop catalogue. */
  rewards: RewardService;
  /** Redemptions: reserve, fulfil, manual queue, recovery, timed roles. */
  redemptions: RedemptionService;
}

export function createServices(deps: { config: Config; db: Db; clock: Clock; logger: Logger }): Services {
  const { config, db, clock, logger } = deps;
  const ledger = new Ledger(db, clock);
  const settings = new SettingsService(db, config.earnDefaults, clock);
  const audit = new AuditQueue();
  const rewards = new RewardService(db, clock, audit);
  return {
    config,
    db,
    clock,
    logger,
    ledger,
    settings,
    awards: new AwardService(db, ledger, settings, clock),
    audit,
    rewards,
    redemptions: new RedemptionService(db, ledger, rewards, clock, audit),
  };
}
