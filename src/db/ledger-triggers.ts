/**
 * The ledger's derived state, two ways, and the gate between them.
 *
 * Every entry moves two balances, a member's lifetime, the week/month (and a running
 * season's) rollups in `earn_periods`, and the rank histograms in `rank_counts`. One
 * entry at a time, the triggers below do it in the same statement as the INSERT (SPEC §5:
 * the database keeps them, in the same transaction). A burst of grants (a campaign batch
 * of up to 500 entries) would fire them once per row: two account updates, two rollup
 * upserts and nine histogram upserts per grant, most of them on the same few rows (the
 * issuance account; a histogram bucket every new member joins).
 *
 * So a batch writes with the gate up: `LedgerStore.insertTransfers` inserts the one row of
 * `batch_gate`, inserts the entries (every derived-state trigger's WHEN starts with
 * `NOT EXISTS (SELECT 1 FROM batch_gate)`, so they stand aside), applies the batch's
 * sums with the statements of `BATCH_DERIVED_SQL` — each account once, each rollup row
 * once, each histogram bucket once — and deletes the row, all inside the batch's own
 * savepoint. A failure anywhere rolls the gate back with everything else, so no write
 * outside a batch ever finds it up; `verify` recomputes every derived figure from the
 * entries either way, and a property test checks that both ways leave the same database.
 *
 * The triggers' text lives here (the rank histogram's twelve in rank-triggers.ts) so that
 * tests/db/ledger-triggers.test.ts can pin what a migrated database runs to it. A landed
 * migration is never edited: a change is a new migration made from these templates
 * (`npx tsx src/scripts/ledger-triggers.ts` prints its body).
 */

/** The gate as a trigger's WHEN condition sees it. */
export const BATCH_GATE = 'NOT EXISTS (SELECT 1 FROM `batch_gate`)';

/** Which season source an issuance (or campaign budget) account counts as, as its bit. */
const sourceBit = (a: string) =>
  `(CASE WHEN ${a}.\`type\` = 'campaign' THEN 1 WHEN ${a}.\`type\` <> 'issuance' THEN 0
                             WHEN ${a}.\`ref\` = 'campaign' THEN 1 WHEN ${a}.\`ref\` IN ('quest', 'streak') THEN 2 WHEN ${a}.\`ref\` = 'platform' THEN 4
                             WHEN ${a}.\`ref\` = 'award' THEN 8 ELSE 0 END)`;

/** A week and a month rollup upsert for one side of an entry (the triggers' bodies). */
const windowUpserts = (account: string, amount: string) =>
  [
    ['w:', '%G-%V'],
    ['m:', '%Y-%m'],
  ]
    .map(
      ([
        prefix,
        format,
      ]) => `  INSERT INTO \`earn_periods\` (\`guild_id\`, \`period\`, \`account_id\`, \`earned\`, \`ranked\`)
  VALUES (NEW.\`guild_id\`, '${prefix}' || strftime('${format}', NEW.\`created_at\` / 1000, 'unixepoch'), NEW.\`${account}\`, ${amount},
          (SELECT \`ranked\` FROM \`accounts\` WHERE \`id\` = NEW.\`${account}\`))
  ON CONFLICT (\`guild_id\`, \`period\`, \`account_id\`) DO UPDATE SET \`earned\` = \`earned\` + excluded.\`earned\`;`,
    )
    .join('\n');

