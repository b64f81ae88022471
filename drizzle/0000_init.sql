CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`type` text NOT NULL,
	`ref` text NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`lifetime_earned` integer DEFAULT 0 NOT NULL,
	`ranked` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "accounts_type" CHECK("accounts"."type" IN ('member','issuance','campaign','hold','redeemed')),
	CONSTRAINT "accounts_balance_integer" CHECK(typeof("accounts"."balance") = 'integer' AND typeof("accounts"."lifetime_earned") = 'integer'),
	CONSTRAINT "accounts_balance_range" CHECK(("accounts"."type" = 'issuance' AND "accounts"."balance" BETWEEN -9007199254740991 AND 0) OR ("accounts"."type" <> 'issuance' AND "accounts"."balance" BETWEEN 0 AND 9007199254740991)),
	CONSTRAINT "accounts_lifetime_range" CHECK("accounts"."lifetime_earned" BETWEEN 0 AND 9007199254740991),
	CONSTRAINT "accounts_ranked_bool" CHECK("accounts"."ranked" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_guild_type_ref` ON `accounts` (`guild_id`,`type`,`ref`);--> statement-breakpoint
CREATE INDEX `accounts_rank_balance` ON `accounts` (`guild_id`,"balance" DESC,`id`) WHERE type = 'member' AND ranked = 1;--> statement-breakpoint
CREATE INDEX `accounts_rank_lifetime` ON `accounts` (`guild_id`,"lifetime_earned" DESC,`id`) WHERE type = 'member' AND ranked = 1;--> statement-breakpoint
CREATE TABLE `campaign_claims` (
	`campaign_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`transfer_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `user_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`message_id` text NOT NULL,
	`emoji_key` text NOT NULL,
	`emoji_display` text NOT NULL,
	`name` text NOT NULL,
	`sparks` integer NOT NULL,
	`ends_at` integer,
	`max_claims` integer,
	`budget` integer,
	`required_role_id` text,
	`min_member_days` integer,
	`revoke_on_unreact` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`end_reason` text,
	`claims` integer DEFAULT 0 NOT NULL,
	`granted` integer DEFAULT 0 NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`ended_at` integer,
	`summary_posted_at` integer,
	CONSTRAINT "campaigns_sparks" CHECK("campaigns"."sparks" BETWEEN 1 AND 1000000000),
	CONSTRAINT "campaigns_caps" CHECK(("campaigns"."max_claims" IS NULL OR "campaigns"."max_claims" >= 1) AND ("campaigns"."budget" IS NULL OR "campaigns"."budget" >= 1)),
	CONSTRAINT "campaigns_counts" CHECK("campaigns"."claims" >= 0 AND "campaigns"."granted" >= 0)
);
--> statement-breakpoint
CREATE INDEX `campaigns_message` ON `campaigns` (`guild_id`,`message_id`,`status`);--> statement-breakpoint
CREATE INDEX `campaigns_status` ON `campaigns` (`status`,`ends_at`);--> statement-breakpoint
CREATE TABLE `earn_periods` (
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`account_id` integer NOT NULL,
	`earned` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `period`, `account_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "earn_periods_integer" CHECK(typeof("earn_periods"."earned") = 'integer')
);
--> statement-breakpoint
CREATE INDEX `earn_periods_rank` ON `earn_periods` (`guild_id`,`period`,"earned" DESC,`account_id`);--> statement-breakpoint
CREATE TABLE `guild_settings` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`log_channel_id` text,
	`moderator_role_id` text,
	`daily_award_limit` integer,
	`leaderboard_exclude_role_id` text,
	`images_enabled` integer DEFAULT 1 NOT NULL,
	`trade_sparks_per_100_usd` integer,
	`subscription_sparks` integer,
	`subscription_plan_sparks` text,
	`first_subscription_bonus` integer,
	`referral_trade_share_pct` integer,
	`referral_first_sub_pct` integer,
	`platform_daily_cap` integer,
	`manual_stale_hours` integer,
	`updated_at` integer NOT NULL,
	CONSTRAINT "guild_settings_daily_limit" CHECK("guild_settings"."daily_award_limit" IS NULL OR "guild_settings"."daily_award_limit" >= 1),
	CONSTRAINT "guild_settings_images" CHECK("guild_settings"."images_enabled" IN (0, 1)),
	CONSTRAINT "guild_settings_rates" CHECK(("guild_settings"."trade_sparks_per_100_usd" IS NULL OR "guild_settings"."trade_sparks_per_100_usd" BETWEEN 0 AND 1000000)
      AND ("guild_settings"."subscription_sparks" IS NULL OR "guild_settings"."subscription_sparks" BETWEEN 0 AND 1000000000)
      AND ("guild_settings"."first_subscription_bonus" IS NULL OR "guild_settings"."first_subscription_bonus" BETWEEN 0 AND 1000000000)
      AND ("guild_settings"."referral_trade_share_pct" IS NULL OR "guild_settings"."referral_trade_share_pct" BETWEEN 0 AND 100)
      AND ("guild_settings"."referral_first_sub_pct" IS NULL OR "guild_settings"."referral_first_sub_pct" BETWEEN 0 AND 100)
      AND ("guild_settings"."platform_daily_cap" IS NULL OR "guild_settings"."platform_daily_cap" >= 1))
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`delivered_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`next_attempt_at`) WHERE delivered_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_member` ON `outbox` (`guild_id`,`user_id`,`id`);--> statement-breakpoint
CREATE TABLE `platform_events` (
	`id` text PRIMARY KEY NOT NULL,
	`guild_id` text NOT NULL,
	`type` text NOT NULL,
	`payload_hash` text NOT NULL,
	`sparks` integer DEFAULT 0 NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `platform_events_guild` ON `platform_events` (`guild_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`reward_id` integer NOT NULL,
	`cost` integer NOT NULL,
	`hold_transfer_id` integer NOT NULL,
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
	CONSTRAINT "redemptions_status_values" CHECK("redemptions"."status" IN ('reserved','pending_manual','fulfilled','refunded'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_idempotency` ON `redemptions` (`guild_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `redemptions_status` ON `redemptions` (`guild_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `redemptions_member` ON `redemptions` (`guild_id`,`user_id`,`reward_id`);--> statement-breakpoint
CREATE INDEX `redemptions_expiry` ON `redemptions` (`expires_at`) WHERE expires_at IS NOT NULL AND role_removed_at IS NULL;--> statement-breakpoint
CREATE TABLE `referrals` (
	`guild_id` text NOT NULL,
	`invitee_user_id` text NOT NULL,
	`referrer_user_id` text NOT NULL,
	`event_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `invitee_user_id`),
	CONSTRAINT "referrals_not_self" CHECK("referrals"."invitee_user_id" <> "referrals"."referrer_user_id")
);
--> statement-breakpoint
CREATE INDEX `referrals_referrer` ON `referrals` (`guild_id`,`referrer_user_id`);--> statement-breakpoint
CREATE TABLE `rewards` (
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
	`required_role_id` text,
	`enabled` integer DEFAULT 1 NOT NULL,
	`disabled_reason` text,
	`removed_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "rewards_cost" CHECK("rewards"."cost" BETWEEN 1 AND 1000000000),
	CONSTRAINT "rewards_stock" CHECK("rewards"."stock" IS NULL OR "rewards"."stock" >= 0),
	CONSTRAINT "rewards_limit" CHECK("rewards"."per_member_limit" IS NULL OR "rewards"."per_member_limit" >= 1),
	CONSTRAINT "rewards_kind" CHECK("rewards"."kind" IN ('role','badge','manual')),
	CONSTRAINT "rewards_role_kind" CHECK("rewards"."kind" <> 'role' OR "rewards"."role_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rewards_live_name` ON `rewards` (`guild_id`,`name_key`) WHERE removed_at IS NULL;--> statement-breakpoint
CREATE TABLE `tier_grants` (
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role_id` text NOT NULL,
	`status` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `user_id`, `role_id`)
);
--> statement-breakpoint
CREATE TABLE `tier_roles` (
	`guild_id` text NOT NULL,
	`role_id` text NOT NULL,
	`threshold` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `role_id`),
	CONSTRAINT "tier_roles_threshold_range" CHECK("tier_roles"."threshold" BETWEEN 1 AND 9007199254740991)
);
--> statement-breakpoint
CREATE INDEX `tier_roles_threshold` ON `tier_roles` (`guild_id`,`threshold`);--> statement-breakpoint
CREATE TABLE `transfers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`kind` text NOT NULL,
	`debit_account_id` integer NOT NULL,
	`credit_account_id` integer NOT NULL,
	`amount` integer NOT NULL,
	`idempotency_key` text NOT NULL,
	`closes_id` integer,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`ref` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`debit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`closes_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transfers_amount" CHECK(typeof("transfers"."amount") = 'integer' AND "transfers"."amount" BETWEEN 1 AND 1000000000),
	CONSTRAINT "transfers_distinct_accounts" CHECK("transfers"."debit_account_id" <> "transfers"."credit_account_id"),
	CONSTRAINT "transfers_created_at" CHECK(typeof("transfers"."created_at") = 'integer' AND "transfers"."created_at" > 0),
	CONSTRAINT "transfers_kind" CHECK("transfers"."kind" IN ('award','revoke','campaign.fund','campaign.grant','campaign.return','platform.trade','platform.subscription','platform.referral','hold','hold.post','hold.void','reversal')),
	CONSTRAINT "transfers_reason_length" CHECK(length("transfers"."reason") <= 1000)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transfers_idempotency` ON `transfers` (`guild_id`,`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `transfers_closes_once` ON `transfers` (`closes_id`);--> statement-breakpoint
CREATE INDEX `transfers_debit` ON `transfers` (`debit_account_id`,`id`);--> statement-breakpoint
CREATE INDEX `transfers_credit` ON `transfers` (`credit_account_id`,`id`);--> statement-breakpoint
CREATE INDEX `transfers_guild_id` ON `transfers` (`guild_id`,`id`);--> statement-breakpoint
CREATE INDEX `transfers_actor_day` ON `transfers` (`guild_id`,`kind`,`actor_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `transfers_ref` ON `transfers` (`ref`);