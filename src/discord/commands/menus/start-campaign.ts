import {
  ActionRowBuilder,
  ModalBuilder,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
  type ModalSubmitInteraction,
} from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import { isModerator } from '../../permissions.ts';
import type { ComponentHandler, Ctx, MessageMenuCommand } from '../../types.ts';
import { launchCampaign } from '../sparks-admin/campaign.ts';

const MODAL_PREFIX = 'campaign-start';
type Field = 'emoji' | 'sparks' | 'ends_in' | 'max_claims' | 'budget';

/**
 * Right-click a message → Apps → "Start Sparks campaign": a modal asks for the emoji, the
 * Sparks per participant and the optional end, cap and budget (the slash command offers
 * the role and membership-age gates as well).
 */
export const startCampaignMenu: MessageMenuCommand = {
  name: 'Start Sparks campaign',
  nameLocalizations: { ko: 'Sparks 캠페인 시작' },
  defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
  moderatorOnly: true,
  async execute({ interaction, t }) {
    const target = interaction.targetMessage;
    const input = (id: Field, label: string, required: boolean, max: number) =>
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId(id)
          .setLabel(label)
          .setStyle(TextInputStyle.Short)
          .setRequired(required)
          .setMaxLength(max),
      );
    const modal = new ModalBuilder()
      .setCustomId(`${MODAL_PREFIX}:${target.channelId}:${target.id}`)
      .setTitle(t('campaign.modal.title'))
      .addComponents(
        input('emoji', t('campaign.modal.emoji'), true, 100),
        input('sparks', t('campaign.modal.sparks'), true, 10),
        input('ends_in', t('campaign.modal.ends_in'), false, 20),
        input('max_claims', t('campaign.modal.max_claims'), false, 7),
        input('budget', t('campaign.modal.budget'), false, 10),
      );
    await interaction.showModal(modal);
  },
};

/** The modal's submission: the same checks and flow as the slash command. */
export const startCampaignModal: ComponentHandler = {
  prefix: MODAL_PREFIX,
  async execute(ctx, args) {
    const { interaction, services, guildId } = ctx;
    if (!interaction.isModalSubmit()) throw new SparksError('SPARKS.STALE_COMPONENT');
    // Components are not covered by command permissions: check on every submission.
    if (!isModerator(interaction, services.settings.get(guildId))) throw new SparksError('SPARKS.FORBIDDEN');
    const [channelId, messageId] = args;
    if (!channelId || !messageId) throw new SparksError('SPARKS.STALE_COMPONENT');
    const field = (id: Field) => interaction.fields.getTextInputValue(id).trim();
    const int = (id: Field): number | null => {
      const value = field(id);
      if (value === '') return null;
      if (!/^\d{1,10}$/.test(value.replace(/[,\s_]/g, '')))
        throw new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey: 'campaign.modal.number', field: id });
      return Number(value.replace(/[,\s_]/g, ''));
    };
    await launchCampaign(ctx as Ctx<ModalSubmitInteraction>, {
      ref: { guildId, channelId, messageId },
      emoji: field('emoji'),
      sparks: int('sparks') ?? 0,
      endsIn: field('ends_in') || null,
      maxClaims: int('max_claims'),
      budget: int('budget'),
      requiredRoleId: null,
      // The modal holds Discord's five fields at most: gates are set with the slash command
      // or on the dashboard.
      minMemberDays: null,
      minAccountDays: null,
      verifiedWallet: false,
      revokeOnUnreact: false,
      name: null,
    });
  },
};
