/**
 * Re-derives a drawn raffle's winners from what anyone can see — the revealed seed, the
 * published commitment, the ordered entry list and the recorded outcome of each step — by
 * the procedure of draw.ts. Pure.
 */
import { candidates, commitmentOf } from './draw.ts';
import type { RaffleDrawRow, RaffleEntryRow, RaffleRow } from './raffles.ts';

export interface DrawCheck {
  ok: boolean;
  problems: string[];
  /** The winners the seed gives, in draw order (Discord ids). */
  winners: string[];
}

export function verifyDraw(
  raffle: Pick<RaffleRow, 'status' | 'seed' | 'seedRevealed' | 'commitment' | 'winners'>,
  entries: readonly Pick<RaffleEntryRow, 'userId' | 'count'>[],
  draws: readonly Pick<RaffleDrawRow, 'step' | 'userId' | 'ticket' | 'outcome'>[],
): DrawCheck {
  const problems: string[] = [];
  if (raffle.status !== 'drawn' || raffle.seedRevealed !== 1)
    return { ok: false, problems: [`the raffle is ${raffle.status}: its seed is not revealed`], winners: [] };
  if (!/^[0-9a-f]{64}$/.test(raffle.seed)) problems.push('the seed is not 64 hex characters');
  if (commitmentOf(raffle.seed) !== raffle.commitment)
    problems.push('SHA-256 of the seed is not the commitment published at the start');
  const winners: string[] = [];
  const steps = candidates(raffle.seed, entries);
  for (const d of draws) {
    const expected = steps.next();
    if (expected.done) {
      problems.push(`step ${d.step}: the seed gives no candidate (no ticket left)`);
      break;
    }
    const e = expected.value;
    if (e.step !== d.step || e.userId !== d.userId || e.ticket !== d.ticket)
      problems.push(
        `step ${d.step}: recorded ${d.userId} (ticket ${d.ticket}), the seed gives ${e.userId} (ticket ${e.ticket})`,
      );
    if (d.outcome === 'won') winners.push(e.userId);
  }
  // The draw stops only with every prize given or no ticket left.
  if (winners.length < raffle.winners && !steps.next().done)
    problems.push(`the draw stopped at ${winners.length} of ${raffle.winners} winners with tickets left`);
  if (winners.length > raffle.winners)
    problems.push(`${winners.length} winners for ${raffle.winners} prizes`);
  return { ok: problems.length === 0, problems, winners };
}
