-- The ledger's rules on PostgreSQL, enforced by the database itself (SPEC §5, §12): the
-- plpgsql counterparts of the SQLite triggers (drizzle/0001, 0004, 0009, 0011), written so
-- that no code path, no hand-run psql session and no superuser writing plain SQL can break
-- them. Each error carries a CONSTRAINT name the stores translate into a SparksError:
--   transfers_append_only     (23000) UPDATE, DELETE or TRUNCATE of the journal
--   transfers_close_required  (23514) a reversal, hold post or hold void naming nothing
--   transfers_close_mirrors   (23514) a closing entry that does not mirror what it closes
--   transfers_same_guild      (23514) an entry between accounts of another guild
--   accounts_derived, earn_periods_derived, rank_counts_derived (23000)
--                                     a write of what only the triggers derive
-- besides the tables' own CHECKs (accounts_balance_range: no account but issuance below
-- zero, which is the "no negative available balance" rule) and unique indexes
-- (transfers_idempotency, transfers_closes_once).
--
-- Concurrency: an entry updates its two accounts' rows, the lower id first, so two entries
-- over the same accounts queue on the row locks in one order; the balance CHECK is then
-- evaluated on the row each one finds after the other committed. A member's available
-- balance therefore cannot go below zero however many connections spend at once.
--
-- The append-only triggers are ENABLE ALWAYS: they fire under session_replication_role =
-- replica too. The others are ordinary triggers: a logical-replication subscriber applies
-- the balances its publisher computed instead of computing them again.
--
-- A later migration that rewrites a derived table (a backfill) disables its *_derived
-- trigger around the rewrite, inside its own transaction.

-- Append-only journal: an entry is never updated or deleted, and the table never truncated.
CREATE FUNCTION sparks_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SPARKS.APPEND_ONLY: ledger entries are never %; post a reversal instead',
    CASE TG_OP WHEN 'UPDATE' THEN 'updated' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END
    USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'transfers_append_only', TABLE = TG_TABLE_NAME;
END $$;
--> statement-breakpoint
CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION sparks_journal_append_only();
--> statement-breakpoint
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION sparks_journal_append_only();
--> statement-breakpoint
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION sparks_journal_append_only();
--> statement-breakpoint
ALTER TABLE transfers ENABLE ALWAYS TRIGGER transfers_no_update;
--> statement-breakpoint
ALTER TABLE transfers ENABLE ALWAYS TRIGGER transfers_no_delete;
--> statement-breakpoint
ALTER TABLE transfers ENABLE ALWAYS TRIGGER transfers_no_truncate;
--> statement-breakpoint
-- Reversals, hold posts and hold voids must name what they close ...
CREATE FUNCTION sparks_close_required() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SPARKS.BAD_CLOSE: reversals, hold posts and hold voids must name the entry they close'
    USING ERRCODE = 'check_violation', CONSTRAINT = 'transfers_close_required', TABLE = 'transfers';
END $$;
--> statement-breakpoint
CREATE TRIGGER transfers_close_required BEFORE INSERT ON transfers FOR EACH ROW
  WHEN (NEW.kind IN ('reversal', 'hold.post', 'hold.void') AND NEW.closes_id IS NULL)
  EXECUTE FUNCTION sparks_close_required();
--> statement-breakpoint
-- ... and mirror it: a reversal sends at most the original amount back the way it came (and
-- reverses no hold, hold close or reversal); a hold is posted onward or voided back to the
-- member, for exactly its amount. That it is closed at most once is transfers_closes_once.
CREATE FUNCTION sparks_close_mirrors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM transfers t
  WHERE t.id = NEW.closes_id AND t.guild_id = NEW.guild_id AND (
    (NEW.kind = 'reversal' AND t.kind NOT IN ('hold', 'hold.post', 'hold.void', 'reversal')
      AND NEW.debit_account_id = t.credit_account_id AND NEW.credit_account_id = t.debit_account_id
      AND NEW.amount <= t.amount)
    OR (NEW.kind = 'hold.post' AND t.kind = 'hold'
      AND NEW.debit_account_id = t.credit_account_id AND NEW.amount = t.amount)
    OR (NEW.kind = 'hold.void' AND t.kind = 'hold'
      AND NEW.debit_account_id = t.credit_account_id AND NEW.credit_account_id = t.debit_account_id
      AND NEW.amount = t.amount));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'SPARKS.BAD_CLOSE: a closing entry must mirror the entry it closes'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transfers_close_mirrors', TABLE = 'transfers';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER transfers_close_mirrors BEFORE INSERT ON transfers FOR EACH ROW
  WHEN (NEW.closes_id IS NOT NULL)
  EXECUTE FUNCTION sparks_close_mirrors();
