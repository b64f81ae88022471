/**
 * The dashboard's seasons and raffles: the lists `/sparks-admin season list` and
 * `/sparks-admin raffle list` show, from the same services. Starting, prizes, ending,
 * drawing and cancelling stay in Discord for now (they need the running bot's role checks).
 */
import { formatDate } from '../bot-text.ts';
import { html } from '../html.ts';
import { dataTable } from '../table.ts';
import { formatScore } from './leaderboard.ts';
import { prizeWords } from './seasons.ts';
import { sendAdminPage, type AdminRoute } from './admin-kit.ts';

export const SEASON_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/seasons',
    async handle(call) {
      const { ctx, guildId } = call;
      const { t } = ctx;
      const { seasons, directory } = call.site.deps;
      const all = seasons.list(guildId, 25);
      const roles = await directory.roles(guildId);
      const roleName = (id: string) => roles.find((r) => r.id === id)?.name ?? id;
      const winnerIds = all.flatMap((v) => seasons.winners(v.season.id).map((w) => w.userId));
      const names = await directory.names(guildId, winnerIds);
      return sendAdminPage(call, {
        section: 'seasons',
        title: t('admin.section.seasons'),
        body: html`<p class="muted">${t('admin.seasons.hint')}</p>
          ${
            all.length === 0
              ? html`<p>${t('season.none')}</p>`
              : dataTable({
                  caption: t('admin.section.seasons'),
                  columns: [
                    { label: t('admin.seasons.name') },
                    { label: t('admin.seasons.status') },
                    { label: t('admin.seasons.window') },
                    { label: t('admin.seasons.prizes') },
                    { label: t('admin.seasons.winners') },
                  ],
                  rows: all.map(({ season, prizes }) => {
                    const winners = seasons.winners(season.id);
                    return html`<tr>
                      <td><a href="/g/${guildId}/season?season=${season.id}">${season.name}</a></td>
                      <td>${t(`season.status.${season.status}`)}</td>
                      <td>
                        ${`${formatDate(ctx.locale, season.startsAt)} \u2013 ${formatDate(ctx.locale, season.endsAt)}`}
                      </td>
                      <td>
                        ${prizes
                          .map(
                            (p) =>
                              `${p.rankFrom === p.rankTo ? `#${p.rankFrom}` : `#${p.rankFrom}–${p.rankTo}`} ${prizeWords(ctx, p, roleName)}`,
                          )
                          .join('; ')}
                      </td>
                      <td>
                        ${winners
                          .map(
                            (w) =>
                              `#${w.rank} ${names.get(w.userId)?.displayName ?? w.userId} (${formatScore(ctx, w.score)})${w.roleStatus === 'failed' ? ' ⚠️' : ''}`,
                          )
                          .join(', ')}
                      </td>
                    </tr>`;
                  }),
                })
          }`,
      });
    },
  },
  {
    method: 'GET',
    path: '/raffles',
    async handle(call) {
      const { ctx, guildId } = call;
      const { t } = ctx;
      const { raffles, rewards, directory } = call.site.deps;
      const all = raffles.list(guildId, 25);
      const names = await directory.names(
        guildId,
        all.flatMap((r) => raffles.draws(r.id).map((d) => d.userId)),
      );
      return sendAdminPage(call, {
        section: 'raffles',
        title: t('admin.section.raffles'),
        body: html`<p class="muted">${t('admin.raffles.hint')}</p>
          ${
            all.length === 0
              ? html`<p>${t('raffles.empty')}</p>`
              : dataTable({
                  caption: t('admin.section.raffles'),
                  columns: [
                    { label: t('admin.raffles.name') },
                    { label: t('admin.seasons.status') },
                    { label: t('season.prize') },
                    { label: t('raffles.entries'), num: true },
                    { label: t('raffles.commitment') },
                    { label: t('raffles.winners') },
                  ],
                  rows: all.map(
                    (r) =>
                      html`<tr>
                        <td>${r.name} (#${r.id})</td>
                        <td>${t(`raffles.status.${r.status}`)}</td>
                        <td>${`${rewards.get(r.rewardId)?.name ?? `#${r.rewardId}`} \u00d7 ${r.winners}`}</td>
                        <td class="num">${formatScore(ctx, r.entries)}</td>
                        <td><code>${r.commitment}</code></td>
                        <td>
                          ${raffles
                            .draws(r.id)
                            .filter((d) => d.outcome === 'won')
                            .map((d) => names.get(d.userId)?.displayName ?? d.userId)
                            .join(', ')}
                        </td>
                      </tr>`,
                  ),
                })
          }`,
      });
    },
  },
];
