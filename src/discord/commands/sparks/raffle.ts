import { MAX_ENTRIES_PER_MEMBER } from '../../../raffles/raffles.ts';
import { memberJoinedAt, memberRoleIds } from '../../permissions.ts';
import { respond } from '../../reply.ts';
import { relativeTime } from '../../season-text.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { costText, raffleChoices, winnersText } from '../sparks-admin/raffle.ts';

/**
 * `/sparks raffle raffle [entries]`: with `entries`, adds that many entries to those the
 * member holds (their Sparks held until the draw); without, shows the raffle, the member's
 * entries and the commitment (and, once drawn, the winners and the seed).
 */
export const raffle: Subcommand = {
  name: 'raffle',
  description: { en: 'Enter a raffle, or see one', ko: '추첨에 응모하거나 살펴봅니다' },
  options: (b) =>
    b
      .addStringOption((o) =>
        describe(o.setName('raffle'), { en: 'Which raffle', ko: '추첨' })
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(100),
      )
      .addIntegerOption((o) =>
        describe(o.setName('entries'), { en: 'How many entries to add', ko: '추가할 응모권 수' })
          .setMinValue(1)
          .setMaxValue(MAX_ENTRIES_PER_MEMBER),
      ),
  async execute({ interaction, services, guildId, userId, t }) {
    const ref = interaction.options.getString('raffle', true);
    const entries = interaction.options.getInteger('entries');
    if (entries !== null) {
      const result = services.raffles.enter({
        guildId,
        raffle: ref,
        userId,
        entries,
        key: interaction.id,
        memberRoleIds: memberRoleIds(interaction),
        joinedAt: memberJoinedAt(interaction),
      });
      const r = result.raffle;
      const params = {
        name: r.name,
        held: result.held,
        max: r.maxEntriesPerMember,
        spent: t('common.sparks', { amount: result.entry.count * r.entryCost }),
      };
      await respond(interaction, {
        content: r.entryCost > 0 ? t('raffle.entered', params) : t('raffle.entered_free', params),
        ephemeral: true,
      });
      return;
    }
    const r = services.raffles.find(guildId, ref);
    const reward = services.rewards.get(r.rewardId);
    let content: string;
    if (r.status === 'drawn')
      content = t('raffle.drawn_info', {
        name: r.name,
        winners: winnersText(t, services, r.id),
        seed: r.seed,
        commitment: r.commitment,
      });
    else if (r.status === 'cancelled') content = t('raffle.cancelled_info', { name: r.name });
    else
      content = t('raffle.info', {
        name: r.name,
        reward: reward?.name ?? `#${r.rewardId}`,
        winners: r.winners,
        cost: costText(t, r.entryCost),
        ends: relativeTime(r.endsAt),
        held: services.raffles.held(r.id, userId),
        max: r.maxEntriesPerMember,
        entries: r.entries,
        commitment: r.commitment,
      });
    await respond(interaction, { content, ephemeral: true });
  },
  autocomplete: (ctx) => raffleChoices(ctx, () => true),
};
