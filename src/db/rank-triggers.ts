/**
 * The twelve `rank_*` triggers that keep `rank_counts` (the leaderboard histogram) in step
 * with scores, generated from one template. They are 2 boards × 3 levels × 2 directions:
 *
 * - board `balance`: the all-time board, members' `accounts.balance`, board key 'balance';
 *   board `period`: the windowed boards, `earn_periods.earned`, board key the row's period;
 * - level 0, 1, 2: the score's bucket is `score >> 0`, `score >> 10`, `score >> 20`;
 * - direction `leave`: the old score leaves its old bucket (n − 1); `join`: the new score
 *   joins its new bucket (n + 1). Each fires only when that level's bucket actually changed
 *   (or the row stopped / started being ranked with a positive score).
 *
 * Each stands aside while a ledger batch's gate is up (src/db/ledger-triggers.ts): the
 * batch moves the histogram itself, once per bucket.
 *
 * Where they stand: 0004_fast_grants.sql created them by hand before this template
 * existed; 0017_batch_grants.sql re-created them from it with the gate. A landed
 * migration is never edited. tests/db/rank-triggers.test.ts pins this template's output
 * equal, character for character, to what a freshly migrated database holds in
 * sqlite_master, so this file is the readable statement of them and
 * src/db/schema.snapshot.sql shows them in context.
 *
 * Changing them: edit the template here, then write the new migration from it —
 * `npx drizzle-kit generate --custom --name=<what>` creates an empty drizzle/NNNN_<what>.sql
 * (and its journal entry), and `npx tsx src/scripts/rank-triggers.ts >> drizzle/NNNN_<what>.sql`
 * appends the DROP + CREATE of all twelve, separated by drizzle's statement breakpoints
 * (add any backfill of rank_counts the change needs). Then refresh the schema snapshot
 * (see its header) and run `npx vitest run tests/db`: the pin test passes again only once
 * the new migration has put the template's triggers in place.
 */
import { BATCH_GATE } from './ledger-triggers.ts';

export const RANK_BOARDS = ['balance', 'period'] as const;
export type RankBoard = (typeof RANK_BOARDS)[number];
export const RANK_DIRECTIONS = ['leave', 'join'] as const;
export type RankDirection = (typeof RANK_DIRECTIONS)[number];
/** Histogram level → how far the score is shifted right to give that level's bucket. */
export const RANK_LEVEL_SHIFTS = [0, 10, 20] as const;

interface BoardSpec {
  /** The table whose updates move the score. */
  table: string;
  /** The score column. */
  score: string;
  /** Extra WHEN condition ahead of the rest (with its trailing AND), or ''. */
  guard: string;
  /** The `rank_counts.board` value, given the row alias (OLD or NEW). */
  board: (row: 'OLD' | 'NEW') => string;
}

const BOARDS: Record<RankBoard, BoardSpec> = {
  balance: {
    table: 'accounts',
    score: 'balance',
    guard: `${BATCH_GATE} AND NEW.\`type\` = 'member' AND `,
    board: () => "'balance'",
  },
  period: {
    table: 'earn_periods',
    score: 'earned',
    guard: `${BATCH_GATE} AND `,
    board: (row) => `${row}.\`period\``,
  },
};

export interface RankTrigger {
  name: string;
  /** The CREATE TRIGGER statement exactly as SQLite stores it in sqlite_master (no `;`). */
  sql: string;
}

/** One trigger: `rank_<board>_<direction>_<level>`. */
export function rankTrigger(board: RankBoard, direction: RankDirection, level: number): RankTrigger {
  const shift = RANK_LEVEL_SHIFTS[level];
  if (shift === undefined) throw new RangeError(`no rank level ${level}`);
  const { table, score, guard, board: boardOf } = BOARDS[board];
  const key = (row: 'OLD' | 'NEW') =>
    shift === 0 ? `${row}.\`${score}\`` : `(${row}.\`${score}\` >> ${shift})`;
  const ranked = (row: 'OLD' | 'NEW') => `${row}.\`ranked\` = 1 AND ${row}.\`${score}\` > 0`;
  // Leaving starts from the old row, joining from the new one.
  const [from, to] = direction === 'leave' ? (['OLD', 'NEW'] as const) : (['NEW', 'OLD'] as const);
  const name = `rank_${board}_${direction}_${level}`;
  const body =
    direction === 'leave'
      ? [
          '  UPDATE `rank_counts` SET `n` = `n` - 1',
          `  WHERE \`guild_id\` = OLD.\`guild_id\` AND \`board\` = ${boardOf('OLD')}` +
            ` AND \`level\` = ${level} AND \`key\` = ${key('OLD')};`,
        ]
      : [
          '  INSERT INTO `rank_counts` (`guild_id`, `board`, `level`, `key`, `n`)',
          `  VALUES (NEW.\`guild_id\`, ${boardOf('NEW')}, ${level}, ${key('NEW')}, 1)`,
          '  ON CONFLICT (`guild_id`, `board`, `level`, `key`) DO UPDATE SET `n` = `n` + 1;',
        ];
  const sql = [
    `CREATE TRIGGER \`${name}\` AFTER UPDATE OF \`${score}\`, \`ranked\` ON \`${table}\``,
    `WHEN ${guard}${ranked(from)} AND (NOT (${ranked(to)}) OR ${key('OLD')} <> ${key('NEW')})`,
    'BEGIN',
    ...body,
    'END',
  ].join('\n');
  return { name, sql };
}

/** All twelve, in the order 0004 created them: per board, per level, leave then join. */
export function rankTriggers(): RankTrigger[] {
  return RANK_BOARDS.flatMap((board) =>
    RANK_LEVEL_SHIFTS.flatMap((_, level) =>
      RANK_DIRECTIONS.map((direction) => rankTrigger(board, direction, level)),
    ),
  );
}

/**
 * The body of a drizzle custom migration that replaces the twelve with the template's
 * current output: every DROP, then every CREATE, joined by drizzle's statement breakpoint.
 */
export function rankTriggersMigrationSql(): string {
  const triggers = rankTriggers();
  return (
    [
      ...triggers.map((t) => `DROP TRIGGER IF EXISTS \`${t.name}\`;`),
      ...triggers.map((t) => `${t.sql};`),
    ].join('\n--> statement-breakpoint\n') + '\n'
  );
}
