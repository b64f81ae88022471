import { EmbedBuilder, type AutocompleteInteraction } from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import { MAX_AMOUNT } from '../../../ledger/amount.ts';
import {
  MAX_ENTRIES_PER_MEMBER,
  MAX_RAFFLE_NAME,
  MAX_WINNERS,
  type RaffleRow,
} from '../../../raffles/raffles.ts';
import type { Services } from '../../../services.ts';
import type { Translate } from '../../i18n/index.ts';
import { respond } from '../../reply.ts';
import { clip, relativeTime } from '../../season-text.ts';
import type { Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { addGateOptions, readGateOptions } from '../gate-options.ts';

export const RAFFLE_COLOR = 0x9b59b6;

export const costText = (t: Translate, cost: number) =>
  cost === 0 ? t('raffle.cost.free') : t('raffle.cost.sparks', { amount: cost });

export function raffleStatus(t: Translate, r: RaffleRow): string {
  switch (r.status) {
    case 'open':
      return t('raffle.status.open', { when: relativeTime(r.endsAt) });
    case 'drawn':
      return t('raffle.status.drawn');
    case 'cancelled':
      return t('raffle.status.cancelled');
  }
}

/** The winners of a drawn raffle as mentions, in draw order. */
export function winnersText(t: Translate, services: Services, raffleId: number): string {
  const won = services.raffles.draws(raffleId).filter((d) => d.outcome === 'won');
  return won.map((d) => `<@${d.userId}>`).join(', ') || t('raffle.none');
}

/**
 * `/sparks-admin raffle start name prize winners entry_cost max_entries_per_member ends
 * [required_role] [min_account_days] [min_member_days] [verified_wallet]`.
 */
export const raffleStart: Subcommand = {
  name: 'start',
  group: 'raffle',
  description: { en: 'Start a raffle for a shop reward', ko: '상점 보상으로 추첨을 시작합니다' },
  moderatorOnly: true,
  options: (b) =>
    addGateOptions(
      b
        .addStringOption((o) =>
          describe(o.setName('name'), { en: 'The raffle’s name', ko: '추첨 이름' })
            .setRequired(true)
            .setMaxLength(MAX_RAFFLE_NAME),
        )
        .addStringOption((o) =>
          describe(o.setName('prize'), { en: 'The reward each winner gets', ko: '당첨자가 받는 보상' })
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addIntegerOption((o) =>
          describe(o.setName('winners'), { en: 'How many winners', ko: '당첨자 수' })
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(MAX_WINNERS),
        )
        .addIntegerOption((o) =>
          describe(o.setName('entry_cost'), {
            en: 'Sparks per entry (0: free)',
            ko: '응모권당 Sparks (0: 무료)',
          })
            .setRequired(true)
            .setMinValue(0)
            .setMaxValue(MAX_AMOUNT),
        )
        .addIntegerOption((o) =>
          describe(o.setName('max_entries_per_member'), {
            en: 'Entries one member may hold',
            ko: '1인 최대 응모권',
          })
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(MAX_ENTRIES_PER_MEMBER),
        )
        .addStringOption((o) =>
          describe(o.setName('ends'), {
            en: 'When entries close: 90s, 2h, 7d, or a date',
            ko: '응모 마감: 90s, 2h, 7d 또는 날짜',
          })
            .setRequired(true)
            .setMaxLength(40),
        ),
      ['required_role', 'min_account_days', 'min_member_days', 'verified_wallet'],
    ),
  async execute({ interaction, services, provided, guildId, userId, t }) {
    const o = interaction.options;
    const gates = readGateOptions(interaction);
    const raffle = services.raffles.start({
      guildId,
      name: o.getString('name', true),
      reward: o.getString('prize', true),
      winners: o.getInteger('winners', true),
      entryCost: o.getInteger('entry_cost', true),
      maxEntriesPerMember: o.getInteger('max_entries_per_member', true),
      ends: o.getString('ends', true),
      requiredRoleId: gates.requiredRoleId ?? null,
      minAccountDays: gates.minAccountDays ?? null,
      minMemberDays: gates.minMemberDays ?? null,
      verifiedWallet: gates.verifiedWallet ?? false,
      moderatorId: userId,
    });
    provided.find('raffles')?.arm();
    const reward = services.rewards.get(raffle.rewardId)!;
    const embed = new EmbedBuilder()
      .setColor(RAFFLE_COLOR)
      .setTitle(t('raffle.started.title', { name: raffle.name }))
      .setDescription(
        t('raffle.started.body', {
          reward: reward.name,
          winners: raffle.winners,
          cost: costText(t, raffle.entryCost),
          max: raffle.maxEntriesPerMember,
          ends: relativeTime(raffle.endsAt),
          commitment: raffle.commitment,
        }),
      );
    await respond(interaction, { embeds: [embed] });
  },
  async autocomplete({ interaction, services, guildId }) {
    const typed = interaction.options.getFocused().toLowerCase();
    const choices = services.rewards
      .list(guildId)
      .filter((r) => r.name.toLowerCase().includes(typed))
      .slice(0, 25)
      .map((r) => ({ name: clip(r.name, 100), value: `r:${r.id}` }));
    await interaction.respond(choices);
  },
};

/** `/sparks-admin raffle draw raffle`: draws now (before `ends` too), revealing the seed. */
export const raffleDraw: Subcommand = {
  name: 'draw',
  group: 'raffle',
  description: { en: 'Draw a raffle’s winners now', ko: '추첨 당첨자를 지금 뽑습니다' },
  moderatorOnly: true,
  options: raffleOption,
  async execute({ interaction, services, provided, guildId, userId, t }) {
    const raffle = services.raffles.find(guildId, interaction.options.getString('raffle', true));
    if (raffle.status !== 'open') throw new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name });
    await interaction.deferReply();
    const runtime = provided.get('raffles');
    const result = await runtime.draw(guildId, String(raffle.id), userId);
    const skipped = result.draws.filter((d) => d.outcome !== 'won').length;
    const lines = [
      t('raffle.drawn', {
        name: raffle.name,
        winners: winnersText(t, services, raffle.id),
        seed: result.raffle.seed,
        id: raffle.id,
      }),
    ];
    if (skipped) lines.push(t('raffle.skipped', { count: skipped }));
    await respond(interaction, { content: lines.join('\n') });
  },
  autocomplete: (ctx) => raffleChoices(ctx, (r) => r.status === 'open'),
};