const seasonTrigger = (name: string, member: 'credit' | 'debit') => {
  const [account, other, alias, amount] =
    member === 'credit'
      ? (['credit_account_id', 'debit_account_id', 'd', 'NEW.`amount`'] as const)
      : (['debit_account_id', 'credit_account_id', 'c', '-NEW.`amount`'] as const);
  return `CREATE TRIGGER \`${name}\` AFTER INSERT ON \`transfers\`
WHEN ${BATCH_GATE}
  AND EXISTS (SELECT 1 FROM \`seasons\` WHERE \`guild_id\` = NEW.\`guild_id\` AND \`status\` = 'running')
  AND (SELECT \`type\` FROM \`accounts\` WHERE \`id\` = NEW.\`${account}\`) = 'member'
BEGIN
  INSERT INTO \`earn_periods\` (\`guild_id\`, \`period\`, \`account_id\`, \`earned\`, \`ranked\`)
  SELECT NEW.\`guild_id\`, 's:' || s.\`id\`, NEW.\`${account}\`, ${amount},
         (SELECT \`ranked\` FROM \`accounts\` WHERE \`id\` = NEW.\`${account}\`)
  FROM \`seasons\` s JOIN \`accounts\` ${alias} ON ${alias}.\`id\` = NEW.\`${other}\`
  WHERE s.\`guild_id\` = NEW.\`guild_id\` AND s.\`status\` = 'running'
    AND NEW.\`created_at\` >= s.\`starts_at\` AND NEW.\`created_at\` < s.\`ends_at\`
    AND (s.\`sources\` & ${sourceBit(alias)}) <> 0
  ON CONFLICT (\`guild_id\`, \`period\`, \`account_id\`) DO UPDATE SET \`earned\` = \`earned\` + excluded.\`earned\`;
END`;
};

export interface LedgerTrigger {
  name: string;
  /** The CREATE TRIGGER statement exactly as SQLite stores it in sqlite_master (no `;`). */
  sql: string;
}

/** The derived-state triggers on `transfers` and `earn_periods`, gated (the rank_* twelve are in rank-triggers.ts). */
export function ledgerTriggers(): LedgerTrigger[] {
  return [
    {
      name: 'transfers_apply',
      sql: `CREATE TRIGGER \`transfers_apply\` AFTER INSERT ON \`transfers\`
WHEN ${BATCH_GATE}
BEGIN
  UPDATE \`accounts\`
  SET \`balance\` = \`balance\` - NEW.\`amount\`,
      \`lifetime_earned\` = \`lifetime_earned\` - (CASE WHEN \`type\` = 'member'
        AND (SELECT a.\`type\` FROM \`accounts\` a WHERE a.\`id\` = NEW.\`credit_account_id\`) IN ('issuance', 'campaign')
        THEN NEW.\`amount\` ELSE 0 END)
  WHERE \`id\` = NEW.\`debit_account_id\`;
  UPDATE \`accounts\`
  SET \`balance\` = \`balance\` + NEW.\`amount\`,
      \`lifetime_earned\` = \`lifetime_earned\` + (CASE WHEN \`type\` = 'member'
        AND (SELECT a.\`type\` FROM \`accounts\` a WHERE a.\`id\` = NEW.\`debit_account_id\`) IN ('issuance', 'campaign')
        THEN NEW.\`amount\` ELSE 0 END)
  WHERE \`id\` = NEW.\`credit_account_id\`;
END`,
    },
    {
      name: 'transfers_earned',
      sql: `CREATE TRIGGER \`transfers_earned\` AFTER INSERT ON \`transfers\`
WHEN ${BATCH_GATE}
  AND (SELECT \`type\` FROM \`accounts\` WHERE \`id\` = NEW.\`credit_account_id\`) = 'member'
  AND (SELECT \`type\` FROM \`accounts\` WHERE \`id\` = NEW.\`debit_account_id\`) IN ('issuance', 'campaign')
BEGIN
${windowUpserts('credit_account_id', 'NEW.`amount`')}
END`,
    },
    {
      name: 'transfers_unearned',
      sql: `CREATE TRIGGER \`transfers_unearned\` AFTER INSERT ON \`transfers\`
WHEN ${BATCH_GATE}
  AND (SELECT \`type\` FROM \`accounts\` WHERE \`id\` = NEW.\`debit_account_id\`) = 'member'
  AND (SELECT \`type\` FROM \`accounts\` WHERE \`id\` = NEW.\`credit_account_id\`) IN ('issuance', 'campaign')
BEGIN
${windowUpserts('debit_account_id', '-NEW.`amount`')}
END`,
    },
    { name: 'transfers_season_earned', sql: seasonTrigger('transfers_season_earned', 'credit') },
    { name: 'transfers_season_unearned', sql: seasonTrigger('transfers_season_unearned', 'debit') },
    {
      name: 'earn_periods_rank_insert',
      sql: `CREATE TRIGGER \`earn_periods_rank_insert\` AFTER INSERT ON \`earn_periods\`
WHEN ${BATCH_GATE} AND NEW.\`ranked\` = 1 AND NEW.\`earned\` > 0
BEGIN
  INSERT INTO \`rank_counts\` (\`guild_id\`, \`board\`, \`level\`, \`key\`, \`n\`)
  VALUES (NEW.\`guild_id\`, NEW.\`period\`, 0, NEW.\`earned\`, 1),
         (NEW.\`guild_id\`, NEW.\`period\`, 1, NEW.\`earned\` >> 10, 1),
         (NEW.\`guild_id\`, NEW.\`period\`, 2, NEW.\`earned\` >> 20, 1)
  ON CONFLICT (\`guild_id\`, \`board\`, \`level\`, \`key\`) DO UPDATE SET \`n\` = \`n\` + 1;
END`,
    },
  ];
}

