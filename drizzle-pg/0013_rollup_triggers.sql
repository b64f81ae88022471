-- The referral funnel's trigger on PostgreSQL: the plpgsql counterpart of SQLite's
-- `referrals_funnel` (drizzle/0007_explorer_earned.sql). A new referral counts as registered
-- at once, and as traded / credited if the rollup has already folded the invitee's first
-- trade / the referrer's first referral share (entries folded later are counted by the fold,
-- PgRollupStore.foldNext, so each referral counts once whichever comes first).
--
-- One statement-level trigger over the inserted rows (a transition table) rather than one
-- per row: an AFTER ROW trigger on PostgreSQL fires once the whole statement is done, so
-- with several referrals of one referrer in a statement every row would see the others and
-- none would count the referrer as credited. Counted per statement as SQLite counts row by
-- row: a referrer is credited once, by their first referral, when no referral of theirs
-- existed before the statement.
CREATE FUNCTION sparks_referrals_funnel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
  SELECT n.guild_id, COUNT(*),
    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM ledger_traders x
                                    WHERE x.guild_id = n.guild_id AND x.user_id = n.invitee_user_id)),
    COUNT(DISTINCT n.referrer_user_id) FILTER (WHERE
      EXISTS (SELECT 1 FROM accounts a JOIN ledger_account_kinds k ON k.account_id = a.id AND k.kind = 'platform.referral'
               WHERE a.guild_id = n.guild_id AND a.type = 'member' AND a.ref = n.referrer_user_id)
      AND NOT EXISTS (SELECT 1 FROM referrals r
                       WHERE r.guild_id = n.guild_id AND r.referrer_user_id = n.referrer_user_id
                         AND NOT EXISTS (SELECT 1 FROM new_referrals m
                                          WHERE m.guild_id = r.guild_id AND m.invitee_user_id = r.invitee_user_id)))
  FROM new_referrals n
  GROUP BY n.guild_id
  ON CONFLICT (guild_id) DO UPDATE SET registered = ledger_referral_funnel.registered + excluded.registered,
    traded = ledger_referral_funnel.traded + excluded.traded,
    credited = ledger_referral_funnel.credited + excluded.credited;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER referrals_funnel AFTER INSERT ON referrals
  REFERENCING NEW TABLE AS new_referrals
  FOR EACH STATEMENT EXECUTE FUNCTION sparks_referrals_funnel();
