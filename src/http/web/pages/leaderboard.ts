import { formatNumber } from '../../../discord/i18n/index.ts';
import type { MembersService } from '../../../members/members.ts';
import type { WebDirectory, WebGuild } from '../directory.ts';
import { WebError } from '../errors.ts';
import { html, type Html } from '../html.ts';
import { page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';
import { askedPage, dataTable, numberedPager } from '../table.ts';

export const WEB_LEADERBOARD_PAGE_SIZE = 25;
const PERIODS = ['all', 'month', 'week'] as const;
type WebPeriod = (typeof PERIODS)[number];
const MAX_PAGE = 100_000;

/**
 * The leaderboard: a period's page of ranked members, with the visitor's own row. A member
 * who chose to be hidden keeps their rank and score but is shown as "A member (hidden)",
 * without name or avatar, to everyone but themselves.
 */
export async function leaderboardPage(
  ctx: PageContext,
  o: { guild: WebGuild; query: Record<string, unknown>; members: MembersService; directory: WebDirectory },
): Promise<Html> {
  const { t } = ctx;
  const period: WebPeriod = PERIODS.find((p) => p === o.query.period) ?? 'all';
  const pageNo = Math.min(Math.max(1, askedPage(o.query)), MAX_PAGE);
  const userId = ctx.session?.userId ?? null;
  const board = o.members.leaderboard(o.guild.id, period, pageNo, userId, WEB_LEADERBOARD_PAGE_SIZE);
  const hidden = o.members.hiddenOnLeaderboard(
    o.guild.id,
    board.rows.map((r) => r.userId),
  );
  const unnamed = (id: string) => hidden.has(id) && id !== userId;
  // Hidden members' names are not even looked up: nothing about them can reach the page.
  const names = await o.directory.names(
    o.guild.id,
    board.rows.map((r) => r.userId).filter((id) => !unnamed(id)),
  );
  const href = (p: WebPeriod, n: number) =>
    `/g/${o.guild.id}/leaderboard?period=${p}${n > 1 ? `&page=${n}` : ''}`;
  const tabs = html`<nav class="tabs" aria-label="${t('leaderboard.periods')}">
    ${PERIODS.map(
      (p) =>
        html`<a href="${href(p, 1)}" ${p === period ? html` aria-current="page"` : ''}
          >${t(`leaderboard.period.${p}`)}</a
        >`,
    )}
  </nav>`;
  const rows = board.rows.map((r) => {
    const you = r.userId === userId;
    if (unnamed(r.userId))
      return html`<tr class="hidden-member">
        <td class="num">${r.rank}</td>
        <td><span class="avatar" aria-hidden="true"></span>${t('leaderboard.hidden_member')}</td>
        <td class="num">${formatScore(ctx, r.score)}</td>
      </tr>`;
    const name = names.get(r.userId);
    return html`<tr${you ? html` class="you"` : ''}>
<td class="num">${r.rank}</td>
<td>${name?.avatarUrl ? html`<img class="avatar" src="${name.avatarUrl}" alt="" width="28" height="28" loading="lazy" />` : html`<span class="avatar" aria-hidden="true"></span>`}${name?.displayName ?? t('leaderboard.unknown_member')}${you ? html` <span class="muted">(${t('leaderboard.you')})</span>` : ''}</td>
<td class="num">${formatScore(ctx, r.score)}</td>
</tr>`;
  });
  const you =
    userId === null
      ? ''
      : board.you.rank !== null
        ? html`<p class="notice">
            ${t('leaderboard.your_rank', { rank: board.you.rank, score: board.you.score })}
          </p>`
        : html`<p class="notice">${t('leaderboard.you_unranked')}</p>`;
  const youHidden =
    userId !== null && o.members.leaderboardHidden(o.guild.id, userId)
      ? html`<p class="notice"><a href="/g/${o.guild.id}/me#privacy">${t('leaderboard.you_hidden')}</a></p>`
      : '';
  const pager = numberedPager(t, board.page, board.pages, (n) => href(period, n));
  return html`<h1>${t('leaderboard.title', { guild: o.guild.name })}</h1>
    ${tabs} ${you} ${youHidden}
    ${
      rows.length === 0
        ? html`<p>${t('leaderboard.empty')}</p>`
        : dataTable({
            caption: t(`leaderboard.period.${period}`),
            columns: [
              { label: t('leaderboard.rank'), num: true },
              { label: t('leaderboard.member') },
              { label: t('leaderboard.sparks'), num: true },
            ],
            rows,
          })
    }
    ${pager}`;
}

/**
 * A number in the visitor's language (grouping), as every web page writes Sparks. One
 * shared formatter per locale: building an Intl.NumberFormat per row was most of the page's time.
 */
export function formatScore(ctx: PageContext, n: number): string {
  return formatNumber(ctx.locale, n);
}

export function registerLeaderboard({ app, deps, guards }: Site): void {
  app.get('/g/:guildId/leaderboard', async (request, reply) => {
    const ctx = request.page;
    const { guild, nav, member } = await guards.guild(request, 'leaderboard');
    // A guild that keeps its board off the web still shows it to its own members.
    if (!member && !deps.settings.get(guild.id).webLeaderboard) throw new WebError(403, 'leaderboard.off');
    const body = await leaderboardPage(ctx, {
      guild,
      query: request.query as Record<string, unknown>,
      members: deps.members,
      directory: deps.directory,
    });
    return sendPage(
      reply,
      200,
      page(ctx, { title: ctx.t('leaderboard.title', { guild: guild.name }), guild: nav, body }),
    );
  });
}
