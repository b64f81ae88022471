import { DAY_MS } from '../../../core/clock.ts';
import {
  isTransferKind,
  LEDGER_SOURCES,
  TRANSFER_KINDS,
  type ExplorerQuery,
  type LedgerExportRow,
  type LedgerSource,
} from '../../../moderation/ledger-explorer.ts';
import type { WebName } from '../directory.ts';
import { html, type Html, MIDDOT } from '../html.ts';
import type { PageContext } from '../layout.ts';
import type { Site } from '../site.ts';
import { dataTable, pager } from '../table.ts';
import { badField, formatInt, sendAdminPage, utcMinute } from './admin-data.ts';

const USER_ID = /^\d{17,20}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD that names a real calendar day → the start of that UTC day (ms); null when not. */
export function parseUtcDate(value: string): number | null {
  const m = DATE.exec(value);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === value ? ms : null;
}

export interface LedgerView {
  query: ExplorerQuery;
  /** The filters as typed, to fill the form and build links. */
  params: Record<'member' | 'kind' | 'source' | 'from' | 'to', string>;
  before: number | undefined;
}

/**
 * Reads the explorer's filters from the query string. `to` is a day included in the view.
 * Errors: a 400 naming the field (member, kind, source, from, to, before).
 */
export function parseLedgerQuery(ctx: PageContext, q: Record<string, unknown>): LedgerView {
  const str = (key: string) => (typeof q[key] === 'string' ? q[key].trim() : '');
  const params = {
    member: str('member'),
    kind: str('kind'),
    source: str('source'),
    from: str('from'),
    to: str('to'),
  };
  if (params.member && !USER_ID.test(params.member)) throw badField(ctx, 'member', 'admin_data.hint.user_id');
  if (params.kind && !isTransferKind(params.kind)) throw badField(ctx, 'kind', 'admin_data.hint.choice');
  const source = LEDGER_SOURCES.find((s) => s === params.source) ?? null;
  if (params.source && !source) throw badField(ctx, 'source', 'admin_data.hint.choice');
  const from = params.from ? parseUtcDate(params.from) : null;
  if (params.from && from === null) throw badField(ctx, 'from', 'admin_data.hint.date');
  const toDay = params.to ? parseUtcDate(params.to) : null;
  if (params.to && toDay === null) throw badField(ctx, 'to', 'admin_data.hint.date');
  if (from !== null && toDay !== null && toDay < from)
    throw badField(ctx, 'to', 'admin_data.hint.date_order');
  const rawBefore = str('before');
  if (rawBefore && !/^\d{1,15}$/.test(rawBefore))
    throw badField(ctx, 'before', 'admin_data.hint.whole_number');
  return {
    query: {
      userId: params.member || null,
      kind: isTransferKind(params.kind) ? params.kind : null,
      source,
      from,
      to: toDay !== null ? toDay + DAY_MS : null,
    },
    params,
    before: rawBefore ? Number(rawBefore) : undefined,
  };
}

function search(params: Record<string, string>, extra: Record<string, string> = {}): string {
  const s = new URLSearchParams(
    Object.entries({ ...params, ...extra }).filter(([, v]) => v !== ''),
  ).toString();
  return s ? `?${s}` : '';
}

