-- Ledger rules the database enforces itself, so that no code path (or a hand-run
-- sqlite3 session that keeps the triggers) can break them.

-- Append-only journal: an entry is never updated or deleted.
CREATE TRIGGER `transfers_no_update` BEFORE UPDATE ON `transfers`
BEGIN
  SELECT RAISE(ABORT, 'SPARKS.APPEND_ONLY: ledger entries are never updated; post a reversal instead');
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_no_delete` BEFORE DELETE ON `transfers`
BEGIN
  SELECT RAISE(ABORT, 'SPARKS.APPEND_ONLY: ledger entries are never deleted; post a reversal instead');
END;
--> statement-breakpoint
-- Reversals, hold posts and hold voids must name what they close ...
CREATE TRIGGER `transfers_close_required` BEFORE INSERT ON `transfers`
WHEN NEW.`kind` IN ('reversal', 'hold.post', 'hold.void') AND NEW.`closes_id` IS NULL
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
      (NEW.`kind` = 'reversal' AND t.`kind` NOT IN ('hold', 'hold.post', 'hold.void', 'reversal')
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
  -- Earnings per ISO week and calendar month (UTC) for windowed leaderboards.
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`)
  SELECT NEW.`guild_id`, p.`period`, NEW.`credit_account_id`, NEW.`amount`
  FROM (SELECT 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch') AS `period`
        UNION ALL SELECT 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch')) p
  WHERE (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) = 'member'
    AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) IN ('issuance', 'campaign')
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`)
  SELECT NEW.`guild_id`, p.`period`, NEW.`debit_account_id`, -NEW.`amount`
  FROM (SELECT 'w:' || strftime('%G-%V', NEW.`created_at` / 1000, 'unixepoch') AS `period`
        UNION ALL SELECT 'm:' || strftime('%Y-%m', NEW.`created_at` / 1000, 'unixepoch')) p
  WHERE (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) = 'member'
    AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) IN ('issuance', 'campaign')
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
