/**
 * The dashboard's data pages: campaigns (list, start, end), the ledger explorer (with its
 * CSV) and analytics. Every route is for admins only (`guards.admin`, checked against
 * Discord afresh on every POST) and every POST carries the CSRF token.
 */
import { formatNumber } from '../../../core/i18n.ts';
import type { MemberAccess } from '../guards.ts';
import { html, type Html } from '../html.ts';
import type { WebKey } from '../i18n/index.ts';
import { page, type PageContext } from '../layout.ts';
import { WebError } from '../errors.ts';
import { sendPage, type Site } from '../site.ts';
import type { FastifyReply } from 'fastify';
import { registerAdminAnalytics } from './admin-analytics.ts';
import { registerAdminCampaigns } from './admin-campaigns.ts';
import { registerAdminLedger } from './admin-ledger.ts';

export function registerAdminData(site: Site): void {
  registerAdminCampaigns(site);
  registerAdminLedger(site);
  registerAdminAnalytics(site);
}

/** Sends one of these pages: the guild's navigation, a link back to the dashboard's home. */
export function sendAdminPage(
  reply: FastifyReply,
  ctx: PageContext,
  access: MemberAccess,
  title: string,
  body: Html,
): FastifyReply {
  return sendPage(
    reply,
    200,
    page(ctx, {
      title: `${title} · ${access.guild.name}`,
      guild: access.nav,
      body: html`<p><a href="/g/${access.guild.id}/admin">${ctx.t('admin_data.back')}</a></p>
        ${body}`,
    }),
  );
}

/** A refusal of one field, naming it as the form (and the slash command) does. */
export function badField(ctx: PageContext, field: string, hint: WebKey): WebError {
  return new WebError(400, 'admin_data.bad_field', { field, hint: ctx.t(hint) });
}

/** A whole number in the visitor's language (one formatter per language: making one costs ~30 µs). */
export function formatInt(ctx: PageContext, n: number): string {
  return formatNumber(ctx.locale, n);
}

/** `YYYY-MM-DD HH:MM` in UTC: the same instant for every admin, as in the CSV. */
export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
