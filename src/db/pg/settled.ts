/**
 * The settled bound of a fold over `transfers` on PostgreSQL (the analytics rollup, the
 * streak fold). A fold reads the entries with id > its watermark; on SQLite an id is only
 * ever seen committed in order (one writer), but on PostgreSQL an identity id is taken at
 * INSERT, not at COMMIT: a transaction holding id 7 may commit after another's id 8 has been
 * folded and the watermark moved past 7, and entry 7 would never be folded. So a fold reads
 * ids only up to a *settled* bound, below which every id is final (committed or rolled back
 * for good): a short transaction of its own takes `LOCK TABLE transfers IN SHARE MODE`, which
 * waits for every transaction that has inserted into `transfers` to end (an INSERT holds ROW
 * EXCLUSIVE, which SHARE conflicts with, from before its ids are drawn until its COMMIT),
 * reads MAX(id) and commits at once. Writers that come meanwhile wait for that one statement
 * only; the barrier holds no other lock, so it closes no deadlock with a ledger write.
 *
 * The bound is kept: a new one is taken only when the entries between the watermark and the
 * last bound make less than a chunk and more are visible past it (a backlog is folded chunk
 * after chunk without a barrier each), and none at all when no entry past the watermark is
 * visible. A fold that stops short of a chunk has therefore folded every entry committed
 * before its barrier: caught up, as on SQLite.
 */
import type { PgSyncDb } from './sync.ts';

const BARRIER = `LOCK TABLE transfers IN SHARE MODE`;
const LAST = `SELECT COALESCE(MAX(id), 0) AS id FROM transfers`;
// $1 the settled bound, $2 the chunk size: the watermark, the last entry visible, and how
// many (up to a chunk) lie between the watermark and the bound.
const progress = (watermarkTable: string) => `WITH w AS (
      SELECT COALESCE((SELECT watermark FROM ${watermarkTable} WHERE id = 1), 0) AS id)
    SELECT (SELECT id FROM w) AS watermark, COALESCE((SELECT MAX(id) FROM transfers), 0) AS last,
      (SELECT COUNT(*) FROM (SELECT 1 FROM transfers WHERE id > (SELECT id FROM w) AND id <= $1
                              ORDER BY id LIMIT $2) c) AS ready`;

export class SettledBound {
  /** Every id up to this one is final (committed or gone): what the last barrier found. */
  private bound = 0;
  private readonly progress: string;

  /** `watermarkTable`: the fold's one-row table (`id = 1`, `watermark`). */
  constructor(
    private readonly db: PgSyncDb,
    watermarkTable: 'ledger_rollup' | 'streak_fold',
  ) {
    this.progress = progress(watermarkTable);
  }

  get value(): number {
    return this.bound;
  }

  /**
   * Outside any write, before a fold's: moves the bound when the rule above says so, and
   * tells where the fold stands (`last <= watermark`: nothing to fold).
   */
  advance(limit: number): { watermark: number; last: number } {
    const { watermark, last, ready } = this.db.query<{ watermark: number; last: number; ready: number }>(
      this.progress,
      [this.bound, limit],
    )[0]!;
    if (last > watermark && ready < limit && last > this.bound && !this.db.inTransaction) {
      this.bound = this.db.write(() => {
        this.db.run(BARRIER);
        return this.db.query<{ id: number }>(LAST)[0]!.id;
      });
    }
    return { watermark, last };
  }
}
