/**
 * Seasons and raffles on the web (SPEC §9): the season board with its prizes, the hall of
 * fame, and the raffles page where a member enters — through the same SeasonService and
 * RaffleService methods as `/sparks season`, `/sparks halloffame` and `/sparks raffle`.
 * Hidden members (`/sparks privacy`) are shown as on the leaderboard: rank and score, no name.
 */
import { randomBytes } from 'node:crypto';
import type { RaffleRow } from '../../../raffles/raffles.ts';
import type { SeasonPrizeRow, SeasonRow } from '../../../seasons/seasons.ts';
import { formatDate } from '../bot-text.ts';
import type { GuildAccess } from '../guards.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';
import { dataTable } from '../table.ts';
import { WebError } from '../errors.ts';
import { formatScore } from './leaderboard.ts';

const KEY = /^[A-Za-z0-9_-]{16,40}$/;

type Prize = Pick<SeasonPrizeRow, 'sparks' | 'roleId' | 'badge'>;

/** A prize in words; role names from the guild. */
export function prizeWords(ctx: PageContext, p: Prize, roleName: (id: string) => string): string {
  const { t } = ctx;
  return [
    p.sparks !== null ? t('season.prize_sparks', { amount: formatScore(ctx, p.sparks) }) : '',
    p.roleId ? t('season.prize_role', { role: roleName(p.roleId) }) : '',
    p.badge ? t('season.prize_badge', { badge: p.badge }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

const ranks = (p: Pick<SeasonPrizeRow, 'rankFrom' | 'rankTo'>) =>
  p.rankFrom === p.rankTo ? `#${p.rankFrom}` : `#${p.rankFrom}–${p.rankTo}`;

async function roleNamer(site: Site, guildId: string): Promise<(id: string) => string> {
  const roles = await site.deps.directory.roles(guildId);
  return (id) => roles.find((r) => r.id === id)?.name ?? id;
}

/** A table of names for user ids, hiding who asked to be hidden (but never from themselves). */
async function namer(site: Site, access: GuildAccess, userIds: readonly string[]) {
  const me = access.session?.userId ?? null;
  const hidden = site.deps.members.hiddenOnLeaderboard(access.guild.id, userIds);
  const names = await site.deps.directory.names(
    access.guild.id,
    userIds.filter((id) => !hidden.has(id) || id === me),
  );
  return (ctx: PageContext, id: string) =>
    hidden.has(id) && id !== me
      ? ctx.t('leaderboard.hidden_member')
      : (names.get(id)?.displayName ?? ctx.t('leaderboard.unknown_member'));
}

function ladder(
  ctx: PageContext,
  prizes: readonly SeasonPrizeRow[],
  roleName: (id: string) => string,
): Html | '' {
  const { t } = ctx;
  if (prizes.length === 0) return '';
  return dataTable({
    caption: t('season.prizes'),
    columns: [{ label: t('season.ranks') }, { label: t('season.prize') }],
    rows: prizes.map(
      (p) =>
        html`<tr>
          <td>${ranks(p)}</td>
          <td>${prizeWords(ctx, p, roleName)}</td>
        </tr>`,
    ),
  });
}

async function seasonBody(
  site: Site,
  access: GuildAccess,
  ctx: PageContext,
  season: SeasonRow,
): Promise<Html> {
  const { t } = ctx;
  const { seasons } = site.deps;
  const board = seasons.board(season, { limit: 25 });
  const name = await namer(
    site,
    access,
    board.rows.map((r) => r.userId),
  );
  const roleName = await roleNamer(site, access.guild.id);
  const me = access.session?.userId ?? null;
  const you = me === null ? null : seasons.standing(season, me);
  const others = seasons.list(access.guild.id, 10).filter((s) => s.season.id !== season.id);
  return html`<h1>${t('season.title', { name: season.name })}</h1>
    <p>
      ${
        board.frozen
          ? t('season.final', { when: formatDate(ctx.locale, season.frozenAt ?? season.endsAt) })
          : t('season.live', {
              start: formatDate(ctx.locale, season.startsAt),
              ends: formatDate(ctx.locale, season.endsAt),
            })
      }
    </p>
    ${
      you === null
        ? ''
        : html`<p class="notice">
            ${
              you.rank !== null
                ? t('season.you', { rank: you.rank, score: formatScore(ctx, you.score) })
                : t('season.you_unranked', { score: formatScore(ctx, you.score) })
            }
          </p>`
    }
    ${
      board.rows.length === 0
        ? html`<p>${t('season.empty')}</p>`
        : dataTable({
            caption: season.name,
            columns: [
              { label: t('season.rank'), num: true },
              { label: t('season.member') },
              { label: t('season.sparks'), num: true },
            ],
            rows: board.rows.map(
              (r) =>
                html`<tr${r.userId === me ? html` class="you"` : ''}>
                  <td class="num">${r.rank}</td>
                  <td>${name(ctx, r.userId)}</td>
                  <td class="num">${formatScore(ctx, r.score)}</td>
                </tr>`,
            ),
          })
    }
    ${ladder(ctx, seasons.prizes(season.id), roleName)}
    <p><a href="/g/${access.guild.id}/halloffame">${t('season.halloffame')}</a></p>
    ${
      others.length
        ? html`<h2>${t('season.other')}</h2>
            <ul>
              ${others.map(
                (o) =>
                  html`<li>
                    <a href="/g/${access.guild.id}/season?season=${o.season.id}">${o.season.name}</a>
                    <span class="muted">(${t(`season.status.${o.season.status}`)})</span>
                  </li>`,
              )}
            </ul>`
        : ''
    }`;
}

async function hallOfFameBody(site: Site, access: GuildAccess, ctx: PageContext): Promise<Html> {
  const { t } = ctx;
  const seasons = site.deps.seasons.hallOfFame(access.guild.id, 10);
  const name = await namer(
    site,
    access,
    seasons.flatMap((s) => s.winners.map((w) => w.userId)),
  );
  const roleName = await roleNamer(site, access.guild.id);
  return html`<h1>${t('season.halloffame_title', { guild: access.guild.name })}</h1>
    ${
      seasons.length === 0
        ? html`<p>${t('season.halloffame_empty')}</p>`
        : seasons.map(({ season, winners }) =>
            dataTable({
              caption: `${season.name} · ${formatDate(ctx.locale, season.endedAt ?? season.endsAt)}`,
              columns: [
                { label: t('season.rank'), num: true },
                { label: t('season.member') },
                { label: t('season.sparks'), num: true },
                { label: t('season.prize') },
              ],
              rows: winners.map(
                (w) =>
                  html`<tr>
                    <td class="num">${w.rank}</td>
                    <td>${name(ctx, w.userId)}</td>
                    <td class="num">${formatScore(ctx, w.score)}</td>
                    <td>${prizeWords(ctx, w, roleName)}</td>
                  </tr>`,
              ),
            }),
          )
    }`;
}

function raffleCard(
  site: Site,
  access: GuildAccess,
  ctx: PageContext,
  r: RaffleRow,
  winners: (id: string) => string,
): Html {
  const { t } = ctx;
  const reward = site.deps.rewards.get(r.rewardId);
  const me = access.member ? (access.session?.userId ?? null) : null;
  const cost =
    r.entryCost === 0
      ? t('raffles.cost_free')
      : t('raffles.cost_sparks', { amount: formatScore(ctx, r.entryCost) });
  const draws = r.status === 'drawn' ? site.deps.raffles.draws(r.id).filter((d) => d.outcome === 'won') : [];
  const key = randomBytes(18).toString('base64url');
  return html`<section class="card">
    <h2>${r.name} <span class="muted">(${t(`raffles.status.${r.status}`)})</span></h2>
    <p>${t('raffles.prize', { reward: reward?.name ?? `#${r.rewardId}`, winners: r.winners })}</p>
    <p>${t('raffles.cost', { cost, max: r.maxEntriesPerMember, ends: formatDate(ctx.locale, r.endsAt) })}</p>
    ${
      me
        ? html`<p>
            ${t('raffles.yours', { held: site.deps.raffles.held(r.id, me), max: r.maxEntriesPerMember, entries: r.entries })}
          </p>`
        : ''
    }
    <p>${t('raffles.commitment')}: <code>${r.commitment}</code></p>
    ${r.seedRevealed ? html`<p>${t('raffles.seed')}: <code>${r.seed}</code></p>` : ''}
    ${
      draws.length
        ? html`<p>${t('raffles.winners')}: ${draws.map((d) => winners(d.userId)).join(', ')}</p>
            <p class="muted">${t('raffles.verify', { id: r.id })}</p>`
        : ''
    }
    ${
      r.status === 'open' && r.closedAt === null
        ? me
          ? html`<form method="post" action="/g/${access.guild.id}/raffles/${r.id}/enter" class="inline">
              ${csrfField(ctx)}
              <input type="hidden" name="key" value="${key}" />
              <label for="entries-${r.id}">${t('raffles.entries')}</label>
              <input
                id="entries-${r.id}"
                name="entries"
                type="number"
                min="1"
                max="${r.maxEntriesPerMember}"
                value="1"
                required
              />
              <button type="submit">${t('raffles.enter')}</button>
            </form>`
          : html`<p class="muted">${t('raffles.login')}</p>`
        : ''
    }
  </section>`;
}

export function registerSeasons(site: Site): void {
  const { app, deps, guards, csrfCheck, formLimit } = site;

  app.get('/g/:guildId/season', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.guild(request, 'season');
    const asked = (request.query as Record<string, unknown>).season;
    const season =
      typeof asked === 'string' && /^\d{1,9}$/.test(asked)
        ? deps.seasons.find(access.guild.id, asked)
        : deps.seasons.current(access.guild.id);
    const body = season
      ? await seasonBody(site, access, ctx, season)
      : html`<h1>${ctx.t('nav.season')}</h1>
          <p>${ctx.t('season.none')}</p>`;
    return sendPage(
      reply,
      200,
      page(ctx, { title: season?.name ?? ctx.t('nav.season'), guild: access.nav, body }),
    );
  });

  app.get('/g/:guildId/halloffame', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.guild(request, 'season');
    const body = await hallOfFameBody(site, access, ctx);
    return sendPage(reply, 200, page(ctx, { title: ctx.t('season.halloffame'), guild: access.nav, body }));
  });

  app.get('/g/:guildId/raffles', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.guild(request, 'raffles');
    const list = deps.raffles.list(access.guild.id, 20);
    const winnerIds = list.flatMap((r) =>
      r.status === 'drawn' ? deps.raffles.draws(r.id).map((d) => d.userId) : [],
    );
    const name = await namer(site, access, winnerIds);
    const entered = (request.query as Record<string, unknown>).entered;
    const notice =
      typeof entered === 'string' && /^\d{1,9}$/.test(entered)
        ? (() => {
            const r = deps.raffles.get(Number(entered));
            const me = access.session?.userId;
            return r && me && r.guildId === access.guild.id
              ? html`<p class="notice good" role="status">
                  ${ctx.t('raffles.entered', { name: r.name, held: deps.raffles.held(r.id, me) })}
                </p>`
              : '';
          })()
        : '';
    const body = html`<h1>${ctx.t('raffles.title', { guild: access.guild.name })}</h1>
      ${notice}
      ${list.length === 0 ? html`<p>${ctx.t('raffles.empty')}</p>` : list.map((r) => raffleCard(site, access, ctx, r, (id) => name(ctx, id)))}`;
    return sendPage(reply, 200, page(ctx, { title: ctx.t('nav.raffles'), guild: access.nav, body }));
  });

  app.post(
    '/g/:guildId/raffles/:raffleId/enter',
    { ...formLimit, preHandler: csrfCheck },
    async (request, reply) => {
      const access = await guards.member(request, 'raffles');
      const raffleId = (request.params as { raffleId?: string }).raffleId ?? '';
      const body = request.body as Record<string, unknown>;
      const entries =
        typeof body.entries === 'string' && /^\d{1,4}$/.test(body.entries) ? Number(body.entries) : null;
      const key = typeof body.key === 'string' && KEY.test(body.key) ? body.key : null;
      if (!/^\d{1,9}$/.test(raffleId) || entries === null || key === null)
        throw new WebError(400, 'error.400', { detail: 'entries, key' });
      const result = deps.raffles.enter({
        guildId: access.guild.id,
        raffle: raffleId,
        userId: access.member.userId,
        entries,
        key: `web:${key}`,
        memberRoleIds: access.member.roleIds,
        joinedAt: access.member.joinedAt ?? null,
      });
      return reply.redirect(`/g/${access.guild.id}/raffles?entered=${result.raffle.id}`, 303);
    },
  );
}
