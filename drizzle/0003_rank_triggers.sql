-- Leaderboard rank counts (see rank_counts in schema.ts). Triggers keep them in the same
-- transaction as the balance or rollup change; the backfill at the end covers existing data.

DROP TRIGGER `transfers_apply`;
--> statement-breakpoint
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
  -- Earnings per ISO week and calendar month (UTC) for windowed leaderboards.
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, p.`period`, NEW.`credit_account_id`, NEW.`amount`, m.`ranked`
  FROM (SELECT 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch') AS `period`
        UNION ALL SELECT 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch')) p
  JOIN `accounts` m ON m.`id` = NEW.`credit_account_id` AND m.`type` = 'member'
  WHERE (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) IN ('issuance', 'campaign')
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, p.`period`, NEW.`debit_account_id`, -NEW.`amount`, m.`ranked`
  FROM (SELECT 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch') AS `period`
        UNION ALL SELECT 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch')) p
  JOIN `accounts` m ON m.`id` = NEW.`debit_account_id` AND m.`type` = 'member'
  WHERE (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) IN ('issuance', 'campaign')
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
-- The all-time board counts ranked members by balance.
CREATE TRIGGER `accounts_rank_balance` AFTER UPDATE OF `balance`, `ranked` ON `accounts`
WHEN NEW.`type` = 'member' AND (OLD.balance <> NEW.balance OR OLD.ranked <> NEW.ranked)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.guild_id AND `board` = 'balance' AND ((`level` = 0 AND `key` = (OLD.balance >> 0) AND (OLD.ranked = 1 AND OLD.balance > 0 AND (NOT (NEW.ranked = 1 AND NEW.balance > 0) OR (OLD.balance >> 0) <> (NEW.balance >> 0)))) OR (`level` = 1 AND `key` = (OLD.balance >> 10) AND (OLD.ranked = 1 AND OLD.balance > 0 AND (NOT (NEW.ranked = 1 AND NEW.balance > 0) OR (OLD.balance >> 10) <> (NEW.balance >> 10)))) OR (`level` = 2 AND `key` = (OLD.balance >> 20) AND (OLD.ranked = 1 AND OLD.balance > 0 AND (NOT (NEW.ranked = 1 AND NEW.balance > 0) OR (OLD.balance >> 20) <> (NEW.balance >> 20)))));
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  SELECT NEW.guild_id, 'balance', l.level, l.key, 1 FROM (SELECT 0 AS level, NEW.balance >> 0 AS key WHERE (NEW.ranked = 1 AND NEW.balance > 0 AND (NOT (OLD.ranked = 1 AND OLD.balance > 0) OR (OLD.balance >> 0) <> (NEW.balance >> 0))) UNION ALL SELECT 1 AS level, NEW.balance >> 10 AS key WHERE (NEW.ranked = 1 AND NEW.balance > 0 AND (NOT (OLD.ranked = 1 AND OLD.balance > 0) OR (OLD.balance >> 10) <> (NEW.balance >> 10))) UNION ALL SELECT 2 AS level, NEW.balance >> 20 AS key WHERE (NEW.ranked = 1 AND NEW.balance > 0 AND (NOT (OLD.ranked = 1 AND OLD.balance > 0) OR (OLD.balance >> 20) <> (NEW.balance >> 20)))) l WHERE true
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- Windowed boards count ranked members by Sparks earned in the period.
CREATE TRIGGER `earn_periods_rank_update` AFTER UPDATE OF `earned`, `ranked` ON `earn_periods`
WHEN (OLD.earned <> NEW.earned OR OLD.ranked <> NEW.ranked)
BEGIN
  UPDATE `rank_counts` SET `n` = `n` - 1
  WHERE `guild_id` = OLD.guild_id AND `board` = OLD.period AND ((`level` = 0 AND `key` = (OLD.earned >> 0) AND (OLD.ranked = 1 AND OLD.earned > 0 AND (NOT (NEW.ranked = 1 AND NEW.earned > 0) OR (OLD.earned >> 0) <> (NEW.earned >> 0)))) OR (`level` = 1 AND `key` = (OLD.earned >> 10) AND (OLD.ranked = 1 AND OLD.earned > 0 AND (NOT (NEW.ranked = 1 AND NEW.earned > 0) OR (OLD.earned >> 10) <> (NEW.earned >> 10)))) OR (`level` = 2 AND `key` = (OLD.earned >> 20) AND (OLD.ranked = 1 AND OLD.earned > 0 AND (NOT (NEW.ranked = 1 AND NEW.earned > 0) OR (OLD.earned >> 20) <> (NEW.earned >> 20)))));
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  SELECT NEW.guild_id, NEW.period, l.level, l.key, 1 FROM (SELECT 0 AS level, NEW.earned >> 0 AS key WHERE (NEW.ranked = 1 AND NEW.earned > 0 AND (NOT (OLD.ranked = 1 AND OLD.earned > 0) OR (OLD.earned >> 0) <> (NEW.earned >> 0))) UNION ALL SELECT 1 AS level, NEW.earned >> 10 AS key WHERE (NEW.ranked = 1 AND NEW.earned > 0 AND (NOT (OLD.ranked = 1 AND OLD.earned > 0) OR (OLD.earned >> 10) <> (NEW.earned >> 10))) UNION ALL SELECT 2 AS level, NEW.earned >> 20 AS key WHERE (NEW.ranked = 1 AND NEW.earned > 0 AND (NOT (OLD.ranked = 1 AND OLD.earned > 0) OR (OLD.earned >> 20) <> (NEW.earned >> 20)))) l WHERE true
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `earn_periods_rank_insert` AFTER INSERT ON `earn_periods`
WHEN NEW.`ranked` = 1 AND NEW.`earned` > 0
BEGIN
  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
  SELECT NEW.`guild_id`, NEW.`period`, l.level, l.key, 1
  FROM (SELECT 0 AS level, NEW.`earned` AS key UNION ALL SELECT 1, NEW.`earned` >> 10 UNION ALL SELECT 2, NEW.`earned` >> 20) l
  WHERE true
  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
UPDATE `earn_periods` SET `ranked` = (SELECT a.`ranked` FROM `accounts` a WHERE a.`id` = `earn_periods`.`account_id`);
--> statement-breakpoint
INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
SELECT `guild_id`, 'balance', l.level, `balance` >> l.shift, COUNT(*)
FROM `accounts`, (SELECT 0 AS level, 0 AS shift UNION ALL SELECT 1, 10 UNION ALL SELECT 2, 20) l
WHERE `type` = 'member' AND `ranked` = 1 AND `balance` > 0
GROUP BY `guild_id`, l.level, `balance` >> l.shift;
--> statement-breakpoint
INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)
SELECT `guild_id`, `period`, l.level, `earned` >> l.shift, COUNT(*)
FROM `earn_periods`, (SELECT 0 AS level, 0 AS shift UNION ALL SELECT 1, 10 UNION ALL SELECT 2, 20) l
WHERE `ranked` = 1 AND `earned` > 0
GROUP BY `guild_id`, `period`, l.level, `earned` >> l.shift;
