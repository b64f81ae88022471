/**
 * The web's words, in the same catalogue style as the bot's (src/discord/i18n): each page
 * area has its own file with an English object and a Korean one typed by it (so a missing
 * translation does not compile), listed once below; keys must not overlap. The language
 * comes from the visitor's `lang` cookie (the switcher sets it) or their Accept-Language.
 */
import { translateFrom, type Locale, type Params } from '../../../core/i18n.ts';
import * as adminData from './admin-data.ts';
import * as admin from './admin.ts';
import * as core from './core.ts';
import * as identity from './identity.ts';
import * as leaderboard from './leaderboard.ts';
import * as linkedRole from './linked-role.ts';
import * as me from './me.ts';
import * as quests from './quests.ts';
import * as seasons from './seasons.ts';
import * as shop from './shop.ts';
import * as streaks from './streaks.ts';
import * as wallets from './wallets.ts';

export type { Locale } from '../../../core/i18n.ts';

const catalogues = [
  core,
  leaderboard,
  shop,
  me,
  adminData,
  admin,
  seasons,
  quests,
  linkedRole,
  streaks,
  wallets,
  identity,
] as const;

type Catalogue = (typeof catalogues)[number]['en'];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
export type WebKey = Extract<keyof UnionToIntersection<Catalogue>, string>;

const catalogue: Record<Locale, Record<string, string>> = {
  en: Object.assign({}, ...catalogues.map((c) => c.en)) as Record<string, string>,
  ko: Object.assign({}, ...catalogues.map((c) => c.ko)) as Record<string, string>,
};

export type WebTranslate = (key: WebKey, params?: Params) => string;

export function webTranslator(locale: Locale): WebTranslate {
  return (key, params) => translateFrom(catalogue, locale, key, params);
}

/** Keys that two catalogues both define (the i18n test asserts none). */
export function overlappingKeys(): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const c of catalogues)
    for (const key of Object.keys(c.en)) {
      if (seen.has(key)) twice.push(key);
      seen.add(key);
    }
  return twice;
}

/**
 * The visitor's language: the switcher's cookie when set, else the first of their
 * Accept-Language tags (by q-value) that we speak, else English.
 */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookie === 'en' || cookie === 'ko') return cookie;
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((t) => t.tag && Number.isFinite(t.q) && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    if (tag === 'ko' || tag.startsWith('ko-')) return 'ko';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
