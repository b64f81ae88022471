import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type Interaction } from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import type { RewardRow } from '../../../shop/rewards.ts';
import type { Translate } from '../../i18n/index.ts';
import { memberRoleIds } from '../../permissions.ts';
import { respond, type ReplyPayload } from '../../reply.ts';
import { rewardGives } from '../../shop.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { SPARKS_COLOR } from './balance.ts';

const PAGE_SIZE = 6;

/** `/sparks shop`: the catalogue with what the caller can afford, privately, in pages. */
export const shop: Subcommand = {
  name: 'shop',
  description: { en: 'Browse the rewards you can redeem', ko: '교환할 수 있는 보상을 둘러봅니다' },
  async execute(ctx) {
    await respond(ctx.interaction, { ...renderShop(ctx, 0), ephemeral: true });
  },
};

/** Previous / Next: `shop-page:<owner>:<page>`. A page past the end shows the last one. */
export const shopPage: ComponentHandler = {
  prefix: 'shop-page',
  async execute(ctx, args) {
    const [owner, page = ''] = args;
    if (!ctx.interaction.isButton() || !/^\d+$/.test(page)) throw new SparksError('SPARKS.STALE_COMPONENT');
    if (owner !== ctx.userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
    await ctx.interaction.update(renderShop(ctx, Number(page)));
  },
};

function renderShop(ctx: Ctx<Interaction>, requested: number): ReplyPayload {
  const { services, guildId, userId, t } = ctx;
  const rewards = services.rewards.list(guildId, { enabledOnly: true });
  const { balance } = services.ledger.reads.standing(guildId, userId);
  const held = services.redemptions.heldByReward(guildId, userId);
  const roles = memberRoleIds(ctx.interaction);
  const pages = Math.max(1, Math.ceil(rewards.length / PAGE_SIZE));
  const page = Math.min(requested, pages - 1);
  const embed = new EmbedBuilder()
    .setColor(SPARKS_COLOR)
    .setTitle(t('shop.title'))
    .setDescription(rewards.length ? t('shop.balance', { balance }) : t('shop.empty'));
  for (const reward of rewards.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)) {
    embed.addFields({
      name: t('shop.field', { name: reward.name, cost: reward.cost }),
      value: rewardLines(t, reward, { balance, held: held.get(reward.id) ?? 0, roles }).join('\n'),
    });
  }
  if (pages > 1) embed.setFooter({ text: t('common.page', { page: page + 1, pages }) });
  const components =
    pages > 1
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(`shop-page:${userId}:${Math.max(0, page - 1)}:prev`)
              .setLabel(t('common.previous'))
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(page === 0),
            new ButtonBuilder()
              .setCustomId(`shop-page:${userId}:${page + 1}:next`)
              .setLabel(t('common.next'))
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(page >= pages - 1),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/**
 * A reward as a member sees it: what it gives, stock, their limit, the role it needs, and
 * whether they can afford it (or how many Sparks they are short).
 */
export function rewardLines(
  t: Translate,
  reward: RewardRow,
  member?: { balance: number; held: number; roles: readonly string[] },
): string[] {
  const lines: string[] = [];
  if (reward.description) lines.push(reward.description.slice(0, 300));
  lines.push(rewardGives(t, reward));
  if (reward.stock !== null)
    lines.push(reward.stock > 0 ? t('shop.stock', { stock: reward.stock }) : t('shop.sold_out'));
  if (reward.perMemberLimit !== null)
    lines.push(t('shop.limit', { limit: reward.perMemberLimit, held: member?.held ?? 0 }));
  if (reward.requiredRoleId) lines.push(t('shop.requires', { role: `<@&${reward.requiredRoleId}>` }));
  if (reward.minMemberDays) lines.push(t('shop.gate.member_days', { days: reward.minMemberDays }));
  if (reward.minAccountDays) lines.push(t('shop.gate.account_days', { days: reward.minAccountDays }));
  if (reward.verifiedWallet === 1 || reward.requiresWallet) lines.push(t('shop.gate.wallet'));
  if (reward.enabled !== 1) lines.push(t('shop.paused'));
  const limitReached = member && reward.perMemberLimit !== null && member.held >= reward.perMemberLimit;
  if (member && !limitReached && reward.stock !== 0 && reward.enabled === 1) {
    const short = reward.cost - member.balance;
    lines.push(short <= 0 ? t('shop.affordable') : t('shop.short', { short }));
  }
  return lines;
}
