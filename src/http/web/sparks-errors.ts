import type { SparksError } from '../../core/errors.ts';
// The catalogue only (no discord.js at run time): the web must not load the Discord client.
import { sparksErrorText } from '../../discord/i18n/index.ts';
import type { Locale } from './i18n/index.ts';

/**
 * A domain refusal as a web page says it: the bot's own localized message (one catalogue
 * for both edges), with Discord's markdown and mentions turned into plain text.
 */
export function webSparksErrorText(locale: Locale, error: SparksError): string {
  return sparksErrorText(locale, error)
    .replace(/\*\*|`/g, '')
    .replace(/<#(\d+)>/g, 'channel $1')
    .replace(/<@&(\d+)>/g, 'role $1')
    .replace(/<@!?(\d+)>/g, 'member $1')
    .replace(/<t:(\d+)(?::\w)?>/g, (_m, s: string) => new Date(Number(s) * 1000).toISOString());
}
