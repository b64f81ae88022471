/**
 * Which earnings a season counts (SPEC §9): campaigns, quests, platform, awards; by default
 * all but awards. Streak milestone bonuses count as quests. The database keeps the same
 * mapping from the other side of an entry to its source in the season triggers
 * (drizzle/0009_season_triggers.sql, re-created by 0011_streaks.sql) and in
 * SeasonStore.reached; tests/seasons/sources.test.ts pins them equal.
 */
import { SEASON_SOURCE_BITS, type AccountType, type SeasonSource } from '../db/schema.ts';
import { SparksError } from '../core/errors.ts';

export const SEASON_SOURCES = Object.keys(SEASON_SOURCE_BITS) as SeasonSource[];
export const DEFAULT_SOURCES: readonly SeasonSource[] = ['campaigns', 'quests', 'platform'];

/** The source an entry from (or back to) this account counts as; null for none. */
export function sourceOf(account: { type: AccountType; ref: string }): SeasonSource | null {
  if (account.type === 'campaign') return 'campaigns';
  if (account.type !== 'issuance') return null;
  if (account.ref === 'campaign') return 'campaigns';
  if (account.ref === 'quest' || account.ref === 'streak') return 'quests';
  if (account.ref === 'platform') return 'platform';
  if (account.ref === 'award') return 'awards';
  return null;
}

export function sourcesMask(sources: readonly SeasonSource[]): number {
  return sources.reduce((m, s) => m | SEASON_SOURCE_BITS[s], 0);
}

export function sourcesOf(mask: number): SeasonSource[] {
  return SEASON_SOURCES.filter((s) => (mask & SEASON_SOURCE_BITS[s]) !== 0);
}

/**
 * `campaigns,platform` (commas or spaces, any case; `all` for every source) → a mask.
 * Empty or null → the default. Errors: SPARKS.SEASON_INVALID 'season.invalid.sources'.
 */
export function parseSources(text: string | null | undefined): number {
  const words = (text ?? '')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (words.length === 0) return sourcesMask(DEFAULT_SOURCES);
  if (words.length === 1 && words[0] === 'all') return sourcesMask(SEASON_SOURCES);
  const picked: SeasonSource[] = [];
  for (const w of words) {
    const s = SEASON_SOURCES.find((x) => x === w || x === `${w}s`);
    if (!s)
      throw new SparksError(
        'SPARKS.SEASON_INVALID',
        { reasonKey: 'season.invalid.sources', value: w.slice(0, 20), sources: SEASON_SOURCES.join(', ') },
        'unknown source',
      );
    picked.push(s);
  }
  return sourcesMask(picked);
}