--> statement-breakpoint
-- Moves a board's histogram (rank_counts) for one score change: the old score, if it was
-- ranked and positive, leaves its bucket at each level whose bucket changed; the new one
-- joins. One statement, rows in key order (so two changes over the same buckets lock them in
-- one order). A leaving row is proposed as n = 0 and a joining one as n = 1, so the CHECK
-- n >= 0, which PostgreSQL applies to the proposed row before ON CONFLICT, always passes;
-- the update then subtracts or adds one. Same rule as src/db/rank-triggers.ts.
CREATE FUNCTION sparks_rank_move(g text, b text, old_score bigint, old_in boolean, new_score bigint, new_in boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lv integer;
  ok bigint;
  nk bigint;
  levels integer[] := '{}';
  keys bigint[] := '{}';
  joins integer[] := '{}';
BEGIN
  FOR lv IN 0..2 LOOP
    ok := old_score >> (10 * lv);
    nk := new_score >> (10 * lv);
    CONTINUE WHEN old_in AND new_in AND ok = nk;
    IF old_in THEN
      levels := levels || lv; keys := keys || ok; joins := joins || 0;
    END IF;
    IF new_in THEN
      levels := levels || lv; keys := keys || nk; joins := joins || 1;
    END IF;
  END LOOP;
  IF cardinality(levels) > 0 THEN
    INSERT INTO rank_counts (guild_id, board, level, key, n)
    SELECT g, b, u.l, u.k, u.j FROM unnest(levels, keys, joins) AS u(l, k, j) ORDER BY u.l, u.k
    ON CONFLICT (guild_id, board, level, key)
    DO UPDATE SET n = rank_counts.n + CASE WHEN EXCLUDED.n = 1 THEN 1 ELSE -1 END;
  END IF;
END $$;
--> statement-breakpoint
-- The all-time board counts ranked members by balance (rank_balance_* in SQLite).
CREATE FUNCTION sparks_rank_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sparks_rank_move(NEW.guild_id, 'balance',
    OLD.balance, OLD.ranked = 1 AND OLD.balance > 0, NEW.balance, NEW.ranked = 1 AND NEW.balance > 0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER accounts_rank_balance AFTER UPDATE OF balance, ranked ON accounts FOR EACH ROW
  WHEN (NEW.type = 'member' AND (OLD.balance <> NEW.balance OR OLD.ranked <> NEW.ranked))
  EXECUTE FUNCTION sparks_rank_balance();
--> statement-breakpoint
-- Windowed boards count ranked members by Sparks earned in the period, the same way
-- (rank_period_* and earn_periods_rank_insert in SQLite).
CREATE FUNCTION sparks_rank_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sparks_rank_move(NEW.guild_id, NEW.period, 0, false, NEW.earned, NEW.ranked = 1 AND NEW.earned > 0);
  ELSE
    PERFORM sparks_rank_move(NEW.guild_id, NEW.period,
      OLD.earned, OLD.ranked = 1 AND OLD.earned > 0, NEW.earned, NEW.ranked = 1 AND NEW.earned > 0);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER earn_periods_rank_insert AFTER INSERT ON earn_periods FOR EACH ROW
  WHEN (NEW.ranked = 1 AND NEW.earned > 0)
  EXECUTE FUNCTION sparks_rank_period();
--> statement-breakpoint
CREATE TRIGGER earn_periods_rank_update AFTER UPDATE OF earned, ranked ON earn_periods FOR EACH ROW
  WHEN (OLD.earned <> NEW.earned OR OLD.ranked <> NEW.ranked)
  EXECUTE FUNCTION sparks_rank_period();
--> statement-breakpoint
-- A member leaving (or taking an excluded role) leaves every board at once.
CREATE FUNCTION sparks_ranked_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE earn_periods SET ranked = NEW.ranked WHERE account_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER accounts_ranked_periods AFTER UPDATE OF ranked ON accounts FOR EACH ROW
  WHEN (NEW.type = 'member' AND OLD.ranked <> NEW.ranked)
  EXECUTE FUNCTION sparks_ranked_periods();
--> statement-breakpoint
-- Which season source an entry's other side is (src/seasons/sources.ts keeps the same
-- mapping): a campaign budget or the issuance account 'campaign' → campaigns (1), 'quest' and
-- 'streak' → quests (2), 'platform' → platform (4), 'award' → awards (8); anything else
-- (a season's own prizes, spending, holds) counts for no season.
CREATE FUNCTION sparks_season_source(account_type text, account_ref text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN account_type = 'campaign' THEN 1 WHEN account_type <> 'issuance' THEN 0
              WHEN account_ref = 'campaign' THEN 1 WHEN account_ref IN ('quest', 'streak') THEN 2
              WHEN account_ref = 'platform' THEN 4 WHEN account_ref = 'award' THEN 8 ELSE 0 END
$$;
--> statement-breakpoint
-- Balances are a cache of the journal, kept in the entry's own statement, with what hangs
-- off them (transfers_apply, transfers_earned/_unearned, transfers_season_earned/_unearned
-- in SQLite):
-- * both accounts' balances, lower id first; each update matches only an account of the
--   entry's guild, so an entry across guilds finds no row and is refused;
-- * lifetime earned, and the week and month earnings (UTC), move only for a member on
--   Sparks that come from (or go back to) an issuance or campaign account: spending and
--   refunds never touch them, a revoke lowers them (src/ledger/accounts.ts movesLifetime);
-- * a running season's board ('s:<season id>') counts what its sources earn in its window.
CREATE FUNCTION sparks_transfer_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_type text; d_ref text; d_ranked integer;
  c_type text; c_ref text; c_ranked integer;
  at timestamp;
  earner bigint;
  delta bigint;
  e_ranked integer;
  source integer;
BEGIN
  IF NEW.debit_account_id < NEW.credit_account_id THEN
    UPDATE accounts SET balance = balance - NEW.amount,
      lifetime_earned = lifetime_earned - CASE WHEN type = 'member'
        AND (SELECT o.type FROM accounts o WHERE o.id = NEW.credit_account_id) IN ('issuance', 'campaign')
        THEN NEW.amount ELSE 0 END
    WHERE id = NEW.debit_account_id AND guild_id = NEW.guild_id
    RETURNING type, ref, accounts.ranked INTO d_type, d_ref, d_ranked;
    IF FOUND THEN
      UPDATE accounts SET balance = balance + NEW.amount,
        lifetime_earned = lifetime_earned + CASE WHEN type = 'member' AND d_type IN ('issuance', 'campaign')
          THEN NEW.amount ELSE 0 END
      WHERE id = NEW.credit_account_id AND guild_id = NEW.guild_id
      RETURNING type, ref, accounts.ranked INTO c_type, c_ref, c_ranked;
    END IF;
  ELSE
    UPDATE accounts SET balance = balance + NEW.amount,
      lifetime_earned = lifetime_earned + CASE WHEN type = 'member'
        AND (SELECT o.type FROM accounts o WHERE o.id = NEW.debit_account_id) IN ('issuance', 'campaign')
        THEN NEW.amount ELSE 0 END
    WHERE id = NEW.credit_account_id AND guild_id = NEW.guild_id
    RETURNING type, ref, accounts.ranked INTO c_type, c_ref, c_ranked;
    IF FOUND THEN
      UPDATE accounts SET balance = balance - NEW.amount,
        lifetime_earned = lifetime_earned - CASE WHEN type = 'member' AND c_type IN ('issuance', 'campaign')
          THEN NEW.amount ELSE 0 END
      WHERE id = NEW.debit_account_id AND guild_id = NEW.guild_id
      RETURNING type, ref, accounts.ranked INTO d_type, d_ref, d_ranked;
    END IF;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'SPARKS.CROSS_GUILD: both accounts of an entry belong to its guild %', NEW.guild_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'transfers_same_guild', TABLE = 'transfers';
  END IF;

  IF c_type = 'member' AND d_type IN ('issuance', 'campaign') THEN
    earner := NEW.credit_account_id; delta := NEW.amount; e_ranked := c_ranked;
  ELSIF d_type = 'member' AND c_type IN ('issuance', 'campaign') THEN
    earner := NEW.debit_account_id; delta := -NEW.amount; e_ranked := d_ranked;
  END IF;
  IF earner IS NOT NULL THEN
    at := to_timestamp(NEW.created_at / 1000) AT TIME ZONE 'UTC';
    INSERT INTO earn_periods (guild_id, period, account_id, earned, ranked)
    VALUES (NEW.guild_id, 'w:' || to_char(at, 'IYYY-IW'), earner, delta, e_ranked),
           (NEW.guild_id, 'm:' || to_char(at, 'YYYY-MM'), earner, delta, e_ranked)
    ON CONFLICT (guild_id, period, account_id) DO UPDATE SET earned = earn_periods.earned + EXCLUDED.earned;
  END IF;

  IF c_type = 'member' THEN
    source := sparks_season_source(d_type, d_ref);
    IF source <> 0 THEN
      INSERT INTO earn_periods (guild_id, period, account_id, earned, ranked)
      SELECT NEW.guild_id, 's:' || s.id, NEW.credit_account_id, NEW.amount, c_ranked
      FROM seasons s
      WHERE s.guild_id = NEW.guild_id AND s.status = 'running'
        AND NEW.created_at >= s.starts_at AND NEW.created_at < s.ends_at AND (s.sources & source) <> 0
      ON CONFLICT (guild_id, period, account_id) DO UPDATE SET earned = earn_periods.earned + EXCLUDED.earned;
    END IF;
  END IF;
  IF d_type = 'member' THEN
    source := sparks_season_source(c_type, c_ref);
    IF source <> 0 THEN
      INSERT INTO earn_periods (guild_id, period, account_id, earned, ranked)
      SELECT NEW.guild_id, 's:' || s.id, NEW.debit_account_id, -NEW.amount, d_ranked
      FROM seasons s
      WHERE s.guild_id = NEW.guild_id AND s.status = 'running'
        AND NEW.created_at >= s.starts_at AND NEW.created_at < s.ends_at AND (s.sources & source) <> 0
      ON CONFLICT (guild_id, period, account_id) DO UPDATE SET earned = earn_periods.earned + EXCLUDED.earned;
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER transfers_apply AFTER INSERT ON transfers FOR EACH ROW
  EXECUTE FUNCTION sparks_transfer_apply();
--> statement-breakpoint
-- What the triggers derive, nothing else writes: an account opens at zero, its balance and
-- lifetime earned move only from transfers_apply (trigger depth > 0), and its key (id,
-- guild, type, ref, opening time) never changes; earn_periods and rank_counts are written
-- only by the triggers above. `ranked` is the one account column a store sets directly.
CREATE FUNCTION sparks_derived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SPARKS.DERIVED: % of % is kept by the ledger''s triggers; post an entry instead',
    CASE WHEN TG_TABLE_NAME = 'accounts' THEN 'a balance, lifetime earned or account key' ELSE 'every row' END,
    TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_derived', TABLE = TG_TABLE_NAME;
END $$;
--> statement-breakpoint
CREATE TRIGGER accounts_derived_insert BEFORE INSERT ON accounts FOR EACH ROW
  WHEN (NEW.balance <> 0 OR NEW.lifetime_earned <> 0)
  EXECUTE FUNCTION sparks_derived();
--> statement-breakpoint
CREATE TRIGGER accounts_derived_update BEFORE UPDATE ON accounts FOR EACH ROW
  WHEN (OLD.id <> NEW.id OR OLD.guild_id <> NEW.guild_id OR OLD.type <> NEW.type OR OLD.ref <> NEW.ref
    OR OLD.created_at <> NEW.created_at
    OR (pg_trigger_depth() = 0 AND (OLD.balance <> NEW.balance OR OLD.lifetime_earned <> NEW.lifetime_earned)))
  EXECUTE FUNCTION sparks_derived();
--> statement-breakpoint
CREATE TRIGGER earn_periods_derived BEFORE INSERT OR UPDATE OR DELETE ON earn_periods FOR EACH STATEMENT
  WHEN (pg_trigger_depth() = 0)
  EXECUTE FUNCTION sparks_derived();
--> statement-breakpoint
CREATE TRIGGER earn_periods_derived_truncate BEFORE TRUNCATE ON earn_periods FOR EACH STATEMENT
  EXECUTE FUNCTION sparks_derived();
--> statement-breakpoint
CREATE TRIGGER rank_counts_derived BEFORE INSERT OR UPDATE OR DELETE ON rank_counts FOR EACH STATEMENT
  WHEN (pg_trigger_depth() = 0)
  EXECUTE FUNCTION sparks_derived();
--> statement-breakpoint
CREATE TRIGGER rank_counts_derived_truncate BEFORE TRUNCATE ON rank_counts FOR EACH STATEMENT
  EXECUTE FUNCTION sparks_derived();