function ledgerBody(
  ctx: PageContext,
  guildId: string,
  view: LedgerView,
  rows: LedgerExportRow[],
  next: number | null,
  names: Map<string, WebName>,
): Html {
  const { t } = ctx;
  const base = `/g/${guildId}/admin/ledger`;
  const account = (type: string, ref: string) =>
    type === 'member'
      ? html`${names.get(ref)?.displayName ?? ref} <span class="muted">${ref}</span>`
      : html`<span class="muted">${type}:</span>${ref}`;
  const select = (name: 'kind' | 'source', options: readonly string[], label: (o: string) => string) =>
    html`<select id="l-${name}" name="${name}">
      <option value="">${t('admin_ledger.any')}</option>
      ${options.map((o) => html`<option value="${o}" ${view.params[name] === o ? html` selected` : ''}>${label(o)}</option>`)}
    </select>`;
  const sourceLabel = (s: string) => t(`admin_ledger.source.${s as LedgerSource}`);
  const filters = html`<form
    method="get"
    action="${base}"
    class="card filters"
    aria-label="${t('admin_ledger.filters')}"
  >
    <div class="grid">
      <div>
        <label for="l-member">${t('admin_ledger.member')}</label>
        <input id="l-member" name="member" inputmode="numeric" maxlength="20" value="${view.params.member}" />
      </div>
      <div>
        <label for="l-kind">${t('admin_ledger.kind')}</label>${select('kind', TRANSFER_KINDS, (k) => k)}
      </div>
      <div>
        <label for="l-source">${t('admin_ledger.source')}</label
        >${select('source', LEDGER_SOURCES, sourceLabel)}
      </div>
      <div>
        <label for="l-from">${t('admin_ledger.from')}</label>
        <input id="l-from" name="from" type="date" value="${view.params.from}" />
      </div>
      <div>
        <label for="l-to">${t('admin_ledger.to')}</label>
        <input id="l-to" name="to" type="date" value="${view.params.to}" />
      </div>
    </div>
    <p>
      <button type="submit">${t('admin_ledger.apply')}</button>
      <a href="${base}">${t('admin_ledger.clear')}</a> ${MIDDOT}
      <a href="${base}.csv${search(view.params)}" download>${t('admin_ledger.csv')}</a>
    </p>
  </form>`;
  const table =
    rows.length === 0
      ? html`<p>${t('admin_ledger.empty')}</p>`
      : dataTable({
          caption: t('admin_ledger.caption'),
          cls: 'ledger',
          scroll: true,
          columns: [
            { label: t('admin_ledger.id'), num: true },
            { label: t('admin_ledger.when') },
            { label: t('admin_ledger.kind') },
            { label: t('admin_ledger.from_account') },
            { label: t('admin_ledger.to_account') },
            { label: t('admin_ledger.amount'), num: true },
            { label: t('admin_ledger.reason') },
            { label: t('admin_ledger.actor') },
          ],
          rows: rows.map(
            (r) =>
              html`<tr>
                <td class="num">${r.id}</td>
                <td>${utcMinute(r.createdAt)}</td>
                <td>${r.kind}</td>
                <td>${account(r.debitType, r.debitRef)}</td>
                <td>${account(r.creditType, r.creditRef)}</td>
                <td class="num">${formatInt(ctx, r.amount)}</td>
                <td>${r.reason}</td>
                <td>${r.actorType}:${r.actorId}</td>
              </tr>`,
          ),
        });
  const pages = pager({
    label: t('admin_ledger.pages'),
    back:
      view.before !== undefined
        ? { href: `${base}${search(view.params)}`, text: t('admin_ledger.newest') }
        : null,
    forward:
      next !== null
        ? {
            href: `${base}${search(view.params, { before: String(next) })}`,
            text: t('admin_ledger.older'),
            rel: 'next',
          }
        : null,
  });
  return html`<h1>${t('admin_ledger.title')}</h1>
    <p class="muted">${t('admin_ledger.lead')}</p>
    ${filters} ${table} ${pages}`;
}

export function registerAdminLedger({ app, deps, guards }: Site): void {
  app.get('/g/:guildId/admin/ledger', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.admin(request);
    const view = parseLedgerQuery(ctx, request.query as Record<string, unknown>);
    const { rows, next } = deps.explorer.page(access.guild.id, view.query, view.before);
    const members = new Set<string>();
    for (const r of rows) {
      if (r.debitType === 'member') members.add(r.debitRef);
      if (r.creditType === 'member') members.add(r.creditRef);
    }
    const names = await deps.directory.names(access.guild.id, [...members]);
    const body = ledgerBody(ctx, access.guild.id, view, rows, next, names);
    return sendAdminPage(reply, ctx, access, ctx.t('admin_ledger.title'), body);
  });

  // The filtered view as the export's CSV, streamed from the database (no page cursor: all of it).
  app.get(
    '/g/:guildId/admin/ledger.csv',
    { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const access = await guards.admin(request);
      const view = parseLedgerQuery(request.page, request.query as Record<string, unknown>);
      const stamp = new Date(deps.clock()).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="sparks-ledger-${access.guild.id}-${stamp}.csv"`)
        .send(deps.explorer.csv(access.guild.id, view.query));
    },
  );
}
