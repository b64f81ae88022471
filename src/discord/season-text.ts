/**
 * How seasons read in Discord, shared by the admin's and the members' commands (and the
 * web, which reads words only): a prize, a status, the sources a season counts.
 */
import { time, TimestampStyles } from 'discord.js';
import { sourcesOf } from '../seasons/sources.ts';
import type { SeasonPrizeRow, SeasonRow } from '../seasons/seasons.ts';
import type { Translate } from './i18n/index.ts';

const rel = (at: number) => time(Math.floor(at / 1000), TimestampStyles.RelativeTime);

/** `500 Sparks · @Champion · 🎖️ Gold`. */
export function prizeText(t: Translate, p: Pick<SeasonPrizeRow, 'sparks' | 'roleId' | 'badge'>): string {
  return [
    p.sparks !== null ? t('season.prize.sparks', { amount: p.sparks }) : '',
    p.roleId ? `<@&${p.roleId}>` : '',
    p.badge ? t('season.prize.badge', { badge: p.badge }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export function rangeText(t: Translate, p: Pick<SeasonPrizeRow, 'rankFrom' | 'rankTo'>): string {
  return p.rankFrom === p.rankTo
    ? t('season.prize.rank', { from: p.rankFrom })
    : t('season.prize.ranks', { from: p.rankFrom, to: p.rankTo });
}

export function ladderText(t: Translate, prizes: readonly SeasonPrizeRow[]): string {
  return prizes.map((p) => `${rangeText(t, p)} ${prizeText(t, p)}`).join('\n');
}

export function statusText(t: Translate, s: SeasonRow): string {
  switch (s.status) {
    case 'running':
      return t('season.status.running', { when: rel(s.endsAt) });
    case 'paying':
      return t('season.status.paying');
    case 'ended':
      return t('season.status.ended', { when: rel(s.endedAt ?? s.endsAt) });
  }
}

export function sourcesText(t: Translate, mask: number): string {
  return sourcesOf(mask)
    .map((s) => t(`season.source.${s}`))
    .join(', ');
}

export { rel as relativeTime };

/** Cuts text to Discord's field limits. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
