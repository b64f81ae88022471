-- Cheaper write path, same rules (see the Performance section of the README):
-- * No trigger runs a statement that scans: each rank-count change is a primary-key lookup
--   (the OR over the three levels made SQLite walk every score of the board, per change).
-- * No IN list of three or more constants runs per row (SQLite builds a temporary b-tree for
--   each one, every time): the close-entry triggers compare kinds one by one, and
--   rank_counts is rebuilt with its level check written as comparisons.
-- * rank_counts is WITHOUT ROWID: one b-tree per change instead of a table and its key.
-- * Windowed earnings are single-row upserts (INSERT ... VALUES), so SQLite no longer copies
--   each one through a temporary table because earn_periods has an insert trigger; the
--   balance and earnings parts of the old transfers_apply are separate triggers whose WHEN
--   skips the earnings work for entries that earn nothing (spending, holds, funding).
DROP TRIGGER `transfers_close_required`;
--> statement-breakpoint
DROP TRIGGER `transfers_close_mirrors`;
--> statement-breakpoint
DROP TRIGGER `transfers_apply`;
--> statement-breakpoint
DROP TRIGGER `accounts_rank_balance`;
--> statement-breakpoint
DROP TRIGGER `accounts_ranked_periods`;
--> statement-breakpoint
DROP TRIGGER `earn_periods_rank_update`;
--> statement-breakpoint
DROP TRIGGER `earn_periods_rank_insert`;
--> statement-breakpoint
CREATE TABLE `__new_rank_counts` (
	`guild_id` text NOT NULL,
	`board` text NOT NULL,
	`level` integer NOT NULL,
	`key` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `board`, `level`, `key`),
	CONSTRAINT "rank_counts_n" CHECK("n" >= 0),
	CONSTRAINT "rank_counts_level" CHECK("level" = 0 OR "level" = 1 OR "level" = 2)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
SELECT `guild_id`, `board`, `level`, `key`, `n` FROM `rank_counts`;
--> statement-breakpoint
DROP TABLE `rank_counts`;
--> statement-breakpoint
ALTER TABLE `__new_rank_counts` RENAME TO `rank_counts`;
--> statement-breakpoint
-- Reversals, hold posts and hold voids must name what they close ...
CREATE TRIGGER `transfers_close_required` BEFORE INSERT ON `transfers`
WHEN (NEW.`kind` = 'reversal' OR NEW.`kind` = 'hold.post' OR NEW.`kind` = 'hold.void') AND NEW.`closes_id` IS NULL
BEGIN
  SELECT RAISE(ABORT, 'SPARKS.BAD_CLOSE: reversals, hold posts and hold voids must name the entry they close');
END;
--> statement-breakpoint
-- ... and mirror it: a reversal sends at most the original amount back the way it came;
-- a hold is posted onward or voided back to the member, for exactly its amount.
CREATE TRIGGER `transfers_close_mirrors` BEFORE INSERT ON `transfers`
WHEN NEW.`closes_id` IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'SPARKS.BAD_CLOSE: a closing entry must mirror the entry it closes')
  WHERE NOT EXISTS (
    SELECT 1 FROM `transfers` t
    WHERE t.`id` = NEW.`closes_id` AND t.`guild_id` = NEW.`guild_id` AND (
      (NEW.`kind` = 'reversal' AND t.`kind` <> 'hold' AND t.`kind` <> 'hold.post' AND t.`kind` <> 'hold.void'
        AND t.`kind` <> 'reversal'
        AND NEW.`debit_account_id` = t.`credit_account_id` AND NEW.`credit_account_id` = t.`debit_account_id`
        AND NEW.`amount` <= t.`amount`)
      OR (NEW.`kind` = 'hold.post' AND t.`kind` = 'hold'
        AND NEW.`debit_account_id` = t.`credit_account_id` AND NEW.`amount` = t.`amount`)
      OR (NEW.`kind` = 'hold.void' AND t.`kind` = 'hold'
        AND NEW.`debit_account_id` = t.`credit_account_id` AND NEW.`credit_account_id` = t.`debit_account_id`
        AND NEW.`amount` = t.`amount`)
    )
  );
