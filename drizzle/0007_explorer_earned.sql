CREATE TABLE `ledger_account_earned` (
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`sparks` integer NOT NULL,
	PRIMARY KEY(`account_id`, `kind`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_account_earned_integer" CHECK(typeof("ledger_account_earned"."sparks") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `ledger_referral_funnel` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`registered` integer NOT NULL,
	`traded` integer NOT NULL,
	`credited` integer NOT NULL,
	CONSTRAINT "ledger_referral_funnel_counts" CHECK("ledger_referral_funnel"."registered" >= 0 AND "ledger_referral_funnel"."traded" >= 0 AND "ledger_referral_funnel"."credited" >= 0)
);
--> statement-breakpoint
CREATE TABLE `ledger_traders` (
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`guild_id`, `user_id`)
);
--> statement-breakpoint
DROP INDEX `redemptions_status`;--> statement-breakpoint
CREATE INDEX `redemptions_status_reward` ON `redemptions` (`guild_id`,`status`,`created_at`,`reward_id`,`cost`);--> statement-breakpoint
DROP INDEX `transfers_guild_id`;--> statement-breakpoint
DROP INDEX `transfers_actor_day`;--> statement-breakpoint
CREATE INDEX `transfers_guild_time` ON `transfers` (`guild_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `transfers_guild_kind_time` ON `transfers` (`guild_id`,`kind`,`created_at`,`id`);--> statement-breakpoint
-- The rollup gains ledger_account_earned, ledger_traders and ledger_referral_funnel, which
-- must cover the same entries as the other rollup tables: they are derived data, so all
-- start over and the rollup timer refolds the journal in the background (5,000 entries a
-- transaction); readers add what lies past the watermark, so every figure stays exact while
-- it does. The funnel starts from the referrals there are; the fold adds their trades and
-- shares as it reaches them.
DELETE FROM `ledger_days`;--> statement-breakpoint
DELETE FROM `ledger_day_earners`;--> statement-breakpoint
DELETE FROM `ledger_earner_days`;--> statement-breakpoint
DELETE FROM `ledger_week_earners`;--> statement-breakpoint
DELETE FROM `ledger_earner_weeks`;--> statement-breakpoint
DELETE FROM `ledger_account_kinds`;--> statement-breakpoint
DELETE FROM `ledger_rollup`;--> statement-breakpoint
INSERT INTO `ledger_referral_funnel` (guild_id, registered, traded, credited)
  SELECT guild_id, COUNT(*), 0, 0 FROM referrals GROUP BY guild_id;--> statement-breakpoint
-- A new referral counts as registered at once, and as traded or credited if the rollup has
-- already folded its invitee's first trade or its referrer's first share (otherwise the fold
-- counts it when it gets there). A referrer is credited once, however many invitees they have.
CREATE TRIGGER referrals_funnel AFTER INSERT ON referrals BEGIN
  INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
  VALUES (
    NEW.guild_id,
    1,
    EXISTS (SELECT 1 FROM ledger_traders x WHERE x.guild_id = NEW.guild_id AND x.user_id = NEW.invitee_user_id),
    EXISTS (SELECT 1 FROM accounts a JOIN ledger_account_kinds k ON k.account_id = a.id AND k.kind = 'platform.referral'
             WHERE a.guild_id = NEW.guild_id AND a.type = 'member' AND a.ref = NEW.referrer_user_id)
      AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.guild_id = NEW.guild_id
                        AND r.referrer_user_id = NEW.referrer_user_id AND r.invitee_user_id <> NEW.invitee_user_id)
  )
  ON CONFLICT (guild_id) DO UPDATE SET registered = registered + 1,
    traded = traded + excluded.traded, credited = credited + excluded.credited;
END;
