CREATE TABLE `member_streaks` (
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`current` integer NOT NULL,
	`best` integer NOT NULL,
	`last_day` integer NOT NULL,
	`started_day` integer NOT NULL,
	`freezes_held` integer NOT NULL,
	`freezes_used` integer NOT NULL,
	`freeze_seen` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `user_id`),
	CONSTRAINT "member_streaks_counts" CHECK(typeof("member_streaks"."current") = 'integer' AND "member_streaks"."current" >= 0 AND "member_streaks"."best" >= "member_streaks"."current" AND "member_streaks"."freezes_used" >= 0),
	CONSTRAINT "member_streaks_days" CHECK(typeof("member_streaks"."last_day") = 'integer' AND "member_streaks"."started_day" <= "member_streaks"."last_day"),
	CONSTRAINT "member_streaks_freezes" CHECK("member_streaks"."freezes_held" BETWEEN 0 AND 2)
);
--> statement-breakpoint
CREATE TABLE `streak_fold` (
	`id` integer PRIMARY KEY NOT NULL,
	`watermark` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "streak_fold_single" CHECK("streak_fold"."id" = 1),
	CONSTRAINT "streak_fold_watermark" CHECK(typeof("streak_fold"."watermark") = 'integer' AND "streak_fold"."watermark" >= 0)
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_rewards` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`cost` integer NOT NULL,
	`kind` text NOT NULL,
	`role_id` text,
	`stock` integer,
	`per_member_limit` integer,
	`duration_seconds` integer,
	`input_label` text,
	`input_kind` text,
	`image_url` text,
	`required_role_id` text,
	`enabled` integer DEFAULT 1 NOT NULL,
	`disabled_reason` text,
	`removed_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "rewards_cost" CHECK("__new_rewards"."cost" BETWEEN 1 AND 1000000000),
	CONSTRAINT "rewards_stock" CHECK("__new_rewards"."stock" IS NULL OR "__new_rewards"."stock" >= 0),
	CONSTRAINT "rewards_limit" CHECK("__new_rewards"."per_member_limit" IS NULL OR "__new_rewards"."per_member_limit" >= 1),
	CONSTRAINT "rewards_kind" CHECK("__new_rewards"."kind" IN ('role','badge','manual','streak_freeze')),
	CONSTRAINT "rewards_role_kind" CHECK("__new_rewards"."kind" <> 'role' OR "__new_rewards"."role_id" IS NOT NULL)
);
--> statement-breakpoint
INSERT INTO `__new_rewards`("id", "guild_id", "name", "name_key", "description", "cost", "kind", "role_id", "stock", "per_member_limit", "duration_seconds", "input_label", "input_kind", "image_url", "required_role_id", "enabled", "disabled_reason", "removed_at", "created_by", "created_at", "updated_at") SELECT "id", "guild_id", "name", "name_key", "description", "cost", "kind", "role_id", "stock", "per_member_limit", "duration_seconds", "input_label", "input_kind", "image_url", "required_role_id", "enabled", "disabled_reason", "removed_at", "created_by", "created_at", "updated_at" FROM `rewards`;--> statement-breakpoint
DROP TABLE `rewards`;--> statement-breakpoint
ALTER TABLE `__new_rewards` RENAME TO `rewards`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `rewards_live_name` ON `rewards` (`guild_id`,`name_key`) WHERE removed_at IS NULL;--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `streak_milestones` text;
--> statement-breakpoint
-- Streak milestone bonuses (minted from the issuance account 'streak') count for a season as
-- the quests source (2), like quest rewards: the season triggers of 0009 again, with that one
-- change. src/seasons/sources.ts and SeasonStore.reached keep the same mapping.
DROP TRIGGER `transfers_season_earned`;
--> statement-breakpoint
DROP TRIGGER `transfers_season_unearned`;
--> statement-breakpoint
CREATE TRIGGER `transfers_season_earned` AFTER INSERT ON `transfers`
WHEN EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) = 'member'
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, 's:' || s.`id`, NEW.`credit_account_id`, NEW.`amount`,
         (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`credit_account_id`)
  FROM `seasons` s JOIN `accounts` d ON d.`id` = NEW.`debit_account_id`
  WHERE s.`guild_id` = NEW.`guild_id` AND s.`status` = 'running'
    AND NEW.`created_at` >= s.`starts_at` AND NEW.`created_at` < s.`ends_at`
    AND (s.`sources` & (CASE WHEN d.`type` = 'campaign' THEN 1 WHEN d.`type` <> 'issuance' THEN 0
                             WHEN d.`ref` = 'campaign' THEN 1 WHEN d.`ref` IN ('quest', 'streak') THEN 2 WHEN d.`ref` = 'platform' THEN 4
                             WHEN d.`ref` = 'award' THEN 8 ELSE 0 END)) <> 0
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_season_unearned` AFTER INSERT ON `transfers`
WHEN EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) = 'member'
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, 's:' || s.`id`, NEW.`debit_account_id`, -NEW.`amount`,
         (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`debit_account_id`)
  FROM `seasons` s JOIN `accounts` c ON c.`id` = NEW.`credit_account_id`
  WHERE s.`guild_id` = NEW.`guild_id` AND s.`status` = 'running'
    AND NEW.`created_at` >= s.`starts_at` AND NEW.`created_at` < s.`ends_at`
    AND (s.`sources` & (CASE WHEN c.`type` = 'campaign' THEN 1 WHEN c.`type` <> 'issuance' THEN 0
                             WHEN c.`ref` = 'campaign' THEN 1 WHEN c.`ref` IN ('quest', 'streak') THEN 2 WHEN c.`ref` = 'platform' THEN 4
                             WHEN c.`ref` = 'award' THEN 8 ELSE 0 END)) <> 0
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
