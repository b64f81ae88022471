import { ISSUING_SOURCES } from '../../../moderation/analytics.ts';
import { horizontalBars, lineChart, stackedBars } from '../charts.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import type { Site } from '../site.ts';
import { formatInt, sendAdminPage } from './admin-data.ts';

const DAYS = 30;

/** `MM-DD` of a UTC day start. */
const dayLabel = (ms: number) => new Date(ms).toISOString().slice(5, 10);
/** `YYYY-MM-DD HH:MM UTC`: the page's days are UTC days, so is this moment. */
const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function analyticsBody(ctx: PageContext, site: Site, guildId: string): Html {
  const { t } = ctx;
  const { analytics } = site.deps;
  const format = (n: number) => formatInt(ctx, n);
  // Before any journal figure is read, so they all cover the same entries.
  const rollup = analytics.catchUp();
  const flows = analytics.flows(guildId, DAYS);
  const daily = analytics.activeEarnersDaily(guildId, DAYS);
  const weekly = analytics.activeEarnersWeekly(guildId);
  const rewards = analytics.redemptionsByReward(guildId, DAYS);
  const campaigns = analytics.campaignParticipation(guildId);
  const funnel = analytics.referralFunnel(guildId);
  const issuedBy = Object.fromEntries(ISSUING_SOURCES.map((s) => [s, sum(flows.issued[s])])) as Record<
    (typeof ISSUING_SOURCES)[number],
    number
  >;
  const issued = sum(Object.values(issuedBy));
  const spent = sum(flows.spent);
  const labels = flows.days.map(dayLabel);
  const section = (id: string, title: string, body: Html) =>
    html`<section class="card" aria-labelledby="${id}-h">
      <h2 id="${id}-h">${title}</h2>
      ${body}
    </section>`;
  return html`<h1>${t('admin_analytics.title')}</h1>
    <p class="muted">${t('admin_analytics.lead')}</p>
    <p class="muted">
      ${t('admin_analytics.as_of', {
        entry: format(rollup.watermark),
        time: rollup.updatedAt === null ? '—' : utcMinute(rollup.updatedAt),
      })}
      ${rollup.caughtUp ? '' : t('admin_analytics.behind')}
    </p>
    <div class="grid">
      <div class="card">
        <p class="muted">${t('admin_analytics.total_issued')}</p>
        <p class="stat">${format(issued)}</p>
      </div>
      <div class="card">
        <p class="muted">${t('admin_analytics.total_spent')}</p>
        <p class="stat">${format(spent)}</p>
      </div>
    </div>
    ${section(
      'flows',
      t('admin_analytics.flows'),
      stackedBars({
        id: 'flows',
        title: t('admin_analytics.flows'),
        desc: t('admin_analytics.flows_desc', { issued, spent, ...issuedBy }),
        format,
        labels,
        labelHeader: t('admin_analytics.day'),
        series: ISSUING_SOURCES.map((s) => ({
          name: t(`admin_analytics.source.${s}`),
          values: flows.issued[s],
        })),
        line: { name: t('admin_analytics.spent'), values: flows.spent },
      }),
    )}
    ${section(
      'earners-daily',
      t('admin_analytics.earners_daily'),
      lineChart({
        id: 'earners-daily',
        title: t('admin_analytics.earners_daily'),
        desc: t('admin_analytics.earners_daily_desc', { max: Math.max(0, ...daily.values) }),
        format,
        labels: daily.days.map(dayLabel),
        labelHeader: t('admin_analytics.day'),
        series: [{ name: t('admin_analytics.earners'), values: daily.values }],
      }),
    )}
    ${section(
      'earners-weekly',
      t('admin_analytics.earners_weekly'),
      stackedBars({
        id: 'earners-weekly',
        title: t('admin_analytics.earners_weekly'),
        desc: t('admin_analytics.earners_weekly_desc', { last: weekly.values.at(-1) ?? 0 }),
        format,
        labels: weekly.weeks,
        labelHeader: t('admin_analytics.week'),
        series: [{ name: t('admin_analytics.earners'), values: weekly.values }],
      }),
    )}
    ${section(
      'redemptions',
      t('admin_analytics.redemptions'),
      rewards.length === 0
        ? html`<p>${t('admin_analytics.redemptions_empty')}</p>`
        : horizontalBars({
            id: 'redemptions',
            title: t('admin_analytics.redemptions'),
            desc: t('admin_analytics.redemptions_desc', { total: sum(rewards.map((r) => r.redemptions)) }),
            format,
            labelHeader: t('admin_analytics.reward'),
            valueHeader: t('admin_analytics.count'),
            rows: rewards.map((r) => ({ label: r.name, value: r.redemptions })),
          }),
    )}
    ${section(
      'campaigns',
      t('admin_analytics.campaigns'),
      campaigns.length === 0
        ? html`<p>${t('admin_analytics.campaigns_empty')}</p>`
        : horizontalBars({
            id: 'campaigns',
            title: t('admin_analytics.campaigns'),
            desc: t('admin_analytics.campaigns_desc', { count: campaigns.length }),
            format,
            labelHeader: t('admin_analytics.campaign'),
            valueHeader: t('admin_analytics.claims'),
            rows: campaigns.map((c) => ({ label: c.name, value: c.claims })),
          }),
    )}
    ${section(
      'funnel',
      t('admin_analytics.funnel'),
      horizontalBars({
        id: 'funnel',
        title: t('admin_analytics.funnel'),
        desc: t('admin_analytics.funnel_desc', { ...funnel }),
        format,
        labelHeader: t('admin_analytics.step'),
        valueHeader: t('admin_analytics.people'),
        rows: [
          { label: t('admin_analytics.funnel.registered'), value: funnel.registered },
          { label: t('admin_analytics.funnel.traded'), value: funnel.traded },
          { label: t('admin_analytics.funnel.credited'), value: funnel.credited },
        ],
      }),
    )}`;
}

export function registerAdminAnalytics(site: Site): void {
  site.app.get('/g/:guildId/admin/analytics', async (request, reply) => {
    const ctx = request.page;
    const access = await site.guards.admin(request);
    const body = analyticsBody(ctx, site, access.guild.id);
    return sendAdminPage(reply, ctx, access, ctx.t('admin_analytics.title'), body);
  });
}
