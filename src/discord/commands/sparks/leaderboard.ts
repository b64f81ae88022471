import { EmbedBuilder, type AttachmentBuilder, type BaseMessageOptions, type Guild } from 'discord.js';
import type { LeaderboardCard } from '../../../cards/render.ts';
import { SparksError } from '../../../core/errors.ts';
import { DAY_MS, utcDayStart } from '../../../core/clock.ts';
import { periodKey } from '../../../ledger/periods.ts';
import type { LeaderboardView } from '../../../members/members.ts';
import { cardAttachment } from '../../cards.ts';
import { formatNumber, type Locale } from '../../i18n/index.ts';
import { assertFresh, assertOwner, intArg, pageButtons, pageStamp, snowflakeArg } from '../../pages.ts';
import { deferUpdate, NO_MENTIONS, respond } from '../../reply.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { SPARKS_COLOR } from './balance.ts';

const PREFIX = 'lb';
const CARD_FILE = 'sparks-leaderboard.png';
const PERIODS = ['all', 'month', 'week'] as const;
type Period = (typeof PERIODS)[number];
const MEDALS = ['🥇', '🥈', '🥉'];

/**
 * `/sparks leaderboard [period]`: ten a page with Previous/Next, the caller's own rank
 * always shown, and a card of the page. Public: a leaderboard is for everyone to see; its
 * buttons answer only the member who asked.
 */
export const leaderboard: Subcommand = {
  name: 'leaderboard',
  description: { en: 'Top members by Sparks', ko: 'Sparks 상위 멤버 순위표' },
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('period'), {
        en: 'All time by balance (default), or Sparks earned this month / week (UTC)',
        ko: '전체 기간 잔액 (기본), 또는 이번 달 / 이번 주 적립 (UTC)',
      }).addChoices(
        { name: 'All time (balance)', name_localizations: { ko: '전체 기간 (잔액)' }, value: 'all' },
        { name: 'This month', name_localizations: { ko: '이번 달' }, value: 'month' },
        { name: 'This week', name_localizations: { ko: '이번 주' }, value: 'week' },
      ),
    ),
  async execute(ctx) {
    const { interaction } = ctx;
    const period = (interaction.options.getString('period') ?? 'all') as Period;
    if (!PERIODS.includes(period)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'period' });
    // Names and the card take a moment (a member lookup, a render): acknowledge first.
    await interaction.deferReply();
    await respond(interaction, await leaderboardPage(ctx, interaction.guild, period, 1));
  },
};

/**
 * Previous/Next: `lb:<asker>:<period>:<board>:<stamp>:<page>`. `board` names the week or
 * month shown; once it is over the page is stale, as is any page older than PAGE_TTL_MS.
 * A page past the end (the board shrank meanwhile) shows the last page and says so.
 */
export const leaderboardPages: ComponentHandler = {
  prefix: PREFIX,
  async execute(ctx, args) {
    const { interaction, services, userId } = ctx;
    const [owner, periodArg, board, stamp, pageArg] = args;
    assertOwner(snowflakeArg(owner), userId);
    const period = PERIODS.find((p) => p === periodArg);
    const now = services.clock();
    if (!period || board !== boardOf(period, now)) throw new SparksError('SPARKS.STALE_COMPONENT');
    assertFresh(stamp, now);
    const page = Math.max(1, intArg(pageArg));
    if (!interaction.isButton()) throw new SparksError('SPARKS.STALE_COMPONENT');
    await deferUpdate(interaction);
    const next = await leaderboardPage(ctx, interaction.guild, period, page);
    // `attachments: []` drops the previous page's card; `files` brings this page's.
    await interaction.editReply({ ...next, attachments: [], allowedMentions: NO_MENTIONS });
  },
};

/** Which week or month a page shows ('all' never changes). */
function boardOf(period: Period, now: number): string {
  return period === 'all' ? 'all' : periodKey(period, now).replace(':', '');
}

