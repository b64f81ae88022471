CREATE TABLE `campaign_gate_notices` (
	`campaign_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`gate` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `user_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `wallet_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`chain` text NOT NULL,
	`address` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `wallet_nonces_expiry` ON `wallet_nonces` (`expires_at`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`chain` text NOT NULL,
	`address` text NOT NULL,
	`nonce` text NOT NULL,
	`linked_at` integer NOT NULL,
	`unlinked_at` integer,
	CONSTRAINT "wallets_chain" CHECK("wallets"."chain" IN ('evm','solana'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_linked_address` ON `wallets` (`guild_id`,`chain`,`address`) WHERE unlinked_at IS NULL;--> statement-breakpoint
CREATE INDEX `wallets_member` ON `wallets` (`guild_id`,`user_id`,`unlinked_at`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `min_account_days` integer;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `verified_wallet` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `raffles` ADD `min_member_days` integer;--> statement-breakpoint
ALTER TABLE `raffles` ADD `verified_wallet` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `wallet_address` text;--> statement-breakpoint
ALTER TABLE `rewards` ADD `min_member_days` integer;--> statement-breakpoint
ALTER TABLE `rewards` ADD `min_account_days` integer;--> statement-breakpoint
ALTER TABLE `rewards` ADD `verified_wallet` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `rewards` ADD `requires_wallet` text;