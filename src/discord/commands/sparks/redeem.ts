import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { isSparksError, SparksError, type ErrorCode } from '../../../core/errors.ts';
import { INPUT_MAX_LENGTH, validateInput } from '../../../shop/input.ts';
import type { RedeemOutcome } from '../../../shop/redemptions.ts';
import { inputKindOf } from '../../../shop/rewards.ts';
import { translate } from '../../i18n/index.ts';
import { memberJoinedAt, memberRoleIds } from '../../permissions.ts';
import { NO_MENTIONS, respond } from '../../reply.ts';
import {
  alreadyText,
  inputLabel,
  localizeShopError,
  outcomeText,
  redeemReward,
  rewardGives,
} from '../../shop.ts';
import type { ComponentHandler, ComponentInteraction, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { SPARKS_COLOR } from './balance.ts';

/**
 * `/sparks redeem reward`: a private confirmation with Confirm / Cancel. Every click on
 * one confirmation shares its exactly-once key (`confirm:<the command's interaction id>`),
 * so double and concurrent clicks make one redemption.
 *
 * Custom ids: `shop-confirm:<owner>:<reward id>:<cost shown>:<nonce>`, the same for the
 * input modal (`shop-input:…`), and `shop-cancel:<owner>:<nonce>`. The cost travels with
 * the button: if a moderator changed it since, the confirmation is stale.
 */
export const redeem: Subcommand = {
  name: 'redeem',
  description: { en: 'Spend Sparks on a reward from the shop', ko: '상점 보상을 Sparks로 교환합니다' },
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('reward'), { en: 'Which reward (start typing)', ko: '보상 (입력해서 찾기)' })
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(100),
    ),
  async autocomplete({ interaction, services, guildId, userId, t }) {
    const { balance } = services.ledger.reads.standing(guildId, userId);
    const rewards = services.rewards.suggest(guildId, interaction.options.getFocused(), {
      balance,
      enabledOnly: true,
    });
    await interaction.respond(
      rewards.map((r) => ({
        name: clip(
          r.stock === 0
            ? t('shop.choice_sold_out', { name: r.name })
            : r.cost > balance
              ? t('shop.choice_short', { name: r.name, cost: r.cost, short: r.cost - balance })
              : t('shop.choice', { name: r.name, cost: r.cost }),
          100,
        ),
        value: `r:${r.id}`,
      })),
    );
  },
  async execute({ interaction, services, guildId, userId, t }) {
    const found = services.rewards.find(guildId, interaction.options.getString('reward', true));
    const { reward, balance } = services.redemptions.preview({
      guildId,
      userId,
      rewardId: found.id,
      memberRoleIds: memberRoleIds(interaction),
      joinedAt: memberJoinedAt(interaction),
    });
    const embed = new EmbedBuilder()
      .setColor(SPARKS_COLOR)
      .setTitle(clip(t('shop.confirm.title', { name: reward.name }), 256))
      .addFields(
        { name: t('shop.confirm.you_get'), value: rewardGives(t, reward) },
        { name: t('shop.confirm.cost'), value: t('common.sparks', { amount: reward.cost }), inline: true },
        {
          name: t('shop.confirm.after'),
          value: t('common.sparks', { amount: balance - reward.cost }),
          inline: true,
        },
      );
    const notes = [reward.description];
    if (reward.kind === 'manual') notes.push(t('shop.confirm.manual'));
    const label = inputLabel(t, reward);
    if (label) notes.push(t('shop.confirm.input', { label: `**${label}**` }));
    const description = notes.filter(Boolean).join('\n\n');
    if (description) embed.setDescription(description);
    const state = `${userId}:${reward.id}:${reward.cost}:${interaction.id}`;
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(`shop-confirm:${state}`)
        .setLabel(t('common.confirm'))
        .setStyle(ButtonStyle.Success),
      new ButtonBuilder()
        .setCustomId(`shop-cancel:${userId}:${interaction.id}`)
        .setLabel(t('common.cancel'))
        .setStyle(ButtonStyle.Secondary),
    );
    await respond(interaction, { embeds: [embed], components: [row], ephemeral: true });
  },
};

interface Confirmation {
  owner: string;
  rewardId: number;
  cost: number;
  nonce: string;
}

function parseConfirmation(args: string[], userId: string): Confirmation {
  const [owner = '', rewardId = '', cost = '', nonce = ''] = args;
  if (!/^\d+$/.test(rewardId) || !/^\d+$/.test(cost) || !nonce)
    throw new SparksError('SPARKS.STALE_COMPONENT');
  if (owner !== userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
  return { owner, rewardId: Number(rewardId), cost: Number(cost), nonce };
}

const keyOf = (nonce: string) => `confirm:${nonce}`;

export const confirmButton: ComponentHandler = {
  prefix: 'shop-confirm',
  async execute(ctx, args) {
    const { interaction, services, guildId, t } = ctx;
    if (!interaction.isButton()) throw new SparksError('SPARKS.STALE_COMPONENT');
    const c = parseConfirmation(args, ctx.userId);
    const reward = services.rewards.get(c.rewardId);
    const kind = reward ? inputKindOf(reward) : null;
    if (reward && kind && !services.redemptions.byKey(guildId, keyOf(c.nonce))) {
      // The modal must be the first answer to the click: it asks for the input, its
      // submission reserves.
      const field = new TextInputBuilder()
        .setCustomId('value')
        .setLabel(clip(inputLabel(t, reward)!, 45))
        .setStyle(kind === 'text' ? TextInputStyle.Paragraph : TextInputStyle.Short)
        .setMinLength(1)
        .setMaxLength(INPUT_MAX_LENGTH[kind])
        .setRequired(true);
      await interaction.showModal(
        new ModalBuilder()
          .setCustomId(`shop-input:${args.join(':')}`)
          .setTitle(clip(t('shop.modal.title', { name: reward.name }), 45))
          .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(field)),
      );
      return;
    }
    await redeemConfirmed(ctx, interaction, c, null);
  },
};

