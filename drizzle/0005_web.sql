CREATE TABLE `member_prefs` (
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`leaderboard_hidden` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `user_id`),
	CONSTRAINT "member_prefs_hidden" CHECK("member_prefs"."leaderboard_hidden" IN (0, 1))
);
--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `web_leaderboard` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `rewards` ADD `image_url` text;