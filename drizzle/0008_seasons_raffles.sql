CREATE TABLE `raffle_draws` (
	`raffle_id` integer NOT NULL,
	`step` integer NOT NULL,
	`user_id` text NOT NULL,
	`ticket` integer NOT NULL,
	`outcome` text NOT NULL,
	`redemption_id` integer,
	PRIMARY KEY(`raffle_id`, `step`),
	FOREIGN KEY (`raffle_id`) REFERENCES `raffles`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`redemption_id`) REFERENCES `redemptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `raffle_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`raffle_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`count` integer NOT NULL,
	`hold_transfer_id` integer,
	`idempotency_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`raffle_id`) REFERENCES `raffles`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`hold_transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "raffle_entries_count" CHECK("raffle_entries"."count" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `raffle_entries_key` ON `raffle_entries` (`raffle_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `raffle_entries_member` ON `raffle_entries` (`raffle_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `raffles` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`reward_id` integer NOT NULL,
	`winners` integer NOT NULL,
	`entry_cost` integer NOT NULL,
	`max_entries_per_member` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`required_role_id` text,
	`min_account_days` integer,
	`commitment` text NOT NULL,
	`seed` text NOT NULL,
	`seed_revealed` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`entries` integer DEFAULT 0 NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`closed_at` integer,
	`closed_by` text,
	`announced_at` integer,
	FOREIGN KEY (`reward_id`) REFERENCES `rewards`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "raffles_winners" CHECK("raffles"."winners" BETWEEN 1 AND 100),
	CONSTRAINT "raffles_cost" CHECK("raffles"."entry_cost" BETWEEN 0 AND 1000000000),
	CONSTRAINT "raffles_max" CHECK("raffles"."max_entries_per_member" BETWEEN 1 AND 1000),
	CONSTRAINT "raffles_entries" CHECK("raffles"."entries" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `raffles_open_name` ON `raffles` (`guild_id`,`name_key`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `raffles_guild` ON `raffles` (`guild_id`,`status`,`ends_at`);--> statement-breakpoint
CREATE TABLE `season_prizes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`season_id` integer NOT NULL,
	`rank_from` integer NOT NULL,
	`rank_to` integer NOT NULL,
	`sparks` integer,
	`role_id` text,
	`badge` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`season_id`) REFERENCES `seasons`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "season_prizes_ranks" CHECK("season_prizes"."rank_from" >= 1 AND "season_prizes"."rank_to" >= "season_prizes"."rank_from" AND "season_prizes"."rank_to" <= 1000),
	CONSTRAINT "season_prizes_sparks" CHECK("season_prizes"."sparks" IS NULL OR "season_prizes"."sparks" BETWEEN 1 AND 1000000000),
	CONSTRAINT "season_prizes_something" CHECK("season_prizes"."sparks" IS NOT NULL OR "season_prizes"."role_id" IS NOT NULL OR "season_prizes"."badge" IS NOT NULL)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `season_prizes_range` ON `season_prizes` (`season_id`,`rank_from`);--> statement-breakpoint
CREATE TABLE `season_results` (
	`season_id` integer NOT NULL,
	`position` integer NOT NULL,
	`user_id` text NOT NULL,
	`score` integer NOT NULL,
	`reached_transfer_id` integer NOT NULL,
	`rank` integer,
	`skip_reason` text,
	`prize_id` integer,
	`sparks` integer,
	`sparks_transfer_id` integer,
	`role_id` text,
	`role_status` text DEFAULT 'none' NOT NULL,
	`role_failure` text,
	`badge` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`season_id`, `position`),
	FOREIGN KEY (`season_id`) REFERENCES `seasons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prize_id`) REFERENCES `season_prizes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sparks_transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "season_results_rank" CHECK(("season_results"."rank" IS NULL) <> ("season_results"."skip_reason" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `season_results_member` ON `season_results` (`season_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `season_results_user` ON `season_results` (`user_id`,`season_id`);--> statement-breakpoint
CREATE TABLE `seasons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`name` text NOT NULL,
	`sources` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`end_reason` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`frozen_at` integer,
	`ended_at` integer,
	`announced_at` integer,
	CONSTRAINT "seasons_window" CHECK("seasons"."ends_at" > "seasons"."starts_at"),
	CONSTRAINT "seasons_sources" CHECK("seasons"."sources" BETWEEN 1 AND 15)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `seasons_one_running` ON `seasons` (`guild_id`) WHERE status = 'running';--> statement-breakpoint
CREATE INDEX `seasons_guild` ON `seasons` (`guild_id`,`status`,`starts_at`);--> statement-breakpoint
CREATE INDEX `seasons_due` ON `seasons` (`status`,`ends_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`reward_id` integer NOT NULL,
	`cost` integer NOT NULL,
	`hold_transfer_id` integer,
	`source` text,
	`status` text NOT NULL,
	`input` text,
	`idempotency_key` text NOT NULL,
	`failure_code` text,
	`resolved_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`resolved_at` integer,
	`expires_at` integer,
	`role_removed_at` integer,
	`member_notified_at` integer,
	FOREIGN KEY (`reward_id`) REFERENCES `rewards`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`hold_transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "redemptions_status_values" CHECK("__new_redemptions"."status" IN ('reserved','pending_manual','fulfilled','refunded'))
);
--> statement-breakpoint
INSERT INTO `__new_redemptions`("id", "guild_id", "user_id", "reward_id", "cost", "hold_transfer_id", "source", "status", "input", "idempotency_key", "failure_code", "resolved_by", "created_at", "updated_at", "resolved_at", "expires_at", "role_removed_at", "member_notified_at") SELECT "id", "guild_id", "user_id", "reward_id", "cost", "hold_transfer_id", NULL, "status", "input", "idempotency_key", "failure_code", "resolved_by", "created_at", "updated_at", "resolved_at", "expires_at", "role_removed_at", "member_notified_at" FROM `redemptions`;--> statement-breakpoint
DROP TABLE `redemptions`;--> statement-breakpoint
ALTER TABLE `__new_redemptions` RENAME TO `redemptions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_idempotency` ON `redemptions` (`guild_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `redemptions_status_reward` ON `redemptions` (`guild_id`,`status`,`created_at`,`reward_id`,`cost`);--> statement-breakpoint
CREATE INDEX `redemptions_member` ON `redemptions` (`guild_id`,`user_id`,`reward_id`);--> statement-breakpoint
CREATE INDEX `redemptions_expiry` ON `redemptions` (`expires_at`) WHERE expires_at IS NOT NULL AND role_removed_at IS NULL;