/** The histogram's levels: bucket = score >> shift. */
const LEVELS = '(SELECT 0 AS level, 0 AS shift UNION ALL SELECT 1, 10 UNION ALL SELECT 2, 20) l';
/** The batch's entries with both accounts. */
const ENTRIES = `transfers t CROSS JOIN accounts da ON da.id = t.debit_account_id CROSS JOIN accounts ca ON ca.id = t.credit_account_id`;
const IN_BATCH = 't.id BETWEEN @lo AND @hi';

/** The histogram rows of a batch's moves `m` (guild_id, old, new score or NULL, count c) on `board`. */
const histogramMoves = (board: string) => `SELECT guild_id, board, level, key, n FROM (
      SELECT guild_id, board, level, key, SUM(n) AS n FROM (
        SELECT m.guild_id, ${board} AS board, l.level, m.old >> l.shift AS key, -m.c AS n
        FROM m CROSS JOIN ${LEVELS} WHERE m.old IS NOT NULL
        UNION ALL
        SELECT m.guild_id, ${board}, l.level, m.new >> l.shift, m.c
        FROM m CROSS JOIN ${LEVELS} WHERE m.new IS NOT NULL
      ) GROUP BY guild_id, board, level, key
    ) WHERE n <> 0`;

/**
 * Scratch tables of this connection for one batch's sums (TEMP: never in the file, never
 * seen by another connection; emptied before each batch).
 */
export const BATCH_SCRATCH_SQL = [
  `CREATE TEMP TABLE IF NOT EXISTS batch_accounts (account_id INTEGER PRIMARY KEY, d INTEGER NOT NULL, life INTEGER NOT NULL)`,
  `CREATE TEMP TABLE IF NOT EXISTS batch_periods (guild_id TEXT NOT NULL, period TEXT NOT NULL, account_id INTEGER NOT NULL,
     d INTEGER NOT NULL, PRIMARY KEY (guild_id, period, account_id)) WITHOUT ROWID`,
  `CREATE TEMP TABLE IF NOT EXISTS batch_ranks (guild_id TEXT NOT NULL, board TEXT NOT NULL, level INTEGER NOT NULL,
     key INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (guild_id, board, level, key)) WITHOUT ROWID`,
];

