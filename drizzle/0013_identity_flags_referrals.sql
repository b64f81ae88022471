CREATE TABLE `member_flags` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`source` text NOT NULL,
	`reason` text NOT NULL,
	`raised_by` text,
	`raised_at` integer NOT NULL,
	`cleared_by` text,
	`clear_reason` text,
	`cleared_at` integer,
	CONSTRAINT "member_flags_source" CHECK("member_flags"."source" = 'moderator' OR "member_flags"."source" LIKE 'auto:%'),
	CONSTRAINT "member_flags_reason" CHECK(length("member_flags"."reason") BETWEEN 1 AND 1000),
	CONSTRAINT "member_flags_cleared" CHECK(("member_flags"."cleared_at" IS NULL) = ("member_flags"."cleared_by" IS NULL) AND ("member_flags"."cleared_at" IS NULL) = ("member_flags"."clear_reason" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `member_flags_open` ON `member_flags` (`guild_id`,`user_id`) WHERE cleared_at IS NULL;--> statement-breakpoint
CREATE INDEX `member_flags_guild` ON `member_flags` (`guild_id`,`raised_at`);--> statement-breakpoint
CREATE TABLE `referral_qualification` (
	`guild_id` text NOT NULL,
	`invitee_user_id` text NOT NULL,
	`status` text NOT NULL,
	`volume_cents` integer DEFAULT 0 NOT NULL,
	`qualify_volume_cents` integer NOT NULL,
	`qualify_by` integer NOT NULL,
	`created_at` integer NOT NULL,
	`settled_at` integer,
	PRIMARY KEY(`guild_id`, `invitee_user_id`),
	CONSTRAINT "referral_qualification_status" CHECK("referral_qualification"."status" IN ('pending','qualified','lapsed')),
	CONSTRAINT "referral_qualification_numbers" CHECK("referral_qualification"."volume_cents" >= 0 AND "referral_qualification"."qualify_volume_cents" >= 0),
	CONSTRAINT "referral_qualification_settled" CHECK(("referral_qualification"."status" = 'pending') = ("referral_qualification"."settled_at" IS NULL))
);
--> statement-breakpoint
CREATE INDEX `referral_qualification_due` ON `referral_qualification` (`qualify_by`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `referral_shares` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`referrer_user_id` text NOT NULL,
	`invitee_user_id` text NOT NULL,
	`event_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`status` text NOT NULL,
	`transfer_id` integer,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`settled_at` integer,
	FOREIGN KEY (`transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "referral_shares_amount" CHECK("referral_shares"."amount" BETWEEN 1 AND 1000000000),
	CONSTRAINT "referral_shares_status" CHECK("referral_shares"."status" IN ('pending','credited','lapsed')),
	CONSTRAINT "referral_shares_settled" CHECK(("referral_shares"."status" = 'pending') = ("referral_shares"."settled_at" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_shares_event` ON `referral_shares` (`guild_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `referral_shares_invitee` ON `referral_shares` (`guild_id`,`invitee_user_id`,`status`);--> statement-breakpoint
CREATE INDEX `referral_shares_referrer` ON `referral_shares` (`guild_id`,`referrer_user_id`,`invitee_user_id`);--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `flag_min_account_days` integer;--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `flag_fresh_referrals_per_day` integer;--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `referral_qualify_volume_usd` integer;--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `referral_qualify_days` integer;