import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder, User } from 'discord.js';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import { MAX_REASON_LENGTH, type AwardInput } from '../../../moderation/awards.ts';
import { respond } from '../../reply.ts';
import type { Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

const options = (b: SlashCommandSubcommandBuilder) =>
  b
    .addUserOption((o) => describe(o.setName('member'), { en: 'Who', ko: '대상 멤버' }).setRequired(true))
    .addIntegerOption((o) =>
      describe(o.setName('amount'), { en: 'How many Sparks', ko: 'Sparks 수량' })
        .setRequired(true)
        .setMinValue(MIN_AMOUNT)
        .setMaxValue(MAX_AMOUNT),
    )
    .addStringOption((o) =>
      describe(o.setName('reason'), { en: 'Why (kept in the audit log)', ko: '사유 (감사 로그에 기록됨)' })
        .setRequired(true)
        .setMaxLength(MAX_REASON_LENGTH),
    );

/**
 * The movement both subcommands ask for, read from the options they share; keyed by the
 * interaction so a retried interaction moves Sparks once.
 */
function movementInput({ interaction, guildId, userId }: Ctx<ChatInputCommandInteraction>): {
  member: User;
  input: AwardInput;
} {
  const member = interaction.options.getUser('member', true);
  return {
    member,
    input: {
      guildId,
      moderatorId: userId,
      userId: member.id,
      targetIsBot: member.bot,
      amount: interaction.options.getInteger('amount', true),
      reason: interaction.options.getString('reason', true),
      key: `interaction:${interaction.id}`,
    },
  };
}

/** `/sparks-admin award`: public thanks that pings only the recipient. */
export const award: Subcommand = {
  name: 'award',
  description: { en: 'Award Sparks to a member', ko: '멤버에게 Sparks를 지급합니다' },
  moderatorOnly: true,
  options,
  async execute(ctx) {
    const { interaction, services, userId, t } = ctx;
    const { member, input } = movementInput(ctx);
    const result = services.awards.award(input);
    if (result.duplicate) {
      await respond(interaction, { content: t('award.duplicate'), ephemeral: true });
      return;
    }
    const content = t('award.done', {
      member: `<@${member.id}>`,
      amount: result.transfer.amount,
      moderator: `<@${userId}>`,
      reason: result.transfer.reason,
    });
    await interaction.reply({ content, allowedMentions: { parse: [], users: [member.id] } });
    if (result.remainingToday !== null) {
      await respond(interaction, {
        content: t('award.remaining', { remaining: result.remainingToday }),
        ephemeral: true,
      });
    }
  },
};

/** `/sparks-admin revoke`: a private confirmation to the moderator. */
export const revoke: Subcommand = {
  name: 'revoke',
  description: { en: 'Take Sparks back from a member', ko: '멤버의 Sparks를 회수합니다' },
  moderatorOnly: true,
  options,
  async execute(ctx) {
    const { interaction, services, t } = ctx;
    const { member, input } = movementInput(ctx);
    const result = services.awards.revoke(input);
    await respond(interaction, {
      content: t('revoke.done', {
        member: `<@${member.id}>`,
        amount: result.transfer.amount,
        reason: result.transfer.reason,
        balance: result.balance,
      }),
      ephemeral: true,
    });
  },
};