/**
 * What the gated triggers would have done for the entries with ids @lo … @hi, set-based,
 * in this order (each reads what the one before left): the sums per account, the balance
 * histogram moved from the old balances to the new, the balances and lifetimes, the sums
 * per rollup row (week, month, a running season that counts the source — the triggers'
 * own rules), the period histograms moved from the old rollups to the new, the rollups.
 * A histogram bucket is upserted once with the batch's net count, the same net as the
 * triggers' one-by-one leaves and joins.
 */
export const BATCH_DERIVED_SQL = {
  clear: [
    'DELETE FROM temp.batch_accounts',
    'DELETE FROM temp.batch_periods',
    'DELETE FROM temp.batch_ranks',
  ],
  accountSums: `INSERT INTO temp.batch_accounts (account_id, d, life)
    SELECT account_id, SUM(d), SUM(life) FROM (
      SELECT t.debit_account_id AS account_id, -t.amount AS d,
             CASE WHEN da.type = 'member' AND ca.type IN ('issuance', 'campaign') THEN -t.amount ELSE 0 END AS life
      FROM ${ENTRIES} WHERE ${IN_BATCH}
      UNION ALL
      SELECT t.credit_account_id, t.amount,
             CASE WHEN ca.type = 'member' AND da.type IN ('issuance', 'campaign') THEN t.amount ELSE 0 END
      FROM ${ENTRIES} WHERE ${IN_BATCH}
    ) GROUP BY account_id`,
  // Each account's move from its old bucket to its new one, counted per (old, new) first:
  // a burst of new members is one move of 500, then 3 levels × 2 sides of it.
  balanceRanks: `INSERT INTO temp.batch_ranks (guild_id, board, level, key, n)
    WITH m AS MATERIALIZED (
      SELECT a.guild_id,
             CASE WHEN a.ranked = 1 AND a.balance > 0 THEN a.balance END AS old,
             CASE WHEN a.ranked = 1 AND a.balance + b.d > 0 THEN a.balance + b.d END AS new, COUNT(*) AS c
      FROM temp.batch_accounts b CROSS JOIN accounts a ON a.id = b.account_id
      WHERE a.type = 'member' GROUP BY 1, 2, 3
    )
    ${histogramMoves("'balance'")}`,
  balances: `UPDATE accounts
    SET balance = balance + (SELECT b.d FROM temp.batch_accounts b WHERE b.account_id = accounts.id),
        lifetime_earned = lifetime_earned + (SELECT b.life FROM temp.batch_accounts b WHERE b.account_id = accounts.id)
    WHERE id IN (SELECT account_id FROM temp.batch_accounts)`,
  periodSums: `INSERT INTO temp.batch_periods (guild_id, period, account_id, d)
    SELECT guild_id, period, account_id, SUM(d) FROM (
      SELECT t.guild_id, w.prefix || strftime(w.format, t.created_at / 1000, 'unixepoch') AS period,
             CASE WHEN ca.type = 'member' THEN t.credit_account_id ELSE t.debit_account_id END AS account_id,
             CASE WHEN ca.type = 'member' THEN t.amount ELSE -t.amount END AS d
      FROM ${ENTRIES} CROSS JOIN (SELECT 'w:' AS prefix, '%G-%V' AS format UNION ALL SELECT 'm:', '%Y-%m') w
      WHERE ${IN_BATCH}
        AND ((ca.type = 'member' AND da.type IN ('issuance', 'campaign'))
          OR (da.type = 'member' AND ca.type IN ('issuance', 'campaign')))
      UNION ALL
      SELECT t.guild_id, 's:' || s.id, t.credit_account_id, t.amount
      FROM ${ENTRIES} JOIN seasons s ON s.guild_id = t.guild_id AND s.status = 'running'
        AND t.created_at >= s.starts_at AND t.created_at < s.ends_at
      WHERE ${IN_BATCH} AND ca.type = 'member' AND (s.sources & ${sourceBit('da')}) <> 0
      UNION ALL
      SELECT t.guild_id, 's:' || s.id, t.debit_account_id, -t.amount
      FROM ${ENTRIES} JOIN seasons s ON s.guild_id = t.guild_id AND s.status = 'running'
        AND t.created_at >= s.starts_at AND t.created_at < s.ends_at
      WHERE ${IN_BATCH} AND da.type = 'member' AND (s.sources & ${sourceBit('ca')}) <> 0
    ) GROUP BY guild_id, period, account_id`,
  periodRanks: `INSERT INTO temp.batch_ranks (guild_id, board, level, key, n)
    WITH m AS MATERIALIZED (
      SELECT b.guild_id, b.period AS board,
             CASE WHEN e.ranked = 1 AND e.earned > 0 THEN e.earned END AS old,
             CASE WHEN COALESCE(e.ranked, a.ranked) = 1 AND COALESCE(e.earned, 0) + b.d > 0
                  THEN COALESCE(e.earned, 0) + b.d END AS new,
             COUNT(*) AS c
      FROM temp.batch_periods b CROSS JOIN accounts a ON a.id = b.account_id
        LEFT JOIN earn_periods e ON e.guild_id = b.guild_id AND e.period = b.period AND e.account_id = b.account_id
      GROUP BY 1, 2, 3, 4
    )
    ${histogramMoves('m.board')}`,
  periods: `INSERT INTO earn_periods (guild_id, period, account_id, earned, ranked)
    SELECT b.guild_id, b.period, b.account_id, b.d, a.ranked
    FROM temp.batch_periods b CROSS JOIN accounts a ON a.id = b.account_id WHERE true
    ON CONFLICT (guild_id, period, account_id) DO UPDATE SET earned = earned + excluded.earned`,
  // The histogram's net moves: existing buckets updated, new ones inserted (an upsert would
  // not do: SQLite checks a CHECK (n >= 0) on the row it would insert before the conflict).
  // Every statement here walks the scratch tables and looks the ledger's rows up by key
  // (CROSS JOIN, IN): the scratch tables have no statistics, and a planner that scanned
  // accounts or rank_counts instead costs ~30 µs per grant at 100,000 members.
  rankUpdates: `UPDATE rank_counts
    SET n = n + (SELECT r.n FROM temp.batch_ranks r WHERE r.guild_id = rank_counts.guild_id AND r.board = rank_counts.board
                   AND r.level = rank_counts.level AND r.key = rank_counts.key)
    WHERE (guild_id, board, level, key) IN (SELECT guild_id, board, level, key FROM temp.batch_ranks)`,
  rankInserts: `INSERT INTO rank_counts (guild_id, board, level, key, n)
    SELECT r.guild_id, r.board, r.level, r.key, r.n FROM temp.batch_ranks r
    WHERE NOT EXISTS (SELECT 1 FROM rank_counts c
                      WHERE c.guild_id = r.guild_id AND c.board = r.board AND c.level = r.level AND c.key = r.key)`,
} as const;

/** The statements, in the order a batch runs them. */
export const BATCH_DERIVED_ORDER = [
  'accountSums',
  'balanceRanks',
  'balances',
  'periodSums',
  'periodRanks',
  'periods',
  'rankUpdates',
  'rankInserts',
] as const;

export const BATCH_GATE_ON = 'INSERT INTO batch_gate (id) VALUES (1)';
export const BATCH_GATE_OFF = 'DELETE FROM batch_gate';

/**
 * The body of a migration that replaces the derived-state triggers with the templates'
 * current output (these and, given, the twelve rank_* of rank-triggers.ts).
 */
export function ledgerTriggersMigrationSql(rank: readonly LedgerTrigger[] = []): string {
  const triggers = [...ledgerTriggers(), ...rank];
  return (
    [
      ...triggers.map((t) => `DROP TRIGGER IF EXISTS \`${t.name}\`;`),
      ...triggers.map((t) => `${t.sql};`),
    ].join('\n--> statement-breakpoint\n') + '\n'
  );
}
