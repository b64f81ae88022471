import { EmbedBuilder } from 'discord.js';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

export const SPARKS_COLOR = 0xf5a623;

/** `/sparks balance [member]`: balance, lifetime earned and rank; always private to the caller. */
export const balance: Subcommand = {
  name: 'balance',
  description: {
    en: 'Show Sparks balance, rank and lifetime earned',
    ko: 'Sparks 잔액, 순위, 누적 적립을 확인합니다',
  },
  options: (b) =>
    b.addUserOption((o) =>
      describe(o.setName('member'), {
        en: 'Whose Sparks (default: yours)',
        ko: '누구의 Sparks인지 (기본: 나)',
      }),
    ),
  async execute({ interaction, services, guildId, t }) {
    const target = interaction.options.getUser('member') ?? interaction.user;
    const self = target.id === interaction.user.id;
    const s = services.ledger.standing(guildId, target.id);
    const embed = new EmbedBuilder()
      .setColor(SPARKS_COLOR)
      .setTitle(self ? t('balance.title_self') : t('balance.title', { name: target.displayName }))
      .addFields(
        { name: t('balance.balance'), value: t('common.sparks', { amount: s.balance }), inline: true },
        {
          name: t('balance.lifetime'),
          value: t('common.sparks', { amount: s.lifetimeEarned }),
          inline: true,
        },
        {
          name: t('balance.rank'),
          value:
            s.rank === null || s.balance === 0
              ? t('balance.unranked')
              : t('balance.rank_value', { rank: s.rank }),
          inline: true,
        },
      );
    if (s.lifetimeEarned === 0) embed.setDescription(t('balance.empty'));
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};
