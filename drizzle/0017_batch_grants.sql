CREATE TABLE `batch_gate` (
	`id` integer PRIMARY KEY NOT NULL,
	CONSTRAINT "batch_gate_single" CHECK("batch_gate"."id" = 1)
);

--> statement-breakpoint
-- The derived-state triggers, gated by batch_gate, from the templates in
-- src/db/ledger-triggers.ts and src/db/rank-triggers.ts (src/scripts/ledger-triggers.ts).
DROP TRIGGER IF EXISTS `transfers_apply`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `transfers_earned`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `transfers_unearned`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `transfers_season_earned`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `transfers_season_unearned`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `earn_periods_rank_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_leave_0`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_join_0`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_leave_1`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_join_1`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_leave_2`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_balance_join_2`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_leave_0`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_join_0`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_leave_1`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_join_1`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_leave_2`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `rank_period_join_2`;
--> statement-breakpoint
CREATE TRIGGER `transfers_apply` AFTER INSERT ON `transfers`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`)
BEGIN
  UPDATE `accounts`
  SET `balance` = `balance` - NEW.`amount`,
      `lifetime_earned` = `lifetime_earned` - (CASE WHEN `type` = 'member'
        AND (SELECT a.`type` FROM `accounts` a WHERE a.`id` = NEW.`credit_account_id`) IN ('issuance', 'campaign')
        THEN NEW.`amount` ELSE 0 END)
  WHERE `id` = NEW.`debit_account_id`;
  UPDATE `accounts`
  SET `balance` = `balance` + NEW.`amount`,
      `lifetime_earned` = `lifetime_earned` + (CASE WHEN `type` = 'member'
        AND (SELECT a.`type` FROM `accounts` a WHERE a.`id` = NEW.`debit_account_id`) IN ('issuance', 'campaign')
        THEN NEW.`amount` ELSE 0 END)
  WHERE `id` = NEW.`credit_account_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_earned` AFTER INSERT ON `transfers`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`)
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) = 'member'
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) IN ('issuance', 'campaign')
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  VALUES (NEW.`guild_id`, 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch'), NEW.`credit_account_id`, NEW.`amount`,
          (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`credit_account_id`))
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  VALUES (NEW.`guild_id`, 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch'), NEW.`credit_account_id`, NEW.`amount`,
          (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`credit_account_id`))
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_unearned` AFTER INSERT ON `transfers`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`)
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) = 'member'
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) IN ('issuance', 'campaign')
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  VALUES (NEW.`guild_id`, 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch'), NEW.`debit_account_id`, -NEW.`amount`,
          (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`debit_account_id`))
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  VALUES (NEW.`guild_id`, 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch'), NEW.`debit_account_id`, -NEW.`amount`,
          (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`debit_account_id`))
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_season_earned` AFTER INSERT ON `transfers`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`)
  AND EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
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
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`)
  AND EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
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
--> statement-breakpoint
CREATE TRIGGER `earn_periods_rank_insert` AFTER INSERT ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`ranked` = 1 AND NEW.`earned` > 0
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 0, NEW.`earned`, 1),
         (NEW.`guild_id`, NEW.`period`, 1, NEW.`earned` >> 10, 1),
         (NEW.`guild_id`, NEW.`period`, 2, NEW.`earned` >> 20, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_leave_0` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR OLD.`balance` <> NEW.`balance`)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 0 AND `key` = OLD.`balance`;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_0` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR OLD.`balance` <> NEW.`balance`)
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 0, NEW.`balance`, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_leave_1` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR (OLD.`balance` >> 10) <> (NEW.`balance` >> 10))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 1 AND `key` = (OLD.`balance` >> 10);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_1` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR (OLD.`balance` >> 10) <> (NEW.`balance` >> 10))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 1, (NEW.`balance` >> 10), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_leave_2` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR (OLD.`balance` >> 20) <> (NEW.`balance` >> 20))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 2 AND `key` = (OLD.`balance` >> 20);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_2` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR (OLD.`balance` >> 20) <> (NEW.`balance` >> 20))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 2, (NEW.`balance` >> 20), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_leave_0` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR OLD.`earned` <> NEW.`earned`)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 0 AND `key` = OLD.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_0` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR OLD.`earned` <> NEW.`earned`)
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 0, NEW.`earned`, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_leave_1` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR (OLD.`earned` >> 10) <> (NEW.`earned` >> 10))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 1 AND `key` = (OLD.`earned` >> 10);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_1` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR (OLD.`earned` >> 10) <> (NEW.`earned` >> 10))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 1, (NEW.`earned` >> 10), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_leave_2` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR (OLD.`earned` >> 20) <> (NEW.`earned` >> 20))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 2 AND `key` = (OLD.`earned` >> 20);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_2` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NOT EXISTS (SELECT 1 FROM `batch_gate`) AND NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR (OLD.`earned` >> 20) <> (NEW.`earned` >> 20))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 2, (NEW.`earned` >> 20), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
