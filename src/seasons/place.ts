/**
 * The end-of-season rule (SPEC §9), pure: who wins which prize, given the frozen board.
 * Higher score first; a tie goes to whoever reached the score first (the lower id of the
 * last entry that moved it), then to the account opened first. A member who left, is
 * excluded from leaderboards or is flagged is passed over and everyone below moves up.
 */
import type { SeasonPrizeRow } from '../db/season-store.ts';

export interface Candidate {
  accountId: number;
  userId: string;
  score: number;
  /** The id of the last entry that moved their season score. */
  reached: number;
}

export type Standing = 'present' | 'left' | 'excluded' | 'flagged';

export interface Placement {
  /** 1-based place on the frozen board, before anyone was passed over. */
  position: number;
  candidate: Candidate;
  /** The final rank; null when passed over. */
  rank: number | null;
  skipReason: Exclude<Standing, 'present'> | null;
  prize: SeasonPrizeRow | null;
}

export function boardOrder(a: Candidate, b: Candidate): number {
  return b.score - a.score || a.reached - b.reached || a.accountId - b.accountId;
}

/**
 * Places candidates (any order) down to the last prize rank. Returns the placements made
 * (winners and the members passed over on the way), and whether the candidates ran out
 * before the last prize rank was filled while more might exist (`exhausted: false`).
 */
export function placeWinners(
  candidates: readonly Candidate[],
  standing: (userId: string) => Standing,
  prizes: readonly SeasonPrizeRow[],
): Placement[] {
  const lastRank = Math.max(0, ...prizes.map((p) => p.rankTo));
  const out: Placement[] = [];
  let rank = 1;
  const sorted = [...candidates].sort(boardOrder);
  for (const [i, candidate] of sorted.entries()) {
    if (rank > lastRank) break;
    const s = standing(candidate.userId);
    if (s !== 'present') {
      out.push({ position: i + 1, candidate, rank: null, skipReason: s, prize: null });
      continue;
    }
    const prize = prizes.find((p) => p.rankFrom <= rank && rank <= p.rankTo) ?? null;
    out.push({ position: i + 1, candidate, rank, skipReason: null, prize });
    rank++;
  }
  return out;
}

/** The last prize rank of a ladder (0 when it has none). */
export function lastPrizeRank(prizes: readonly Pick<SeasonPrizeRow, 'rankTo'>[]): number {
  return Math.max(0, ...prizes.map((p) => p.rankTo));
}
