/**
 * The message-catalogue mechanism every edge shares (the bot's replies in src/discord/i18n,
 * the web's pages in src/http/web/i18n.ts): a catalogue per language, `{param}` fills,
 * numbers formatted for the language, English when a language lacks a key.
 */
export type Locale = 'en' | 'ko';

export type Params = Record<string, string | number | null | undefined>;

const numberFormats: Record<Locale, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US'),
  ko: new Intl.NumberFormat('ko-KR'),
};

export function formatNumber(locale: Locale, n: number): string {
  return numberFormats[locale].format(n);
}

/** Looks `key` up in `catalogue` (English when the locale lacks it) and fills its `{params}`. */
export function translateFrom(
  catalogue: Record<Locale, Record<string, string>>,
  locale: Locale,
  key: string,
  params: Params = {},
): string {
  const template = catalogue[locale][key] ?? catalogue.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined || v === null) return whole;
    return typeof v === 'number' ? formatNumber(locale, v) : v;
  });
}