/** `/sparks-admin raffle cancel raffle`: every entry refunded. */
export const raffleCancel: Subcommand = {
  name: 'cancel',
  group: 'raffle',
  description: { en: 'Cancel a raffle and refund every entry', ko: '추첨을 취소하고 모든 응모를 환불합니다' },
  moderatorOnly: true,
  options: raffleOption,
  async execute({ interaction, services, guildId, userId, t }) {
    const { raffle, refunded } = services.raffles.cancel(
      guildId,
      interaction.options.getString('raffle', true),
      userId,
    );
    await respond(interaction, {
      content: t('raffle.cancelled', { name: raffle.name, refunded }),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => raffleChoices(ctx, (r) => r.status === 'open'),
};

/** `/sparks-admin raffle list`. */
export const raffleList: Subcommand = {
  name: 'list',
  group: 'raffle',
  description: { en: 'List raffles', ko: '추첨 목록' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    const embed = new EmbedBuilder().setColor(RAFFLE_COLOR).setTitle(t('raffle.list.title'));
    const all = services.raffles.list(guildId, 20);
    if (all.length === 0) embed.setDescription(t('raffle.list.empty'));
    for (const r of all) {
      const reward = services.rewards.get(r.rewardId);
      const lines = [
        t('raffle.list.line', {
          status: raffleStatus(t, r),
          reward: reward?.name ?? `#${r.rewardId}`,
          winners: r.winners,
          entries: r.entries,
          cost: costText(t, r.entryCost),
        }),
      ];
      if (r.status === 'drawn') lines.push(winnersText(t, services, r.id));
      lines.push(`\`${r.commitment}\``);
      embed.addFields({ name: clip(`${r.name} (#${r.id})`, 256), value: clip(lines.join('\n'), 1024) });
    }
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

function raffleOption(b: Parameters<NonNullable<Subcommand['options']>>[0]) {
  return b.addStringOption((o) =>
    describe(o.setName('raffle'), { en: 'Which raffle', ko: '추첨' })
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(100),
  );
}

/** Raffle choices, newest first, filtered by what was typed. */
export async function raffleChoices(
  { interaction, services, guildId, t }: Ctx<AutocompleteInteraction>,
  keep: (r: RaffleRow) => boolean,
): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const choices = services.raffles
    .list(guildId, 50)
    .filter((r) => keep(r) && (r.nameKey.includes(typed) || String(r.id) === typed))
    .slice(0, 25)
    .map((r) => ({
      name: clip(t('raffle.choice', { name: r.name, status: r.status }), 100),
      value: String(r.id),
    }));
  await interaction.respond(choices);
}
