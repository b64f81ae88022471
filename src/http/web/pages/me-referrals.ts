/**
 * The referrals section of a member's page, as `/sparks referrals` shows them: each invitee
 * (named only if they are a member of this server) as pending, qualified or lapsed, what
 * it earned and what waits. The same service method as the command.
 */
import { formatUsd } from '../../../platform/schemas.ts';
import type { InviteeSummary } from '../../../db/referral-store.ts';
import { formatNumber } from '../../../core/i18n.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import type { Site } from '../site.ts';
import { dataTable } from '../table.ts';

const SHOWN = 25;

/** The section; empty for a member who referred no one. */
export async function referralsSection(
  ctx: PageContext,
  deps: Site['deps'],
  guildId: string,
  userId: string,
): Promise<Html | ''> {
  const { items, total } = deps.referrals.invitees(guildId, userId, SHOWN);
  if (total === 0) return '';
  const { t } = ctx;
  const names = await deps.directory.names(
    guildId,
    items.map((i) => i.inviteeUserId),
  );
  const day = (ms: number | null) =>
    new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(ms ?? 0);
  const n = (v: number) => formatNumber(ctx.locale, v);
  const state = (i: InviteeSummary) => {
    switch (i.status) {
      case 'pending':
        return t('me.referrals_pending', {
          volume: formatUsd(i.volumeCents),
          target: formatUsd(i.qualifyVolumeCents ?? 0),
          until: day(i.qualifyBy),
        });
      case 'qualified':
        return t('me.referrals_qualified');
      case 'lapsed':
        return t('me.referrals_lapsed', { at: day(i.qualifyBy), lapsed: n(i.lapsed) });
    }
  };
  const rows = items.map(
    (i) =>
      html`<tr class="referral-${i.status}">
        <td>${names.get(i.inviteeUserId)?.displayName ?? t('me.referrals_unnamed')}</td>
        <td>${state(i)}</td>
        <td class="num">${n(i.credited)}</td>
        <td class="num">${n(i.pending)}</td>
      </tr>`,
  );
  const { earn } = deps.settings.get(guildId);
  return html`<h2 id="referrals">${t('me.referrals')}</h2>
    <p class="muted">
      ${
        earn.referralQualifyVolumeUsd > 0
          ? t('me.referrals_rule', { usd: earn.referralQualifyVolumeUsd, days: earn.referralQualifyDays })
          : t('me.referrals_rule_off')
      }
    </p>
    ${dataTable({
      caption: t('me.referrals_caption', { total }),
      columns: [
        { label: t('me.referrals_invitee') },
        { label: t('me.referrals_state') },
        { label: t('me.referrals_earned'), num: true },
        { label: t('me.referrals_waiting'), num: true },
      ],
      rows,
    })}
    ${total > items.length ? html`<p class="muted">${t('me.referrals_more', { shown: items.length, total })}</p>` : ''}`;
}
