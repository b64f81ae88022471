CREATE TABLE `ledger_account_kinds` (
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	PRIMARY KEY(`account_id`, `kind`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `ledger_day_earners` (
	`guild_id` text NOT NULL,
	`day` integer NOT NULL,
	`account_id` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `day`, `account_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_day_earners_day" CHECK(typeof("ledger_day_earners"."day") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `ledger_days` (
	`guild_id` text NOT NULL,
	`day` integer NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`entries` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `day`, `kind`),
	CONSTRAINT "ledger_days_integers" CHECK(typeof("ledger_days"."day") = 'integer' AND typeof("ledger_days"."amount") = 'integer' AND typeof("ledger_days"."entries") = 'integer'),
	CONSTRAINT "ledger_days_counts" CHECK("ledger_days"."amount" >= 0 AND "ledger_days"."entries" >= 1)
);
--> statement-breakpoint
CREATE TABLE `ledger_earner_days` (
	`guild_id` text NOT NULL,
	`day` integer NOT NULL,
	`earners` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `day`),
	CONSTRAINT "ledger_earner_days_integers" CHECK(typeof("ledger_earner_days"."day") = 'integer' AND "ledger_earner_days"."earners" >= 0)
);
--> statement-breakpoint
CREATE TABLE `ledger_earner_weeks` (
	`guild_id` text NOT NULL,
	`week` text NOT NULL,
	`earners` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `week`),
	CONSTRAINT "ledger_earner_weeks_count" CHECK(typeof("ledger_earner_weeks"."earners") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `ledger_rollup` (
	`id` integer PRIMARY KEY NOT NULL,
	`watermark` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "ledger_rollup_single" CHECK("ledger_rollup"."id" = 1),
	CONSTRAINT "ledger_rollup_watermark" CHECK(typeof("ledger_rollup"."watermark") = 'integer' AND "ledger_rollup"."watermark" >= 0)
);
--> statement-breakpoint
CREATE TABLE `ledger_week_earners` (
	`guild_id` text NOT NULL,
	`week` text NOT NULL,
	`account_id` integer NOT NULL,
	`earned` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `week`, `account_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_week_earners_integer" CHECK(typeof("ledger_week_earners"."earned") = 'integer')
);
