/**
 * Streak milestones as an admin sets them (`streak_milestones`, SPEC §10): the streak
 * lengths that pay a bonus, and how much. Written `3:10, 7:50, 30:200` (days:Sparks, commas
 * or spaces between pairs), stored as JSON pairs fewest days first.
 */
import { SparksError } from '../core/errors.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../ledger/amount.ts';
import './errors.ts';

export interface Milestone {
  /** Qualifying days in one streak. */
  days: number;
  /** The bonus, paid once per streak that reaches `days`. */
  sparks: number;
}

export const MAX_MILESTONES = 10;
export const MAX_MILESTONE_DAYS = 3650;
/** Longest `streak_milestones` text accepted (ten pairs of the largest values fit). */
export const MAX_MILESTONES_TEXT = 200;

function invalid(part: string): SparksError {
  return new SparksError(
    'SPARKS.STREAK_MILESTONES_INVALID',
    { part: part.slice(0, 40), count: MAX_MILESTONES, maxDays: MAX_MILESTONE_DAYS, maxSparks: MAX_AMOUNT },
    'bad streak milestone',
  );
}

/**
 * `3:10, 7:50` → milestones, fewest days first. Errors: SPARKS.STREAK_MILESTONES_INVALID
 * naming the part refused (not `days:sparks`, days outside 1…3650 or repeated, Sparks
 * outside 1…1,000,000,000, more than ten pairs, or an empty list).
 */
export function parseMilestones(text: string): Milestone[] {
  if (text.length > MAX_MILESTONES_TEXT) throw invalid(text);
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > MAX_MILESTONES) throw invalid(text.trim());
  const out: Milestone[] = [];
  for (const part of parts) {
    const m = /^(\d{1,4})[:=](\d{1,10})$/.exec(part);
    const days = m ? Number(m[1]) : NaN;
    const sparks = m ? Number(m[2]) : NaN;
    if (!m || days < 1 || days > MAX_MILESTONE_DAYS || sparks < MIN_AMOUNT || sparks > MAX_AMOUNT)
      throw invalid(part);
    if (out.some((x) => x.days === days)) throw invalid(part);
    out.push({ days, sparks });
  }
  return out.sort((a, b) => a.days - b.days);
}

/** The first milestone a streak of `current` days has still to reach; null when none is left. */
export function nextMilestone(milestones: readonly Milestone[], current: number): Milestone | null {
  return milestones.find((m) => m.days > current) ?? null;
}

/** Milestones as the option takes them back: `3:10, 7:50`; '' for none. */
export function formatMilestones(milestones: readonly Milestone[]): string {
  return milestones.map((m) => `${m.days}:${m.sparks}`).join(', ');
}

/** The stored JSON back into milestones; anything malformed reads as none (the writer checked it). */
export function milestonesFromJson(json: string | null): Milestone[] {
  if (!json) return [];
  try {
    const pairs = JSON.parse(json) as unknown;
    if (!Array.isArray(pairs)) return [];
    return pairs
      .filter(
        (p): p is [number, number] =>
          Array.isArray(p) &&
          Number.isSafeInteger(p[0]) &&
          Number.isSafeInteger(p[1]) &&
          p[0] >= 1 &&
          p[1] >= 1,
      )
      .map(([days, sparks]) => ({ days, sparks }))
      .sort((a, b) => a.days - b.days);
  } catch {
    return [];
  }
}

export function milestonesToJson(milestones: readonly Milestone[]): string {
  return JSON.stringify(milestones.map((m) => [m.days, m.sparks]));
}
