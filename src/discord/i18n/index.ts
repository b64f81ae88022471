import type { Locale as DiscordLocale } from 'discord.js';
import type { SparksError } from '../../core/errors.ts';
import { translateFrom, type Params } from '../../core/i18n.ts';
import * as admin from './admin.ts';
import * as campaigns from './campaigns.ts';
import * as core from './core.ts';
import * as identity from './identity.ts';
import * as members from './members.ts';
import * as moderation from './moderation.ts';
import * as quests from './quests.ts';
import * as seasons from './seasons.ts';
import * as shop from './shop.ts';
import * as streaks from './streaks.ts';
import * as wallets from './wallets.ts';

/** The bot speaks English and Korean; every other Discord locale falls back to English. */
export type { Locale, Params } from '../../core/i18n.ts';
export { formatNumber } from '../../core/i18n.ts';
import type { Locale } from '../../core/i18n.ts';

// Each feature's catalogue is listed once here; their keys must not overlap.
const catalogues = [
  core,
  members,
  moderation,
  campaigns,
  admin,
  shop,
  seasons,
  quests,
  streaks,
  wallets,
  identity,
] as const;

type Catalogue = (typeof catalogues)[number]['en'];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
export type MessageKey = keyof UnionToIntersection<Catalogue>;

const messages: Record<Locale, Record<string, string>> = {
  en: Object.assign({}, ...catalogues.map((c) => c.en)) as Record<string, string>,
  ko: Object.assign({}, ...catalogues.map((c) => c.ko)) as Record<string, string>,
};

export function localeOf(discordLocale: DiscordLocale | string | null | undefined): Locale {
  return typeof discordLocale === 'string' && discordLocale.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/**
 * Looks a message up (English when the locale lacks it) and fills its `{params}`. `key` is
 * a MessageKey, or a computed one such as `error.${code}`.
 */
export function translate(locale: Locale, key: string, params: Params = {}): string {
  return translateFrom(messages, locale, key, params);
}

export type Translate = (key: MessageKey, params?: Params) => string;

/**
 * A SparksError in the member's language (the bot's replies and the web's pages say the
 * same words). A domain error cannot speak the member's language, so it may name its
 * explanation by message key (`params.reasonKey`); it is translated here into `{reason}`.
 */
export function sparksErrorText(locale: Locale, error: SparksError): string {
  const params = error.params;
  const reason =
    typeof params.reasonKey === 'string' ? { reason: translate(locale, params.reasonKey, params) } : {};
  return translate(locale, `error.${error.code}`, { ...params, ...reason });
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

/** Every key in one locale that the other lacks (the i18n test asserts none). */
export function missingTranslations(): { locale: Locale; key: string }[] {
  const out: { locale: Locale; key: string }[] = [];
  for (const c of catalogues) {
    const en = c.en as Record<string, string>;
    const ko = c.ko as Record<string, string>;
    for (const k of Object.keys(en)) if (!ko[k]) out.push({ locale: 'ko', key: k });
    for (const k of Object.keys(ko)) if (!en[k]) out.push({ locale: 'en', key: k });
  }
  return out;
}

/** Both-locale text for command names' descriptions (Discord shows the user's language). */
export interface Localized {
  en: string;
  ko: string;
}
