/**
 * Server-rendered HTML with escaping by default: every value interpolated into `html`
 * is escaped unless it is already `Html` (another template, or `raw` for markup the code
 * itself wrote). Display names, reward names and reasons are user text: they only ever
 * reach a page through this tag.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup the code wrote itself (never user text). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** `html` for a list, with a separator. */
export function join(items: readonly Html[], separator = ''): Html {
  return new Html(items.map((i) => i.value).join(separator));
}

/**
 * Non-ASCII characters the page markup itself uses, as escapes: esbuild keeps a tagged
 * template's text as written, and one non-ASCII character in the bundle makes V8 hold the
 * whole bot's source two bytes per character (tests/e2e/start.e2e.test.ts checks).
 */
export const SPARKLE = '\u2728';
export const MIDDOT = '\u00b7';
export const DASH = '\u2014';
export const MEDAL = '\u{1f3c5}';
