import { EmbedBuilder, MessageFlags, type AutocompleteInteraction } from 'discord.js';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import { MAX_BADGE, MAX_PRIZE_RANK, MAX_SEASON_NAME, type SeasonRow } from '../../../seasons/seasons.ts';
import type { Services } from '../../../services.ts';
import { respond } from '../../reply.ts';
import { checkGrantable } from '../../roles.ts';
import { clip, ladderText, prizeText, relativeTime, sourcesText, statusText } from '../../season-text.ts';
import { roleUnsafe } from '../../shop-text.ts';
import type { Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import type { Translate } from '../../i18n/index.ts';

export const SEASON_COLOR = 0xf1c40f;

/** `/sparks-admin season start name ends [sources]`. */
export const seasonStart: Subcommand = {
  name: 'start',
  group: 'season',
  description: {
    en: 'Start a season: a board of Sparks earned until it ends',
    ko: '시즌 시작: 종료까지 적립한 Sparks 순위',
  },
  moderatorOnly: true,
  options: (b) =>
    b
      .addStringOption((o) =>
        describe(o.setName('name'), { en: 'The season’s name', ko: '시즌 이름' })
          .setRequired(true)
          .setMaxLength(MAX_SEASON_NAME),
      )
      .addStringOption((o) =>
        describe(o.setName('ends'), {
          en: 'When it ends: 90s, 2h, 7d, 30d, or a date like 2026-12-31',
          ko: '종료: 90s, 2h, 7d, 30d 또는 2026-12-31 같은 날짜',
        })
          .setRequired(true)
          .setMaxLength(40),
      )
      .addStringOption((o) =>
        describe(o.setName('sources'), {
          en: 'What counts: campaigns, quests, platform, awards, or all (default: all but awards)',
          ko: '집계 대상: campaigns, quests, platform, awards 또는 all (기본: awards 제외 전부)',
        }).setMaxLength(60),
      ),
  async execute({ interaction, services, provided, guildId, userId, t }) {
    const o = interaction.options;
    const season = services.seasons.start({
      guildId,
      name: o.getString('name', true),
      ends: o.getString('ends', true),
      sources: o.getString('sources'),
      moderatorId: userId,
    });
    provided.find('seasons')?.arm();
    const embed = new EmbedBuilder()
      .setColor(SEASON_COLOR)
      .setTitle(t('season.started.title', { name: season.name }))
      .setDescription(
        t('season.started.body', {
          sources: sourcesText(t, season.sources),
          ends: relativeTime(season.endsAt),
        }),
      );
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

/** `/sparks-admin season prize season rank_from rank_to [sparks] [role] [badge]`. */
export const seasonPrize: Subcommand = {
  name: 'prize',
  group: 'season',
  description: {
    en: 'Add or raise a prize for a range of ranks',
    ko: '순위 범위의 상품을 추가하거나 올립니다',
  },
  moderatorOnly: true,
  options: (b) =>
    b
      .addStringOption((o) =>
        describe(o.setName('season'), { en: 'Which season', ko: '시즌' })
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(100),
      )
      .addIntegerOption((o) =>
        describe(o.setName('rank_from'), { en: 'First rank it pays', ko: '시작 순위' })
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(MAX_PRIZE_RANK),
      )
      .addIntegerOption((o) =>
        describe(o.setName('rank_to'), { en: 'Last rank it pays', ko: '끝 순위' })
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(MAX_PRIZE_RANK),
      )
      .addIntegerOption((o) =>
        describe(o.setName('sparks'), { en: 'Sparks for each of those ranks', ko: '각 순위에 줄 Sparks' })
          .setMinValue(MIN_AMOUNT)
          .setMaxValue(MAX_AMOUNT),
      )
      .addRoleOption((o) => describe(o.setName('role'), { en: 'A role to give them', ko: '줄 역할' }))
      .addStringOption((o) =>
        describe(o.setName('badge'), { en: 'A badge to give them', ko: '줄 배지' }).setMaxLength(MAX_BADGE),
      ),
  async execute({ interaction, services, guildId, userId, t }) {
    const o = interaction.options;
    const roleId = o.getRole('role')?.id ?? null;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    if (roleId) {
      const guild = interaction.guild ?? (await interaction.client.guilds.fetch(guildId));
      const check = await checkGrantable(guild, roleId);
      if (!check.ok) throw roleUnsafe(t, roleId, check);
    }
    const season = services.seasons.find(guildId, o.getString('season', true));
    const { prize, raised } = services.seasons.prize({
      guildId,
      season: String(season.id),
      rankFrom: o.getInteger('rank_from', true),
      rankTo: o.getInteger('rank_to', true),
      sparks: o.getInteger('sparks'),
      roleId,
      badge: o.getString('badge'),
      moderatorId: userId,
    });
    const params = { name: season.name, from: prize.rankFrom, to: prize.rankTo, prize: prizeText(t, prize) };
    await respond(interaction, {
      content: raised ? t('season.prize.raised', params) : t('season.prize.added', params),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => seasonChoices(ctx, (s) => s.status === 'running'),
};

/** `/sparks-admin season end season`: closes it now, freezes the board and pays the prizes. */
export const seasonEnd: Subcommand = {
  name: 'end',
  group: 'season',
  description: { en: 'End a season now and pay its prizes', ko: '시즌을 지금 종료하고 상품을 지급합니다' },
  moderatorOnly: true,
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('season'), { en: 'Which season', ko: '시즌' })
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(100),
    ),
  async execute({ interaction, services, provided, guildId, t }) {
    const { season, retried } = services.seasons.requestEnd(
      guildId,
      interaction.options.getString('season', true),
    );
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const runtime = provided.find('seasons');
    const result = runtime ? await runtime.finish(season.id) : { state: 'waiting' as const };
    const head = retried > 0 ? `${t('season.end.retried', { count: retried, name: season.name })}\n` : '';
    let content: string;
    if (result.state === 'ended') {
      const winners =
        result.winners.map((w) => `#${w.rank} <@${w.userId}>`).join(', ') || t('season.end.none');
      content = t('season.end.done', { name: season.name, winners });
    } else if (result.state === 'paying')
      content = t('season.end.paying', { name: season.name, pending: result.pendingRoles });
    else content = t('season.end.waiting', { name: season.name });
    await respond(interaction, { content: head + content, ephemeral: true });
  },
  autocomplete: (ctx) => seasonChoices(ctx, () => true),
};

/** `/sparks-admin season list`. */
export const seasonList: Subcommand = {
  name: 'list',
  group: 'season',
  description: { en: 'List seasons with their prizes', ko: '시즌과 상품 목록' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    const embed = seasonListEmbed(t, services, guildId);
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

function seasonListEmbed(t: Translate, services: Services, guildId: string): EmbedBuilder {
  const embed = new EmbedBuilder().setColor(SEASON_COLOR).setTitle(t('season.list.title'));
  const all = services.seasons.list(guildId, 20);
  if (all.length === 0) embed.setDescription(t('season.list.empty'));
  for (const { season, prizes } of all) {
    const lines = [
      statusText(t, season),
      sourcesText(t, season.sources),
      prizes.length ? `${t('season.board.prizes')}:\n${ladderText(t, prizes)}` : t('season.list.no_prizes'),
    ];
    embed.addFields({
      name: clip(`${season.name} (#${season.id})`, 256),
      value: clip(lines.join('\n'), 1024),
    });
  }
  return embed;
}

/** Season choices, newest first, filtered by what was typed. */
export async function seasonChoices(
  { interaction, services, guildId, t }: Ctx<AutocompleteInteraction>,
  keep: (s: SeasonRow) => boolean,
): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const choices = services.seasons
    .list(guildId, 50)
    .map((v) => v.season)
    .filter((s) => keep(s) && (s.name.toLowerCase().includes(typed) || String(s.id) === typed))
    .slice(0, 25)
    .map((s) => ({
      name: clip(t('season.choice', { name: s.name, status: s.status }), 100),
      value: String(s.id),
    }));
  await interaction.respond(choices);
}
