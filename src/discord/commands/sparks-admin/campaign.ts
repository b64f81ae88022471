import {
  EmbedBuilder,
  MessageFlags,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  messageLink,
} from 'discord.js';
import {
  MAX_CLAIMS,
  MAX_MEMBER_DAYS,
  MAX_NAME_LENGTH,
  type CampaignSummary,
} from '../../../campaigns/campaigns.ts';
import { parseMessageRef, type MessageRef } from '../../../campaigns/parse.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import { endCampaign, startCampaignOnMessage, type CampaignLaunch } from '../../campaign-launch.ts';
import { formatNumber, type Locale, type Translate } from '../../i18n/index.ts';
import { respond } from '../../reply.ts';
import type { Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { addGateOptions } from '../gate-options.ts';

export const CAMPAIGN_COLOR = 0x2ecc71;

/** A link to the campaign's message. */
const campaignLink = (c: MessageRef) => messageLink(c.channelId, c.messageId, c.guildId);

export type LaunchInput = Omit<CampaignLaunch, 'guildId' | 'moderatorId'>;

type LaunchInteraction = ChatInputCommandInteraction | ModalSubmitInteraction;

/**
 * The start flow of `/sparks-admin campaign start` and the message menu's modal: the
 * shared start (src/discord/campaign-launch.ts, which the web calls too), then the
 * moderator's ephemeral confirmation.
 */
export async function launchCampaign(ctx: Ctx<LaunchInteraction>, input: LaunchInput): Promise<void> {
  const { interaction, services, provided, guildId, userId, t, locale } = ctx;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const campaign = await startCampaignOnMessage(
    { client: interaction.client, services, provided },
    { ...input, guildId, moderatorId: userId },
  );
  const embed = new EmbedBuilder()
    .setColor(CAMPAIGN_COLOR)
    .setTitle(t('campaign.started.title', { name: campaign.name }))
    .setDescription(
      t('campaign.started.body', {
        emoji: campaign.emojiDisplay,
        link: campaignLink(campaign),
        sparks: campaign.sparks,
      }),
    )
    .addFields(
      {
        name: t('campaign.field.ends'),
        value: campaign.endsAt ? `<t:${Math.floor(campaign.endsAt / 1000)}:R>` : t('campaign.field.never'),
        inline: true,
      },
      ...optionalFields(t, locale, campaign),
    );
  await respond(interaction, { embeds: [embed], ephemeral: true });
}

function optionalFields(
  t: Translate,
  locale: Locale,
  c: {
    maxClaims: number | null;
    budget: number | null;
    requiredRoleId: string | null;
    minMemberDays: number | null;
    minAccountDays: number | null;
    verifiedWallet: number;
    revokeOnUnreact: number;
  },
) {
  const fields: { name: string; value: string; inline: boolean }[] = [];
  if (c.maxClaims !== null)
    fields.push({
      name: t('campaign.field.max_claims'),
      value: formatNumber(locale, c.maxClaims),
      inline: true,
    });
  if (c.budget !== null)
    fields.push({
      name: t('campaign.field.budget'),
      value: t('common.sparks', { amount: c.budget }),
      inline: true,
    });
  if (c.requiredRoleId !== null)
    fields.push({ name: t('campaign.field.required_role'), value: `<@&${c.requiredRoleId}>`, inline: true });
  if (c.minMemberDays !== null)
    fields.push({
      name: t('campaign.field.min_member_days'),
      value: t('campaign.field.min_member_days_value', { days: c.minMemberDays }),
      inline: true,
    });
  if (c.minAccountDays !== null)
    fields.push({
      name: t('campaign.field.min_account_days'),
      value: t('campaign.field.min_account_days_value', { days: c.minAccountDays }),
      inline: true,
    });
  if (c.verifiedWallet === 1)
    fields.push({
      name: t('campaign.field.verified_wallet'),
      value: t('campaign.field.verified_wallet_value'),
      inline: true,
    });
  if (c.revokeOnUnreact === 1)
    fields.push({
      name: t('campaign.field.revoke_on_unreact'),
      value: t('campaign.field.revoke_on_unreact_value'),
      inline: true,
    });
  return fields;
}

/** `/sparks-admin campaign start`. */
export const campaignStart: Subcommand = {
  name: 'start',
  group: 'campaign',
  description: {
    en: 'Reward members who react to a message with an emoji',
    ko: '메시지에 이모지로 반응한 멤버에게 보상합니다',
  },
  moderatorOnly: true,
  options: (b) =>
    addGateOptions(
      b
        .addStringOption((o) =>
          describe(o.setName('message'), {
            en: 'Message link, or the id of a message in this channel',
            ko: '메시지 링크 또는 이 채널 메시지의 ID',
          })
            .setRequired(true)
            .setMaxLength(200),
        )
        .addStringOption((o) =>
          describe(o.setName('emoji'), {
            en: 'The emoji to react with, e.g. 🔥',
            ko: '반응할 이모지 (예: 🔥)',
          })
            .setRequired(true)
            .setMaxLength(100),
        )
        .addIntegerOption((o) =>
          describe(o.setName('sparks'), { en: 'Sparks per participant', ko: '참여자당 Sparks' })
            .setRequired(true)
            .setMinValue(MIN_AMOUNT)
            .setMaxValue(MAX_AMOUNT),
        )
        .addStringOption((o) =>
          describe(o.setName('ends_in'), {
            en: 'Ends after, e.g. 30m, 12h, 3d, 1d12h (default: never)',
            ko: '종료까지, 예: 30m, 12h, 3d, 1d12h (기본: 종료 없음)',
          }).setMaxLength(20),
        )
        .addIntegerOption((o) =>
          describe(o.setName('max_claims'), { en: 'At most this many participants', ko: '최대 참여자 수' })
            .setMinValue(1)
            .setMaxValue(MAX_CLAIMS),
        )
        .addIntegerOption((o) =>
          describe(o.setName('budget'), {
            en: 'Total Sparks this campaign may grant',
            ko: '이 캠페인이 지급할 수 있는 총 Sparks',
          })
            .setMinValue(MIN_AMOUNT)
            .setMaxValue(MAX_AMOUNT),
        )
        .addRoleOption((o) =>
          describe(o.setName('required_role'), {
            en: 'Only members with this role earn',
            ko: '이 역할이 있는 멤버만 적립',
          }),
        )
        .addIntegerOption((o) =>
          describe(o.setName('min_member_days'), {
            en: 'Only members who joined at least this many days ago earn',
            ko: '가입한 지 이 일수 이상 된 멤버만 적립',
          })
            .setMinValue(1)
            .setMaxValue(MAX_MEMBER_DAYS),
        )
        .addBooleanOption((o) =>
          describe(o.setName('revoke_on_unreact'), {
            en: 'Take the Sparks back when the reaction is removed',
            ko: '반응을 취소하면 Sparks를 회수',
          }),
        )
        .addStringOption((o) =>
          describe(o.setName('name'), {
            en: 'A name for the campaign (default: channel and emoji)',
            ko: '캠페인 이름 (기본: 채널과 이모지)',
          }).setMaxLength(MAX_NAME_LENGTH),
        ),
      ['min_account_days', 'verified_wallet'],
    ),
  async execute(ctx) {
    const o = ctx.interaction.options;
    await launchCampaign(ctx, {
      ref: parseMessageRef(o.getString('message', true), ctx.guildId, ctx.interaction.channelId),
      emoji: o.getString('emoji', true),
      sparks: o.getInteger('sparks', true),
      endsIn: o.getString('ends_in'),
      maxClaims: o.getInteger('max_claims'),
      budget: o.getInteger('budget'),
      requiredRoleId: o.getRole('required_role')?.id ?? null,
      minMemberDays: o.getInteger('min_member_days'),
      minAccountDays: o.getInteger('min_account_days'),
      verifiedWallet: o.getBoolean('verified_wallet') ?? false,
      revokeOnUnreact: o.getBoolean('revoke_on_unreact') ?? false,
      name: o.getString('name'),
    });
  },
};

/** `/sparks-admin campaign end`: reconciles, ends, and shows the summary. */
export const campaignEnd: Subcommand = {
  name: 'end',
  group: 'campaign',
  description: { en: 'End a campaign now', ko: '캠페인을 지금 종료합니다' },
  moderatorOnly: true,
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('campaign'), { en: 'Which campaign', ko: '종료할 캠페인' })
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(100),
    ),
  async execute({ interaction, services, provided, guildId, userId, t, locale }) {
    const campaign = services.campaigns.findActive(guildId, interaction.options.getString('campaign', true));
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const result = await endCampaign(
      { services, provided },
      { guildId, campaign: String(campaign.id), moderatorId: userId },
    );
    const embed = summaryEmbed(t, locale, result.summary);
    await respond(interaction, {
      ...(result.ended ? {} : { content: t('campaign.ended.already') }),
      embeds: [embed],
      ephemeral: true,
    });
  },
  async autocomplete({ interaction, services, guildId, t }) {
    const typed = interaction.options.getFocused().toLowerCase();
    const choices = services.campaigns
      .activeInGuild(guildId)
      .filter((c) => c.name.toLowerCase().includes(typed) || String(c.id) === typed)
      .slice(0, 25)
      .map((c) => ({
        name: clip(t('campaign.choice', { name: c.name, claims: c.claims }), 100),
        value: String(c.id),
      }));
    await interaction.respond(choices);
  },
};

