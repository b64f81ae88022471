CREATE TABLE `rank_counts` (
	`guild_id` text NOT NULL,
	`board` text NOT NULL,
	`level` integer NOT NULL,
	`key` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `board`, `level`, `key`),
	CONSTRAINT "rank_counts_n" CHECK("rank_counts"."n" >= 0),
	CONSTRAINT "rank_counts_level" CHECK("rank_counts"."level" IN (0, 1, 2))
);
--> statement-breakpoint
DROP INDEX `earn_periods_rank`;--> statement-breakpoint
ALTER TABLE `earn_periods` ADD `ranked` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX `earn_periods_ranked` ON `earn_periods` (`guild_id`,`period`,"earned" DESC,`account_id`) WHERE ranked = 1 AND earned > 0;--> statement-breakpoint
CREATE INDEX `earn_periods_account` ON `earn_periods` (`account_id`);