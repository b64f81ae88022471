import { EmbedBuilder } from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import { respond } from '../../reply.ts';
import { ladderText, prizeText, relativeTime, sourcesText } from '../../season-text.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { SEASON_COLOR, seasonChoices } from '../sparks-admin/season.ts';

const MEDALS = ['🥇', '🥈', '🥉'];

/** `/sparks season [season]`: the board (live, or final), the caller's rank, the prizes. */
export const season: Subcommand = {
  name: 'season',
  description: { en: 'The season’s board, your rank and the prizes', ko: '시즌 순위, 내 순위, 상품' },
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('season'), {
        en: 'Which season (default: the current one)',
        ko: '시즌 (기본: 현재 시즌)',
      })
        .setAutocomplete(true)
        .setMaxLength(100),
    ),
  async execute({ interaction, services, guildId, userId, t }) {
    const ref = interaction.options.getString('season');
    const s = ref ? services.seasons.find(guildId, ref) : services.seasons.current(guildId);
    if (!s) throw new SparksError('SPARKS.SEASON_NOT_FOUND', { name: '—' });
    const page = services.seasons.board(s, { limit: 10 });
    const me = services.seasons.standing(s, userId);
    const lines = page.rows.map(
      (r) =>
        `${MEDALS[r.rank - 1] ?? `**#${r.rank}**`} <@${r.userId}> · ${t('common.sparks', { amount: r.score })}`,
    );
    const head = page.frozen
      ? t('season.board.final', { when: relativeTime(s.frozenAt ?? s.endsAt) })
      : t('season.board.live', {
          start: relativeTime(s.startsAt),
          ends: relativeTime(s.endsAt),
          sources: sourcesText(t, s.sources),
        });
    const you =
      me.rank !== null
        ? t('season.board.you', { rank: me.rank, score: me.score })
        : t('season.board.you_unranked', { score: me.score });
    const embed = new EmbedBuilder()
      .setColor(SEASON_COLOR)
      .setTitle(t('season.board.title', { name: s.name }))
      .setDescription([head, '', ...(lines.length ? lines : [t('season.board.empty')]), '', you].join('\n'));
    const prizes = services.seasons.prizes(s.id);
    if (prizes.length)
      embed.addFields({ name: t('season.board.prizes'), value: ladderText(t, prizes).slice(0, 1024) });
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
  autocomplete: (ctx) => seasonChoices(ctx, () => true),
};

/** `/sparks halloffame`: every ended season's winners, newest first. */
export const halloffame: Subcommand = {
  name: 'halloffame',
  description: { en: 'Winners of past seasons', ko: '지난 시즌 우승자' },
  async execute({ interaction, services, guildId, t }) {
    const embed = new EmbedBuilder().setColor(SEASON_COLOR).setTitle(t('halloffame.title'));
    const seasons = services.seasons.hallOfFame(guildId, 10);
    if (seasons.length === 0) embed.setDescription(t('halloffame.empty'));
    for (const { season: s, winners } of seasons) {
      const lines = winners.slice(0, 10).map((w) => {
        const prize = prizeText(t, w);
        return t('halloffame.line', {
          rank: w.rank,
          user: w.userId,
          score: w.score,
          prize: prize ? ` · ${prize}` : '',
        });
      });
      embed.addFields({
        name: `${s.name} · ${relativeTime(s.endedAt ?? s.endsAt)}`.slice(0, 256),
        value: (lines.join('\n') || t('season.end.none')).slice(0, 1024),
      });
    }
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};
