/**
 * The bot's own words on a web page. Domain errors and shop outcomes are worded once, in
 * the bot's catalogue (src/discord/i18n); those messages carry Discord markup (role
 * mentions, timestamps, bold, code). Here that markup becomes HTML a browser shows: a role
 * mention becomes the role's name, a timestamp a date, so a page never shows `<@&…>`.
 */
import { isSparksError, type ErrorCode, type SparksError } from '../../core/errors.ts';
import { sparksErrorText as botErrorText, translator } from '../../discord/i18n/index.ts';
import { localizeShopError } from '../../discord/shop-text.ts';
import type { WebDirectory } from './directory.ts';
import { html, join, type Html } from './html.ts';
import type { Locale } from './i18n/index.ts';
import type { PageContext } from './layout.ts';

export interface BotTextOptions {
  locale: Locale;
  /** Role names by id (WebDirectory.roleNames); a role not in it reads as `unknownRole`. */
  roles: ReadonlyMap<string, string>;
  unknownRole: string;
}

/**
 * The options for a guild's page: its role names, when Discord answers (a refusal page
 * must not fail because Discord is slow: unknown roles then read as `unknownRole`).
 */
export async function botTextFor(
  ctx: PageContext,
  directory: WebDirectory,
  guildId: string | null,
): Promise<BotTextOptions> {
  const roles = guildId
    ? await directory.roleNames(guildId).catch(() => new Map<string, string>())
    : new Map();
  return { locale: ctx.locale, roles, unknownRole: ctx.t('shop.unknown_role') };
}

const MARKUP = /<@&(\d+)>|<t:(-?\d+)(?::[tTdDfFR])?>|\*\*(.+?)\*\*|`([^`]+)`/g;

/** Text in the bot's Discord markup as escaped HTML (user text inside it stays text). */
export function botText(text: string, o: BotTextOptions): Html {
  const parts: Html[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKUP)) {
    parts.push(html`${text.slice(last, m.index)}`);
    const [, roleId, seconds, bold, code] = m;
    if (roleId !== undefined) parts.push(html`<strong>@${o.roles.get(roleId) ?? o.unknownRole}</strong>`);
    else if (seconds !== undefined)
      parts.push(html`<time>${formatDate(o.locale, Number(seconds) * 1000)}</time>`);
    else if (bold !== undefined) parts.push(html`<strong>${botText(bold, o)}</strong>`);
    else parts.push(html`<code>${code}</code>`);
    last = m.index + m[0].length;
  }
  parts.push(html`${text.slice(last)}`);
  return join(parts);
}

const DATE_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  // No timeZoneName: Node refuses it beside dateStyle, so "UTC" is written after the date.
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  ko: new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};

/** A moment as the visitor's language writes it, in UTC (the page has no clock of theirs). */
export function formatDate(locale: Locale, ms: number): string {
  return `${DATE_FORMATS[locale].format(ms)} UTC`;
}

/**
 * A domain refusal as the bot words it (`error.<code>`, with shop problems worded in the
 * visitor's language first), as HTML. `label`: the input's label, for a refused input.
 */
export function sparksErrorText(error: SparksError, o: BotTextOptions, label?: string): Html {
  const localized = localizeShopError(error, translator(o.locale), label);
  const e = isSparksError(localized) ? localized : error;
  return botText(botErrorText(o.locale, e), o);
}

const BAD_REQUEST = new Set<ErrorCode>(['SPARKS.INVALID_INPUT', 'SPARKS.OUT_OF_RANGE']);
const FORBIDDEN = new Set<ErrorCode>([
  'SPARKS.FORBIDDEN',
  'SPARKS.ROLE_REQUIRED',
  'SPARKS.MEMBER_TOO_NEW',
  'SPARKS.ACCOUNT_TOO_NEW',
  'SPARKS.FLAGGED',
]);

/**
 * The HTTP status of a domain refusal: bad input 400, not allowed 403, no such thing 404,
 * anything else (not enough Sparks, sold out, busy, a stale form) 409. Never 5xx: nothing
 * went wrong on the server.
 */
export function sparksStatus(code: ErrorCode): 400 | 403 | 404 | 409 {
  if (BAD_REQUEST.has(code) || code.endsWith('_INVALID') || code.startsWith('SPARKS.INVALID_')) return 400;
  if (FORBIDDEN.has(code) || code.startsWith('SPARKS.SELF_')) return 403;
  if (code.endsWith('_NOT_FOUND') || code === 'SPARKS.REWARD_UNAVAILABLE') return 404;
  return 409;
}
