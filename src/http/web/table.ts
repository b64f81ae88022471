/**
 * The markup every list page shares: a captioned data table and the pager under it. One
 * place decides how a table is announced (caption, column scopes, a scrollable region a
 * keyboard can reach) so every page passes the same accessibility check.
 */
import { html, type Html } from './html.ts';
import type { WebTranslate } from './i18n/index.ts';

export interface Column {
  label: string;
  /** A number column: right-aligned, as its cells are. */
  num?: boolean;
}

/**
 * A table with a caption and one header row. `scroll` wraps it in a focusable region named
 * by the caption, for tables wider than a phone.
 */
export function dataTable(o: {
  caption: string;
  columns: readonly Column[];
  rows: Html | readonly Html[];
  cls?: string;
  scroll?: boolean;
}): Html {
  const table = html`<table${o.cls ? html` class="${o.cls}"` : ''}>
    <caption class="muted">
      ${o.caption}
    </caption>
    <thead>
      <tr>
        ${o.columns.map((c) => html`<th scope="col" ${c.num ? html` class="num"` : ''}>${c.label}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${o.rows}
    </tbody>
  </table>`;
  return o.scroll
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="${o.caption}">${table}</div>`
    : table;
}

export interface PagerLink {
  href: string;
  text: string;
  /** Left out for a link that jumps rather than steps (the ledger's "newest"). */
  rel?: 'prev' | 'next';
}

/** The navigation between pages; nothing when there is no other page to go to. */
export function pager(o: {
  label: string;
  back: PagerLink | null;
  position?: string;
  forward: PagerLink | null;
}): Html | '' {
  if (!o.back && !o.forward) return '';
  const link = (l: PagerLink | null) =>
    l ? html`<a href="${l.href}" ${l.rel ? html` rel="${l.rel}"` : ''}>${l.text}</a>` : '';
  return html`<nav class="pager" aria-label="${o.label}">
    ${link(o.back)} ${o.position === undefined ? '' : html`<span>${o.position}</span>`} ${link(o.forward)}
  </nav>`;
}

/** The `page` query parameter as asked for (1 when absent or not a number); callers clamp it. */
export function askedPage(query: Record<string, unknown>): number {
  return typeof query.page === 'string' && /^\d{1,6}$/.test(query.page) ? Number(query.page) : 1;
}

/** A numbered pager (previous, "page n of m", next) over `href(n)`. */
export function numberedPager(
  t: WebTranslate,
  pageNo: number,
  pages: number,
  href: (n: number) => string,
): Html | '' {
  if (pages <= 1) return '';
  return pager({
    label: t('leaderboard.pages'),
    back: pageNo > 1 ? { href: href(pageNo - 1), text: t('leaderboard.prev'), rel: 'prev' } : null,
    position: t('leaderboard.page', { page: pageNo, pages }),
    forward: pageNo < pages ? { href: href(pageNo + 1), text: t('leaderboard.next'), rel: 'next' } : null,
  });
}
