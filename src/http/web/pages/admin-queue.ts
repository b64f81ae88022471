/**
 * The manual-redemption queue, as `/sparks-admin redemptions` shows it: oldest first, with
 * the member, the reward, what they entered and how long it has waited (stale ones
 * flagged). Fulfil and Reject (with refund) call RedemptionService.resolveManual as the
 * buttons do, then tell the member the same way.
 */
import { SparksError } from '../../../core/errors.ts';
import { HOUR_MS } from '../../../core/clock.ts';
import { WebError } from '../errors.ts';
import { DASH, html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import { askedPage, dataTable, numberedPager } from '../table.ts';
import { form, redirectDone, refusing, sendAdminPage, type AdminCall, type AdminRoute } from './admin-kit.ts';

const PAGE_SIZE = 20;

async function queuePage(call: AdminCall): Promise<ReturnType<typeof sendAdminPage>> {
  const { ctx, guildId } = call;
  const { t } = ctx;
  const { redemptions, settings, directory, clock } = call.site.deps;
  const q = call.request.query as Record<string, unknown>;
  const pageNo = Math.max(1, askedPage(q));
  const { items, total } = redemptions.pendingManual(guildId, {
    offset: (pageNo - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const names = await directory.names(
    guildId,
    items.map((r) => r.userId),
  );
  const staleHours = settings.get(guildId).manualStaleHours;
  const now = clock();
  const base = `/g/${guildId}/admin/redemptions`;
  const rows = items.map((r) => {
    const stale = now - r.createdAt > staleHours * HOUR_MS;
    const who = names.get(r.userId)?.displayName ?? r.userId;
    return html`<tr${stale ? html` class="stale"` : ''}>
      <td class="num">#${r.id}</td>
      <td>${who}</td>
      <td>${r.rewardName} <span class="muted">(${t('admin.sparks', { amount: r.cost })})</span></td>
      <td>
        ${r.input ? html`<code class="member-input">${r.input}</code>` : ''}
        ${
          r.walletAddress
            ? html`<span class="wallet"
                >${t('admin.queue.wallet')}: <code class="member-wallet">${r.walletAddress}</code></span
              >`
            : ''
        }
        ${!r.input && !r.walletAddress ? html`<span class="muted">${DASH}</span>` : ''}
      </td>
      <td>
        <time datetime="${new Date(r.createdAt).toISOString()}">${ago(ctx, now - r.createdAt)}</time>
        ${stale ? html` <strong class="stale-flag">${t('admin.queue.stale', { hours: staleHours })}</strong>` : ''}
      </td>
      <td class="actions">
        ${form(
          ctx,
          `${base}/${r.id}/fulfil`,
          html`<button type="submit">${t('admin.queue.fulfil', { id: r.id })}</button>`,
          { cls: 'inline' },
        )}
        ${form(
          ctx,
          `${base}/${r.id}/reject`,
          html`<button type="submit" class="danger">${t('admin.queue.reject', { id: r.id })}</button>`,
          { cls: 'inline', confirm: t('admin.queue.reject_confirm', { id: r.id, cost: r.cost }) },
        )}
      </td>
    </tr>`;
  });
  const pager = numberedPager(t, pageNo, pages, (n) => `${base}?page=${n}`);
  return sendAdminPage(call, {
    section: 'redemptions',
    title: t('admin.section.redemptions'),
    body:
      total === 0
        ? html`<p>${t('admin.queue.empty')}</p>`
        : html`${dataTable({
            caption: t('admin.queue.waiting', { count: total }),
            columns: [
              { label: t('admin.queue.id'), num: true },
              { label: t('admin.member') },
              { label: t('admin.queue.reward') },
              { label: t('admin.queue.input') },
              { label: t('admin.queue.age') },
              { label: t('admin.shop.actions') },
            ],
            rows,
          })}
          ${pager}`,
  });
}

/** "3 hours ago", in the admin's language. */
function ago(ctx: PageContext, ms: number): string {
  const rtf = new Intl.RelativeTimeFormat(ctx.locale, { numeric: 'auto' });
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return rtf.format(-minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return rtf.format(-hours, 'hour');
  return rtf.format(-Math.round(hours / 24), 'day');
}

function resolve(action: 'fulfil' | 'reject'): AdminRoute {
  return {
    method: 'POST',
    path: `/redemptions/:redemptionId/${action}`,
    async handle(call) {
      const id = (call.request.params as { redemptionId?: string }).redemptionId ?? '';
      if (!/^\d{1,15}$/.test(id)) throw new WebError(404, 'error.404');
      const { redemptions, directory } = call.site.deps;
      const redemption = await refusing(call.ctx, () => {
        const result = redemptions.resolveManual(call.guildId, Number(id), call.actorId, action);
        // A second click, or another moderator's, was already handled: say so, as the button does.
        if (!result.changed) throw new SparksError('SPARKS.REDEMPTION_NOT_FOUND');
        return result.redemption;
      });
      await directory.notifyRedemption(redemption);
      return redirectDone(
        call,
        '/redemptions',
        action === 'fulfil' ? 'fulfilled' : 'rejected',
        redemption.rewardName,
      );
    },
  };
}

export const QUEUE_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/redemptions', handle: queuePage },
  resolve('fulfil'),
  resolve('reject'),
];
