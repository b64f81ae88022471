CREATE TABLE `role_connections` (
	`user_id` text PRIMARY KEY NOT NULL,
	`guild_id` text NOT NULL,
	`username` text NOT NULL,
	`access_token` text NOT NULL,
	`refresh_token` text NOT NULL,
	`expires_at` integer NOT NULL,
	`scope` text NOT NULL,
	`member_since` integer NOT NULL,
	`pushed_values` text,
	`pushed_hash` text,
	`pushed_at` integer,
	`last_error` text,
	`last_error_at` integer,
	`connected_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "role_connections_error_length" CHECK(length("role_connections"."last_error") <= 500)
);
--> statement-breakpoint
CREATE INDEX `role_connections_guild` ON `role_connections` (`guild_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `accounts_member_ref` ON `accounts` (`ref`,`guild_id`) WHERE type = 'member';