export const inputModal: ComponentHandler = {
  prefix: 'shop-input',
  async execute(ctx, args) {
    const { interaction, services, guildId, t } = ctx;
    if (!interaction.isModalSubmit()) throw new SparksError('SPARKS.STALE_COMPONENT');
    const c = parseConfirmation(args, ctx.userId);
    const reward = services.rewards.get(c.rewardId);
    const kind = reward ? inputKindOf(reward) : null;
    const value = interaction.fields.getTextInputValue('value');
    if (reward && kind) {
      // Checked here first so the member reads why in their language; reserve checks again.
      const check = validateInput(kind, value, guildId);
      if (!check.ok)
        throw new SparksError('SPARKS.REDEEM_INPUT_INVALID', {
          label: inputLabel(t, reward),
          hint: t(`shop.input.${check.problem}`),
        });
    }
    await redeemConfirmed(ctx, interaction, c, value);
  },
};

export const cancelButton: ComponentHandler = {
  prefix: 'shop-cancel',
  async execute({ interaction, services, guildId, userId, t }, args) {
    const [owner, nonce = ''] = args;
    if (!interaction.isButton()) throw new SparksError('SPARKS.STALE_COMPONENT');
    if (owner !== userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
    const done = services.redemptions.byKey(guildId, keyOf(nonce));
    // A forged id may name another member's confirmation: their redemption is not ours to show.
    if (done && done.userId === userId) {
      await respond(interaction, { content: alreadyText(t, done), ephemeral: true });
      return;
    }
    await interaction.update({
      content: t('shop.cancelled'),
      embeds: [],
      components: [],
      allowedMentions: NO_MENTIONS,
    });
  },
};

/**
 * Refusals after which this confirmation can never succeed: the confirmation is replaced by
 * the reason. Others (busy, a bad input) leave it in place so the member can press again.
 */
const CLOSING: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SPARKS.REWARD_UNAVAILABLE',
  'SPARKS.STALE_COMPONENT',
  'SPARKS.ROLE_REQUIRED',
  'SPARKS.ALREADY_OWNED',
  'SPARKS.LIMIT_REACHED',
  'SPARKS.SOLD_OUT',
  'SPARKS.INSUFFICIENT',
]);

async function redeemConfirmed(
  ctx: Ctx<ComponentInteraction>,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  c: Confirmation,
  input: string | null,
): Promise<void> {
  const { services, provided, guildId, userId, t, locale, log } = ctx;
  let deferred = false;
  let outcome: RedeemOutcome;
  try {
    outcome = await redeemReward(
      { services, client: interaction.client, runtime: provided.find('shop') },
      {
        guildId,
        userId,
        rewardId: c.rewardId,
        confirmedCost: c.cost,
        key: keyOf(c.nonce),
        memberRoleIds: memberRoleIds(interaction),
        joinedAt: memberJoinedAt(interaction),
        input,
      },
      {
        // The member's Sparks are held now: acknowledge, then fulfil whatever happens to this interaction.
        onHeld: async () => {
          deferred = true;
          await interaction
            .deferUpdate()
            .catch((err: unknown) => log.warn({ err }, 'could not defer the confirmation'));
        },
      },
    );
  } catch (e) {
    const error = localizeShopError(e, t);
    if (isSparksError(error) && CLOSING.has(error.code)) {
      await replaceConfirmation(interaction, translate(locale, `error.${error.code}`, error.params));
      return;
    }
    throw error;
  }
  const { reward, result, restarting } = outcome;
  if (outcome.duplicate) {
    await respond(interaction, { content: alreadyText(t, result.redemption), ephemeral: true });
    return;
  }
  const balance = () => services.ledger.reads.standing(guildId, userId).balance;
  if (!deferred) {
    await replaceConfirmation(interaction, outcomeText(t, result, reward, { balance: balance() }));
    return;
  }
  // A stopping bot may have closed the database already: a restart note needs no balance.
  const content = outcomeText(t, result, reward, {
    ...(result.status === 'unknown' ? {} : { balance: balance() }),
    restarting,
  });
  await interaction
    .editReply({ content, embeds: [], components: [], allowedMentions: NO_MENTIONS })
    .catch((err: unknown) =>
      log.warn({ err, redemptionId: result.redemption.id }, 'could not show the redemption outcome'),
    );
}

/** Shows `content` in place of the confirmation (its buttons go). */
async function replaceConfirmation(
  interaction: ButtonInteraction | ModalSubmitInteraction,
  content: string,
): Promise<void> {
  const body = { content, embeds: [], components: [], allowedMentions: NO_MENTIONS };
  if (interaction.isButton()) await interaction.update(body);
  else if (interaction.isFromMessage()) await interaction.update(body);
  else await respond(interaction, { content, ephemeral: true });
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
