-- A running season's board: Sparks a member earns inside the season's window, from the
-- sources it counts, land in earn_periods under period 's:<season id>' in the same statement
-- as the entry (like the 'w:' and 'm:' rows of transfers_earned), so the rank_* triggers and
-- accounts_ranked_periods keep its histogram and ranked flag. The source is the other side
-- of the entry: a campaign budget or the issuance account 'campaign' → campaigns (1), the issuance account 'quest' → quests (2),
-- 'platform' → platform (4), 'award' → awards (8); anything else (a season's own prizes) counts
-- for no season. src/seasons/sources.ts holds the same mapping (tests/seasons pins them).
CREATE TRIGGER `transfers_season_earned` AFTER INSERT ON `transfers`
WHEN EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`credit_account_id`) = 'member'
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, 's:' || s.`id`, NEW.`credit_account_id`, NEW.`amount`,
         (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`credit_account_id`)
  FROM `seasons` s JOIN `accounts` d ON d.`id` = NEW.`debit_account_id`
  WHERE s.`guild_id` = NEW.`guild_id` AND s.`status` = 'running'
    AND NEW.`created_at` >= s.`starts_at` AND NEW.`created_at` < s.`ends_at`
    AND (s.`sources` & (CASE WHEN d.`type` = 'campaign' THEN 1 WHEN d.`type` <> 'issuance' THEN 0
                             WHEN d.`ref` = 'campaign' THEN 1 WHEN d.`ref` = 'quest' THEN 2 WHEN d.`ref` = 'platform' THEN 4
                             WHEN d.`ref` = 'award' THEN 8 ELSE 0 END)) <> 0
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_season_unearned` AFTER INSERT ON `transfers`
WHEN EXISTS (SELECT 1 FROM `seasons` WHERE `guild_id` = NEW.`guild_id` AND `status` = 'running')
  AND (SELECT `type` FROM `accounts` WHERE `id` = NEW.`debit_account_id`) = 'member'
BEGIN
  INSERT INTO `earn_periods` (`guild_id`, `period`, `account_id`, `earned`, `ranked`)
  SELECT NEW.`guild_id`, 's:' || s.`id`, NEW.`debit_account_id`, -NEW.`amount`,
         (SELECT `ranked` FROM `accounts` WHERE `id` = NEW.`debit_account_id`)
  FROM `seasons` s JOIN `accounts` c ON c.`id` = NEW.`credit_account_id`
  WHERE s.`guild_id` = NEW.`guild_id` AND s.`status` = 'running'
    AND NEW.`created_at` >= s.`starts_at` AND NEW.`created_at` < s.`ends_at`
    AND (s.`sources` & (CASE WHEN c.`type` = 'campaign' THEN 1 WHEN c.`type` <> 'issuance' THEN 0
                             WHEN c.`ref` = 'campaign' THEN 1 WHEN c.`ref` = 'quest' THEN 2 WHEN c.`ref` = 'platform' THEN 4
                             WHEN c.`ref` = 'award' THEN 8 ELSE 0 END)) <> 0
  ON CONFLICT (`guild_id`, `period`, `account_id`) DO UPDATE SET `earned` = `earned` + excluded.`earned`;
END;