END;
--> statement-breakpoint
-- Balances are a cache of the journal, kept in the same statement as the entry.
-- Lifetime earned moves only on Sparks that come from (or go back to) an issuance or
-- campaign account: spending and refunds never touch it, a revoke lowers it.
CREATE TRIGGER `transfers_apply` AFTER INSERT ON `transfers`
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
-- Earnings per ISO week and calendar month (UTC) for windowed leaderboards: a member credited
-- from an issuance or campaign account earns ...
CREATE TRIGGER `transfers_earned` AFTER INSERT ON `transfers`
WHEN (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) = 'member'
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
-- ... and a member debited back to one (a revoke, a reversal) un-earns.
CREATE TRIGGER `transfers_unearned` AFTER INSERT ON `transfers`
WHEN (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) = 'member'
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
-- A member leaving (or taking an excluded role) leaves every board at once.
CREATE TRIGGER `accounts_ranked_periods` AFTER UPDATE OF `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND OLD.`ranked` <> NEW.`ranked`
BEGIN
  UPDATE `earn_periods` SET `ranked` = NEW.`ranked` WHERE `account_id` = NEW.`id`;
END;
--> statement-breakpoint
-- The all-time board counts ranked members by balance: a score leaves its old key and joins
-- its new one at each level whose key changed. One trigger per level and direction, each
-- with the exact WHEN, so a change runs only the statements it needs: a typical grant moves
-- the exact key (level 0) and seldom the coarser ones; a new member only joins.
CREATE TRIGGER `rank_balance_leave_0` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR OLD.`balance` <> NEW.`balance`)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 0 AND `key` = OLD.`balance`;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_0` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR OLD.`balance` <> NEW.`balance`)
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 0, NEW.`balance`, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_leave_1` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR (OLD.`balance` >> 10) <> (NEW.`balance` >> 10))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 1 AND `key` = (OLD.`balance` >> 10);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_1` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR (OLD.`balance` >> 10) <> (NEW.`balance` >> 10))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 1, (NEW.`balance` >> 10), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_leave_2` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND OLD.`ranked` = 1 AND OLD.`balance` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`balance` > 0) OR (OLD.`balance` >> 20) <> (NEW.`balance` >> 20))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = 'balance' AND `level` = 2 AND `key` = (OLD.`balance` >> 20);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_balance_join_2` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND NEW.`ranked` = 1 AND NEW.`balance` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`balance` > 0) OR (OLD.`balance` >> 20) <> (NEW.`balance` >> 20))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, 'balance', 2, (NEW.`balance` >> 20), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- Windowed boards count ranked members by Sparks earned in the period, the same way.
CREATE TRIGGER `rank_period_leave_0` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR OLD.`earned` <> NEW.`earned`)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 0 AND `key` = OLD.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_0` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR OLD.`earned` <> NEW.`earned`)
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 0, NEW.`earned`, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_leave_1` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR (OLD.`earned` >> 10) <> (NEW.`earned` >> 10))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 1 AND `key` = (OLD.`earned` >> 10);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_1` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR (OLD.`earned` >> 10) <> (NEW.`earned` >> 10))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 1, (NEW.`earned` >> 10), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_leave_2` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN OLD.`ranked` = 1 AND OLD.`earned` > 0 AND (NOT (NEW.`ranked` = 1 AND NEW.`earned` > 0) OR (OLD.`earned` >> 20) <> (NEW.`earned` >> 20))
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.`guild_id` AND `board` = OLD.`period` AND `level` = 2 AND `key` = (OLD.`earned` >> 20);
END;
--> statement-breakpoint
CREATE TRIGGER `rank_period_join_2` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN NEW.`ranked` = 1 AND NEW.`earned` > 0 AND (NOT (OLD.`ranked` = 1 AND OLD.`earned` > 0) OR (OLD.`earned` >> 20) <> (NEW.`earned` >> 20))
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 2, (NEW.`earned` >> 20), 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `earn_periods_rank_insert` AFTER INSERT ON `earn_periods`
WHEN NEW.`ranked` = 1 AND NEW.`earned` > 0
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  VALUES (NEW.`guild_id`, NEW.`period`, 0, NEW.`earned`, 1),
         (NEW.`guild_id`, NEW.`period`, 1, NEW.`earned` >> 10, 1),
         (NEW.`guild_id`, NEW.`period`, 2, NEW.`earned` >> 20, 1)
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
