/**
 * Streaks (SPEC §10), folded from the journal off the write path: a grant never pays for
 * them. Every 30 s (plugins/streaks.ts), and before a member's streak is shown, the fold
 * reads the entries after its watermark, a chunk per transaction, and for each member with
 * a qualifying day in it applies the pure rule of fold.ts to their row in member_streaks,
 * paying the milestones a streak reaches. The row, the bonuses and the watermark move in
 * one transaction, so a crash between chunks loses nothing and folds nothing twice; each
 * bonus also has its own idempotency key, `streak:<guild>:<user>:<first day>:<days>`, so
 * even a fold run again from scratch pays a milestone once per streak.
 *
 * What qualifies: Sparks a member earned (from a campaign, or minted by an issuance
 * account), except moderator awards (SPEC §10), season prizes and the streak bonuses
 * themselves (NOT_QUALIFYING in src/db/streak-store.ts says why).
 *
 * Reads are exact at any watermark: the member's row, plus their qualifying days after the
 * watermark and the freezes they gained, through the same rule, on today's date.
 */
import { DAY_MS, type Clock } from '../core/clock.ts';
import { isSparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { streakStore } from '../db/pg/streak-store.ts';
import {
  NOT_QUALIFYING,
  type MemberStreakRow,
  type StreakFoldState,
  type StreakStoreApi,
} from '../db/streak-store.ts';
import { ISSUANCE, MEMBER, type IssuanceSource } from '../ledger/accounts.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { SettingsService } from '../settings/settings.ts';
import { advance, NO_STREAK, standingOn, type StreakStanding, type StreakState } from './fold.ts';
import type { Milestone } from './milestones.ts';

export type { StreakStanding } from './fold.ts';
export { MAX_FREEZES } from './fold.ts';

/** The issuance sources whose Sparks do not make a day qualify (typed: a misspelt one fails to compile). */
export const NOT_QUALIFYING_SOURCES: readonly IssuanceSource[] = NOT_QUALIFYING;

/**
 * Entries folded per transaction. Measured on 20,000 members: ~9 µs an entry, and ~45 µs
 * more for each milestone paid, so a chunk where every member reaches one holds the write
 * lock ~55 ms (a grant waits at most that long behind the fold), a quiet chunk ~18 ms.
 */
export const STREAK_CHUNK = 2_000;

const SYSTEM = { type: 'system', id: 'streak' } as const;

export interface StreakCatchUp extends StreakFoldState {
  /** Entries folded by this call. */
  folded: number;
  /** False when the call stopped at its chunk limit with entries still to fold. */
  caughtUp: boolean;
  /** Milestone bonuses paid by this call. */
  paid: number;
  /** Bonuses the ledger refused (a balance at its ceiling): skipped, never retried. */
  refused: number;
}

/** The key of a streak's milestone bonus: the same however often the fold runs. */
export function milestoneKey(guildId: string, userId: string, startedDay: number, days: number): string {
  return `streak:${guildId}:${userId}:${startedDay}:${days}`;
}

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

function stateOf(row: MemberStreakRow | undefined): StreakState {
  if (!row) return NO_STREAK;
  const { current, best, lastDay, startedDay, freezesHeld, freezesUsed, freezeSeen } = row;
  return { current, best, lastDay, startedDay, freezesHeld, freezesUsed, freezeSeen };
}

export class StreakService {
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly settings: SettingsService;
  private readonly clock: Clock;
  private readonly chunk: number;
  private readonly store: StreakStoreApi;

  constructor(deps: { db: AppDb; ledger: Ledger; settings: SettingsService; clock: Clock; chunk?: number }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.settings = deps.settings;
    this.clock = deps.clock;
    this.chunk = deps.chunk ?? STREAK_CHUNK;
    this.store = streakStore(deps.db);
  }

  state(): StreakFoldState {
    return this.store.state();
  }

  /** Whether entries after the watermark wait to be folded. */
  behind(): boolean {
    this.store.settle?.(1);
    return this.store.chunk(this.store.state().watermark, 1).n > 0;
  }

  /**
   * Folds entries after the watermark, a chunk per transaction, until none is left or
   * `maxChunks` chunks are done (a read bounds its wait; the timer passes Infinity).
   */
  catchUp(maxChunks = Number.POSITIVE_INFINITY): StreakCatchUp {
    let folded = 0;
    let paid = 0;
    let refused = 0;
    let caughtUp = false;
    for (let i = 0; i < maxChunks; i++) {
      const step = this.foldNext();
      folded += step.n;
      paid += step.paid;
      refused += step.refused;
      if (step.n < this.chunk) {
        caughtUp = true;
        break;
      }
    }
    return { ...this.store.state(), folded, caughtUp, paid, refused };
  }

  /**
   * A member's streak today, as `/sparks balance`, the card and the member page show it:
   * exact at any watermark, without writing. With `fold`, what is waiting is folded first
   * (one chunk at most), so a milestone just reached is paid by the time the member reads
   * it (the bot's reply; a web page leaves it to the timer and stays a pure read).
   */
  standing(guildId: string, userId: string, options: { fold?: boolean } = {}): StreakStanding {
    if (options.fold && this.behind()) this.catchUp(1);
    return this.standingNow(guildId, userId);
  }

  /**
   * How many freezes the member holds now (the shop's FreezeCounter): exact at any
   * watermark, and consistent with the caller's transaction when called inside one.
   */
  freezesHeld(guildId: string, userId: string): number {
    return this.standingNow(guildId, userId).freezesHeld;
  }

  private standingNow(guildId: string, userId: string): StreakStanding {
    const snap = this.store.snapshot(guildId, userId);
    const { state } = advance(stateOf(snap.row), snap.pendingDays, snap.gains, []);
    return standingOn(state, snap.gains, dayOf(this.clock()));
  }

  private foldNext(): { n: number; paid: number; refused: number } {
    this.store.settle?.(this.chunk);
    return this.db.write(() => {
      // Read inside the transaction: two processes folding at once never fold a chunk twice.
      const after = this.store.state().watermark;
      const { upto, n } = this.store.chunk(after, this.chunk);
      if (upto === null) return { n: 0, paid: 0, refused: 0 };
      const now = this.clock();
      const ladders = new Map<string, Milestone[]>();
      const ladderOf = (guildId: string) => {
        let ladder = ladders.get(guildId);
        if (!ladder) ladders.set(guildId, (ladder = this.settings.get(guildId).streakMilestones));
        return ladder;
      };
      const rows = this.store.qualifyingDays(after, upto);
      let paid = 0;
      let refused = 0;
      for (let i = 0; i < rows.length;) {
        const { guildId, userId } = rows[i]!;
        const days: number[] = [];
        for (; i < rows.length && rows[i]!.guildId === guildId && rows[i]!.userId === userId; i++)
          days.push(rows[i]!.day);
        const before = stateOf(this.store.get(guildId, userId));
        const ladder = ladderOf(guildId);
        const gains = this.store.gains(guildId, userId, before.freezeSeen);
        const { state, reached } = advance(
          before,
          days,
          gains,
          ladder.map((m) => m.days),
        );
        if (state.lastDay === before.lastDay) continue;
        this.store.put({ guildId, userId, ...state, updatedAt: now });
        for (const r of reached) {
          const sparks = ladder.find((m) => m.days === r.days)!.sparks;
          const outcome = this.pay(guildId, userId, r.startedDay, r.days, sparks);
          if (outcome === 'paid') paid++;
          if (outcome === 'refused') refused++;
        }
      }
      this.store.mark(upto, now);
      return { n, paid, refused };
    });
  }

  /** Posts one milestone bonus, once: a key already posted (even for another amount) is left alone. */
  private pay(
    guildId: string,
    userId: string,
    startedDay: number,
    days: number,
    sparks: number,
  ): 'paid' | 'already' | 'refused' {
    const key = milestoneKey(guildId, userId, startedDay, days);
    if (this.ledger.reads.transferByKey(guildId, key)) return 'already';
    try {
      this.ledger.post({
        guildId,
        kind: 'award',
        from: ISSUANCE('streak'),
        to: MEMBER(userId),
        amount: sparks,
        key,
        actor: SYSTEM,
        reason: `${days}-day streak`,
        ref: `streak:${days}`,
      });
      return 'paid';
    } catch (e) {
      // Its own savepoint rolled back; the streak itself still counts.
      if (isSparksError(e, 'SPARKS.BALANCE_OVERFLOW')) return 'refused';
      throw e;
    }
  }
}