async function leaderboardPage(
  ctx: Ctx<unknown>,
  guild: Guild | null,
  period: Period,
  page: number,
): Promise<Pick<BaseMessageOptions, 'embeds' | 'components' | 'files'>> {
  const { services, guildId, userId, t, locale, log } = ctx;
  const now = services.clock();
  const view = services.members.leaderboard(guildId, period, page, userId);
  const sparks = (amount: number) => t('common.sparks', { amount });
  const lines = view.rows.map(
    (r) =>
      `${MEDALS[r.rank - 1] ?? '▫️'} **${formatNumber(locale, r.rank)}.** <@${r.userId}> — ${sparks(r.score)}`,
  );
  const you =
    view.you.rank !== null
      ? t('leaderboard.you', { rank: view.you.rank, score: sparks(view.you.score) })
      : view.you.ranked
        ? t('leaderboard.you_none')
        : t('leaderboard.you_excluded');
  const subtitle = periodLabel(ctx, period, now);
  const description = [
    ...(view.clamped ? [`*${t('leaderboard.clamped')}*`] : []),
    lines.length ? lines.join('\n') : t('leaderboard.empty'),
    '',
    you,
  ].join('\n');
  const embed = new EmbedBuilder()
    .setColor(SPARKS_COLOR)
    .setTitle(t('leaderboard.title'))
    .setAuthor({ name: subtitle })
    .setDescription(description)
    .setFooter({ text: t('leaderboard.footer', { page: view.page, pages: view.pages, total: view.total }) });
  let file: AttachmentBuilder | null = null;
  if (view.rows.length > 0 && services.settings.get(guildId).imagesEnabled) {
    const names = await memberNames(
      guild,
      view.rows.map((r) => r.userId),
    );
    file = await cardAttachment(
      services,
      log,
      leaderboardCard(view, {
        names,
        locale,
        title: t('leaderboard.card_title'),
        subtitle,
        you: youCard(ctx, view),
        userId,
      }),
      CARD_FILE,
      `${t('leaderboard.title')} · ${subtitle}`,
    );
    if (file) embed.setImage(`attachment://${CARD_FILE}`);
  }
  const base = `${PREFIX}:${userId}:${period}:${boardOf(period, now)}:${pageStamp(now)}`;
  const components =
    view.pages > 1
      ? [
          pageButtons(
            t,
            { id: `${base}:${view.page - 1}`, enabled: view.page > 1 },
            { id: `${base}:${view.page + 1}`, enabled: view.page < view.pages },
          ),
        ]
      : [];
  return { embeds: [embed], components, files: file ? [file] : [] };
}

function youCard(ctx: Ctx<unknown>, view: LeaderboardView): string {
  const { t } = ctx;
  if (view.you.rank === null)
    return view.you.ranked ? t('leaderboard.you_none_card') : t('balance.unranked_excluded');
  return t('leaderboard.you_card', {
    rank: view.you.rank,
    score: t('common.sparks', { amount: view.you.score }),
  });
}

function periodLabel(ctx: Ctx<unknown>, period: Period, now: number): string {
  const { t, locale } = ctx;
  const intl = locale === 'ko' ? 'ko-KR' : 'en-US';
  if (period === 'all') return t('leaderboard.period.all');
  if (period === 'month') {
    const month = new Intl.DateTimeFormat(intl, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
      now,
    );
    return t('leaderboard.period.month', { month });
  }
  const day = utcDayStart(now);
  const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const start = new Intl.DateTimeFormat(intl, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    monday,
  );
  return t('leaderboard.period.week', { start });
}

/** Display names for the card (mentions in the text need none): cache first, then one gateway request. */
export async function memberNames(guild: Guild | null, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!guild) return names;
  const missing: string[] = [];
  for (const id of ids) {
    const cached = guild.members.cache.get(id);
    if (cached) names.set(id, cached.displayName);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const fetched = await guild.members.fetch({ user: missing, time: 3000 }).catch(() => null);
    for (const m of fetched?.values() ?? []) names.set(m.id, m.displayName);
  }
  for (const id of ids) {
    if (!names.has(id)) names.set(id, guild.client.users.cache.get(id)?.displayName ?? `…${id.slice(-4)}`);
  }
  return names;
}

function leaderboardCard(
  view: LeaderboardView,
  o: {
    names: Map<string, string>;
    locale: Locale;
    title: string;
    subtitle: string;
    you: string;
    userId: string;
  },
): LeaderboardCard {
  return {
    kind: 'leaderboard',
    title: o.title,
    subtitle: o.subtitle,
    rows: view.rows.map((r) => ({
      rank: r.rank,
      name: o.names.get(r.userId) ?? r.userId,
      score: r.score,
      scoreText: `${formatNumber(o.locale, r.score)} Sparks`,
      highlight: r.userId === o.userId,
    })),
    footer: o.you,
  };
}