/** `/sparks-admin campaign list`: active campaigns, then the last ten that ended. */
export const campaignList: Subcommand = {
  name: 'list',
  group: 'campaign',
  description: { en: 'List campaigns with their figures', ko: '캠페인과 현황을 봅니다' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    const all = services.campaigns.list(guildId);
    const embed = new EmbedBuilder().setColor(CAMPAIGN_COLOR).setTitle(t('campaign.list.title'));
    if (all.length === 0) embed.setDescription(t('campaign.list.empty'));
    for (const s of all.slice(0, 25)) {
      const c = s.campaign;
      const status =
        c.status === 'active'
          ? t('campaign.list.active')
          : t('campaign.list.ended', { reason: t(`campaign.end_reason.${c.endReason ?? 'moderator'}`) });
      const parts = [
        t('campaign.list.line', {
          status,
          emoji: c.emojiDisplay,
          sparks: c.sparks,
          claims: c.maxClaims !== null ? `${s.participants}/${c.maxClaims}` : s.participants,
          granted: s.granted,
        }),
      ];
      if (s.budgetLeft !== null)
        parts.push(t('campaign.list.budget_left', { left: s.budgetLeft, budget: c.budget }));
      else if (c.budget !== null && c.status === 'ended')
        parts.push(t('campaign.list.returned', { returned: s.returned }));
      if (c.status === 'active' && c.endsAt !== null)
        parts.push(t('campaign.list.ends', { when: `<t:${Math.floor(c.endsAt / 1000)}:R>` }));
      parts.push(campaignLink(c));
      embed.addFields({ name: clip(`${c.name} (#${c.id})`, 256), value: clip(parts.join('\n'), 1024) });
    }
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

/** The end-of-campaign summary, as the moderator who ended it sees it. */
export function summaryEmbed(t: Translate, locale: Locale, s: CampaignSummary): EmbedBuilder {
  const c = s.campaign;
  const embed = new EmbedBuilder()
    .setColor(0x3498db)
    .setTitle(t('campaign.ended.title', { name: c.name }))
    .setDescription(`${t(`campaign.end_reason.${c.endReason ?? 'moderator'}`)} · ${campaignLink(c)}`)
    .addFields(
      { name: t('campaign.field.participants'), value: formatNumber(locale, s.participants), inline: true },
      { name: t('campaign.field.granted'), value: t('common.sparks', { amount: s.granted }), inline: true },
    );
  if (s.reversed > 0)
    embed.addFields({
      name: t('campaign.field.reversed'),
      value: t('common.sparks', { amount: s.reversed }),
      inline: true,
    });
  if (c.budget !== null)
    embed.addFields({
      name: t('campaign.field.returned'),
      value: t('common.sparks', { amount: s.returned }),
      inline: true,
    });
  return embed;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
