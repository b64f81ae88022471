/**
 * Parsing of what a moderator types when starting a campaign: a duration, a message
 * reference, an emoji. Pure functions; errors are SparksErrors whose `reasonKey` names
 * the localized explanation.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/clock.ts';
import { SparksError } from '../core/errors.ts';

/** Bounds of `ends_in`. */
export const MIN_DURATION_MS = MINUTE_MS;
export const MAX_DURATION_MS = 90 * DAY_MS;

const invalid = (reasonKey: string, params: Record<string, string | number> = {}) =>
  new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey, ...params }, reasonKey);

/**
 * `30m`, `12h`, `3d`, `1d12h`, `2h 30m` (units d, h, m, each at most once, largest first)
 * → milliseconds, within 1 minute … 90 days. Errors: SPARKS.CAMPAIGN_INVALID.
 */
export function parseDuration(text: string): number {
  const m = /^\s*(?:(\d{1,3})\s*d)?\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,6})\s*m(?:in)?)?\s*$/i.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    throw invalid('campaign.invalid.ends_in');
  }
  const ms = Number(m[1] ?? 0) * DAY_MS + Number(m[2] ?? 0) * HOUR_MS + Number(m[3] ?? 0) * MINUTE_MS;
  if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS) throw invalid('campaign.invalid.ends_in');
  return ms;
}

export interface MessageRef {
  guildId: string;
  channelId: string;
  messageId: string;
}

const LINK =
  /^<?https:\/\/(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/channels\/(\d{17,20})\/(\d{17,20})\/(\d{17,20})\/?>?$/i;

/**
 * A message link (discord.com, ptb., canary., discordapp.com) or the id of a message in
 * `currentChannelId`. A link to another server is refused. Errors: SPARKS.MESSAGE_NOT_FOUND.
 */
export function parseMessageRef(text: string, guildId: string, currentChannelId: string): MessageRef {
  const value = text.trim();
  const link = LINK.exec(value);
  if (link) {
    if (link[1] !== guildId) throw new SparksError('SPARKS.MESSAGE_NOT_FOUND', {}, 'link to another server');
    return { guildId, channelId: link[2]!, messageId: link[3]! };
  }
  if (/^\d{17,20}$/.test(value)) return { guildId, channelId: currentChannelId, messageId: value };
  throw new SparksError('SPARKS.MESSAGE_NOT_FOUND', {}, 'neither a message link nor a message id');
}

export interface CampaignEmoji {
  /** What reactions are matched on: the custom emoji id, or the unicode emoji without VS16. */
  key: string;
  /** A plain-text label: the unicode emoji, or `:name:` for a custom one. */
  label: string;
  /** How it is shown in messages: the unicode emoji, or `<:name:id>` / `<a:name:id>`. */
  display: string;
  /** The form Discord's reaction routes take (before URL-encoding): the emoji, or `name:id`. */
  api: string;
}

const CUSTOM = /^<(a?):([\w~-]{2,32}):(\d{17,20})>$/;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const REGIONAL_PAIR = /^\p{Regional_Indicator}{2}$/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Variation selector 16 is optional in reactions: 👍 and 👍️ are the same reaction. */
export function unicodeKey(emoji: string): string {
  return emoji.replace(/\uFE0F/g, '');
}

/** The campaign key of a reaction's emoji as the gateway sends it (`{ id, name }`). */
export function reactionKey(emoji: { id?: string | null; name?: string | null }): string {
  return emoji.id ?? unicodeKey(emoji.name ?? '');
}

/**
 * One unicode emoji (a single grapheme that is pictographic, a flag or a keycap) or a
 * custom emoji `<:name:id>` / `<a:name:id>`. Errors: SPARKS.CAMPAIGN_INVALID.
 */
export function parseEmoji(text: string): CampaignEmoji {
  const value = text.trim();
  const custom = CUSTOM.exec(value);
  if (custom) {
    const [, animated, name, id] = custom as unknown as [string, string, string, string];
    return { key: id, label: `:${name}:`, display: `<${animated}:${name}:${id}>`, api: `${name}:${id}` };
  }
  const graphemes = [...segmenter.segment(value)];
  const single = graphemes.length === 1 ? value : '';
  if (single && (PICTOGRAPHIC.test(single) || REGIONAL_PAIR.test(single) || KEYCAP.test(single))) {
    return { key: unicodeKey(single), label: single, display: single, api: single };
  }
  throw invalid('campaign.invalid.emoji');
}
