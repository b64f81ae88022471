import type { Clock } from '../core/clock.ts';
import type { AppDb } from '../db/engine.ts';
import { rollupStore } from '../db/pg/rollup-store.ts';
import type { RollupState, RollupStoreApi } from '../db/rollup-store.ts';
import type { TransferKind } from '../db/schema.ts';

export const ISSUING_SOURCES = ['campaign', 'award', 'platform'] as const;
export type IssuingSource = (typeof ISSUING_SOURCES)[number];

/** The entries that put new Sparks in members' hands, by source (funding a budget is not issuing). */
export const ISSUED: Record<IssuingSource, readonly TransferKind[]> = {
  campaign: ['campaign.grant'],
  award: ['award'],
  platform: ['platform.trade', 'platform.subscription', 'platform.referral'],
};
/** A member credited by one of these on a day is an earner that day. */
export const EARNING_KINDS: readonly TransferKind[] = Object.values(ISSUED).flat();

/** Entries folded per transaction: ~80 ms at 100k members, so a grant waits at most that long behind a fold. */
export const ROLLUP_CHUNK = 5_000;

export interface CatchUp extends RollupState {
  /** Entries folded by this call. */
  folded: number;
  /** False when the call stopped at its chunk limit with entries still to fold. */
  caughtUp: boolean;
}

/**
 * Keeps the analytics rollup (src/db/rollup-store.ts) caught up with the journal, off the
 * write path: a grant never pays for it. Each chunk is one transaction that also moves the
 * watermark, so a crash between chunks loses nothing and folds nothing twice; a call that
 * repeats one already done folds nothing.
 */
export class LedgerRollup {
  private readonly store: RollupStoreApi;
  private readonly clock: Clock;
  private readonly chunk: number;

  constructor(deps: { db: AppDb; clock: Clock; chunk?: number }) {
    this.store = rollupStore(deps.db);
    this.clock = deps.clock;
    this.chunk = deps.chunk ?? ROLLUP_CHUNK;
  }

  state(): RollupState {
    return this.store.state();
  }

  /**
   * Folds entries after the watermark, a chunk per transaction, until none is left or
   * `maxChunks` chunks are done (a page read bounds its wait; the timer passes Infinity).
   */
  catchUp(maxChunks = Number.POSITIVE_INFINITY): CatchUp {
    let folded = 0;
    let caughtUp = false;
    for (let i = 0; i < maxChunks; i++) {
      const n = this.store.foldNext(this.chunk, EARNING_KINDS, this.clock());
      folded += n;
      if (n < this.chunk) {
        caughtUp = true;
        break;
      }
    }
    return { ...this.store.state(), folded, caughtUp };
  }
}
