CREATE TABLE `quest_completions` (
	`quest_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`period` text NOT NULL,
	`guild_id` text NOT NULL,
	`transfer_id` integer NOT NULL,
	`completed_at` integer NOT NULL,
	`role_status` text DEFAULT 'none' NOT NULL,
	`notify` text DEFAULT 'dm' NOT NULL,
	`notified_at` integer,
	PRIMARY KEY(`quest_id`, `user_id`, `period`),
	FOREIGN KEY (`quest_id`) REFERENCES `quests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `quest_completions_member` ON `quest_completions` (`guild_id`,`user_id`,`completed_at`);--> statement-breakpoint
CREATE INDEX `quest_completions_unannounced` ON `quest_completions` (`guild_id`,`completed_at`) WHERE notified_at IS NULL OR role_status = 'due';--> statement-breakpoint
CREATE TABLE `quest_progress` (
	`quest_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`period` text NOT NULL,
	`step_id` integer NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`done_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`quest_id`, `user_id`, `period`, `step_id`),
	FOREIGN KEY (`quest_id`) REFERENCES `quests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`step_id`) REFERENCES `quest_steps`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quest_progress_counts" CHECK("quest_progress"."value" >= 0 AND "quest_progress"."attempts" >= 0)
);
--> statement-breakpoint
CREATE TABLE `quest_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`quest_id` integer NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`channel_id` text,
	`message_id` text,
	`emoji_key` text,
	`emoji_display` text,
	`role_id` text,
	`count` integer,
	`volume_cents` integer,
	`prompt` text,
	`answers` text,
	`attempts` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`quest_id`) REFERENCES `quests`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quest_steps_count" CHECK("quest_steps"."count" IS NULL OR "quest_steps"."count" BETWEEN 1 AND 1000000),
	CONSTRAINT "quest_steps_volume" CHECK("quest_steps"."volume_cents" IS NULL OR "quest_steps"."volume_cents" >= 1),
	CONSTRAINT "quest_steps_attempts" CHECK("quest_steps"."attempts" IS NULL OR "quest_steps"."attempts" BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quest_steps_position` ON `quest_steps` (`quest_id`,`position`);--> statement-breakpoint
CREATE TABLE `quest_submissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`quest_id` integer NOT NULL,
	`step_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`period` text NOT NULL,
	`content` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`reviewer_id` text,
	`reason` text,
	`created_at` integer NOT NULL,
	`reviewed_at` integer,
	`notified_at` integer,
	FOREIGN KEY (`quest_id`) REFERENCES `quests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`step_id`) REFERENCES `quest_steps`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quest_submissions_length" CHECK(length("quest_submissions"."content") BETWEEN 1 AND 2000)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quest_submissions_one_pending` ON `quest_submissions` (`quest_id`,`step_id`,`user_id`,`period`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `quest_submissions_queue` ON `quest_submissions` (`guild_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `quest_submissions_member` ON `quest_submissions` (`quest_id`,`user_id`,`period`);--> statement-breakpoint
CREATE TABLE `quests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`sparks` integer NOT NULL,
	`reward_role_id` text,
	`recurrence` text DEFAULT 'once' NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`prerequisite_id` integer,
	`max_completions` integer,
	`required_role_id` text,
	`min_member_days` integer,
	`min_account_days` integer,
	`status` text DEFAULT 'draft' NOT NULL,
	`end_reason` text,
	`completions` integer DEFAULT 0 NOT NULL,
	`granted` integer DEFAULT 0 NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`published_at` integer,
	`ended_at` integer,
	FOREIGN KEY (`prerequisite_id`) REFERENCES `quests`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quests_sparks" CHECK("quests"."sparks" BETWEEN 1 AND 1000000000),
	CONSTRAINT "quests_window" CHECK("quests"."starts_at" IS NULL OR "quests"."ends_at" IS NULL OR "quests"."ends_at" > "quests"."starts_at"),
	CONSTRAINT "quests_max" CHECK("quests"."max_completions" IS NULL OR "quests"."max_completions" >= 1),
	CONSTRAINT "quests_counts" CHECK("quests"."completions" >= 0 AND "quests"."granted" >= 0),
	CONSTRAINT "quests_not_own_prerequisite" CHECK("quests"."prerequisite_id" IS NULL OR "quests"."prerequisite_id" <> "quests"."id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quests_live_name` ON `quests` (`guild_id`,`name_key`) WHERE status <> 'ended';--> statement-breakpoint
CREATE INDEX `quests_guild` ON `quests` (`guild_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `quests_status` ON `quests` (`status`);--> statement-breakpoint
ALTER TABLE `member_prefs` ADD `quest_notices` text DEFAULT 'dm' NOT NULL;