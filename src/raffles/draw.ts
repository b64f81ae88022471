/**
 * The draw procedure of a raffle: anyone holding the revealed seed and the ordered entry
 * list can re-run it (`npm run raffle:verify -- <raffle id>` does, from the database).
 *
 * 1. The commitment published when the raffle started is SHA-256 of the seed's 32 bytes,
 *    written as 64 lowercase hex characters. The seed is revealed at the draw (64 hex).
 * 2. The tickets: the entry purchases in the order they were made (raffle_entries.id
 *    ascending), each purchase of N entries giving N tickets in a row, each ticket naming its
 *    member's Discord id.
 * 3. Step k = 0, 1, 2, …: h = SHA-256(seed bytes ‖ k as 4 bytes big-endian); x = the first
 *    8 bytes of h as an unsigned big-endian integer; the ticket picked is i = x mod (tickets
 *    left). Its member is the step's candidate, and every ticket of that member is taken out
 *    (the others keep their order). The bias of `mod` is below 2^-40 for any raffle the bot
 *    takes (at most 10^6 tickets).
 * 4. A candidate who left the server, lost the required role or is flagged is passed over
 *    (recorded with the reason); the next step draws again. The draw stops when it has as
 *    many winners as the raffle offers, or no ticket is left.
 *
 * Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';

export interface Ticketed {
  userId: string;
  count: number;
}

export interface DrawStep {
  step: number;
  /** The index picked among the tickets left. */
  ticket: number;
  userId: string;
}

export function commitmentOf(seedHex: string): string {
  return createHash('sha256').update(Buffer.from(seedHex, 'hex')).digest('hex');
}

/** The ticket list: each purchase's member, `count` times, in purchase order. */
export function ticketsOf(entries: readonly Ticketed[]): string[] {
  return entries.flatMap((e) => Array.from({ length: e.count }, () => e.userId));
}

/** The index step `k` picks among `left` tickets. */
export function pick(seedHex: string, k: number, left: number): number {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(k);
  const h = createHash('sha256').update(Buffer.from(seedHex, 'hex')).update(counter).digest();
  return Number(h.readBigUInt64BE(0) % BigInt(left));
}

/**
 * The candidates in the order the seed draws them, lazily: the caller takes as many as it
 * needs (it stops once it has its winners).
 */
export function* candidates(seedHex: string, entries: readonly Ticketed[]): Generator<DrawStep> {
  let tickets = ticketsOf(entries);
  for (let step = 0; tickets.length > 0; step++) {
    const ticket = pick(seedHex, step, tickets.length);
    const userId = tickets[ticket]!;
    yield { step, ticket, userId };
    tickets = tickets.filter((t) => t !== userId);
  }
}

export type DrawOutcome = 'won' | 'left' | 'lost_role' | 'flagged';

/**
 * Runs the whole procedure with the eligibility of each candidate as `verdict` gives it.
 * Returns every step taken, with its outcome.
 */
export async function drawWinners(
  seedHex: string,
  entries: readonly Ticketed[],
  winners: number,
  verdict: (userId: string) => Promise<DrawOutcome>,
): Promise<(DrawStep & { outcome: DrawOutcome })[]> {
  const out: (DrawStep & { outcome: DrawOutcome })[] = [];
  let won = 0;
  for (const c of candidates(seedHex, entries)) {
    if (won >= winners) break;
    const outcome = await verdict(c.userId);
    out.push({ ...c, outcome });
    if (outcome === 'won') won++;
  }
  return out;
}
