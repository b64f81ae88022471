import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { SparksError } from '../core/errors.ts';
import type { Translate } from './i18n/index.ts';

/**
 * Paged replies keep no state in memory: each Previous/Next button's custom id carries the
 * member who asked, where to go, and when the page was made, so buttons keep working across
 * restarts and shards. A page older than this is stale (its numbers may be far off by now).
 */
export const PAGE_TTL_MS = 15 * 60_000;

/** When a page was made, compactly (seconds since the epoch, base 36). */
export function pageStamp(now: number): string {
  return Math.floor(now / 1000).toString(36);
}

/** Errors: SPARKS.NOT_YOUR_COMPONENT when someone else presses the asker's buttons. */
export function assertOwner(ownerId: string, userId: string): void {
  if (ownerId !== userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
}

/** Errors: SPARKS.STALE_COMPONENT for an unreadable stamp or a page older than PAGE_TTL_MS. */
export function assertFresh(stamp: string | undefined, now: number): void {
  const issued = stamp && /^[0-9a-z]{1,10}$/.test(stamp) ? parseInt(stamp, 36) * 1000 : NaN;
  if (!Number.isFinite(issued) || now - issued > PAGE_TTL_MS || issued - now > 60_000) {
    throw new SparksError('SPARKS.STALE_COMPONENT', {}, `page stamp ${stamp ?? '(none)'}`);
  }
}

/** A snowflake from a custom id; anything else means a button from another version. */
export function snowflakeArg(value: string | undefined): string {
  if (!value || !/^\d{15,25}$/.test(value)) throw new SparksError('SPARKS.STALE_COMPONENT', {}, 'bad id');
  return value;
}

/** A non-negative integer from a custom id. */
export function intArg(value: string | undefined): number {
  const n = value && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new SparksError('SPARKS.STALE_COMPONENT', {}, 'bad number');
  return n;
}

/** The Previous / Next row; a side with no id is shown disabled. */
export function pageButtons(
  t: Translate,
  prev: { id: string; enabled: boolean },
  next: { id: string; enabled: boolean },
): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(prev.id)
      .setLabel(t('common.previous'))
      .setEmoji('◀️')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(!prev.enabled),
    new ButtonBuilder()
      .setCustomId(next.id)
      .setLabel(t('common.next'))
      .setEmoji('▶️')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(!next.enabled),
  );
}
