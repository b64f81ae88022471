import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type Interaction } from 'discord.js';
import { HOUR_MS } from '../../../core/clock.ts';
import { SparksError } from '../../../core/errors.ts';
import { isModerator } from '../../permissions.ts';
import { respond, type ReplyPayload } from '../../reply.ts';
import { notifyByDm } from '../../shop.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { SPARKS_COLOR } from '../sparks/balance.ts';

/** Items per page: each takes an action row of its own (Fulfil, Reject); the fifth row pages. */
const PAGE_SIZE = 4;

/** `/sparks-admin redemptions`: the manual queue, oldest first, stale items flagged ⚠️. */
export const redemptionsQueue: Subcommand = {
  name: 'redemptions',
  description: {
    en: 'Manual redemptions waiting for a moderator',
    ko: '모더레이터 처리를 기다리는 수동 교환',
  },
  moderatorOnly: true,
  async execute(ctx) {
    await respond(ctx.interaction, { ...renderQueue(ctx, 0), ephemeral: true });
  },
};

/** Previous / Next / Refresh: `shop-queue:<owner>:<page>:<which>`. */
export const queuePage: ComponentHandler = {
  prefix: 'shop-queue',
  async execute(ctx, args) {
    const [owner, page = ''] = args;
    if (!ctx.interaction.isButton() || !/^\d+$/.test(page)) throw new SparksError('SPARKS.STALE_COMPONENT');
    checkModerator(ctx, owner);
    await ctx.interaction.update(renderQueue(ctx, Number(page)));
  },
};

/**
 * Fulfil / Reject one item: `shop-resolve:<owner>:<f|r>:<redemption id>:<page>`. Settled
 * exactly once (a second click, or another moderator's, is told it was already handled);
 * the member is told by DM, or at their next /sparks when DMs are closed.
 */
export const resolveButton: ComponentHandler = {
  prefix: 'shop-resolve',
  async execute(ctx, args) {
    const { interaction, services, guildId, userId, t } = ctx;
    const [owner, action, id = '', page = '0'] = args;
    if (!interaction.isButton() || (action !== 'f' && action !== 'r') || !/^\d+$/.test(id))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    checkModerator(ctx, owner);
    const { redemption, changed } = services.redemptions.resolveManual(
      guildId,
      Number(id),
      userId,
      action === 'f' ? 'fulfil' : 'reject',
    );
    if (!changed) throw new SparksError('SPARKS.REDEMPTION_NOT_FOUND');
    await interaction.deferUpdate();
    const told = await notifyByDm(interaction.client, services, redemption);
    const params = {
      id: redemption.id,
      name: redemption.rewardName,
      member: `<@${redemption.userId}>`,
      cost: redemption.cost,
    };
    const note = [
      action === 'f' ? t('shop.queue.fulfilled', params) : t('shop.queue.rejected', params),
      told ? t('shop.queue.told') : t('shop.queue.dm_closed'),
    ].join(' ');
    await interaction.editReply({
      ...renderQueue(ctx, /^\d+$/.test(page) ? Number(page) : 0),
      content: note,
    });
  },
};

function checkModerator(ctx: Ctx<Interaction>, owner: string | undefined): void {
  if (owner !== ctx.userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
  // The queue message outlives a moderator's role: check again on every click.
  if (!isModerator(ctx.interaction, ctx.services.settings.get(ctx.guildId)))
    throw new SparksError('SPARKS.FORBIDDEN');
}

function renderQueue(ctx: Ctx<Interaction>, requested: number): ReplyPayload & { content: string } {
  const { services, guildId, userId, t } = ctx;
  let page = requested;
  let { items, total } = services.redemptions.pendingManual(guildId, {
    offset: page * PAGE_SIZE,
    limit: PAGE_SIZE,
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (items.length === 0 && page > 0) {
    page = pages - 1;
    ({ items, total } = services.redemptions.pendingManual(guildId, {
      offset: page * PAGE_SIZE,
      limit: PAGE_SIZE,
    }));
  }
  const staleHours = services.settings.get(guildId).manualStaleHours;
  const now = services.clock();
  const embed = new EmbedBuilder().setColor(SPARKS_COLOR).setTitle(t('shop.queue.title', { total }));
  if (items.length === 0) embed.setDescription(t('shop.queue.empty'));
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (const r of items) {
    const stale = now - r.createdAt > staleHours * HOUR_MS;
    const lines = [
      t('shop.queue.who', { member: `<@${r.userId}>`, when: `<t:${Math.floor(r.createdAt / 1000)}:R>` }),
    ];
    if (stale) lines.push(t('shop.queue.stale', { hours: staleHours }));
    if (r.input) lines.push(t('shop.queue.input', { input: codeSpan(r.input) }));
    if (r.walletAddress) lines.push(t('shop.queue.wallet', { address: r.walletAddress }));
    embed.addFields({
      name: `${stale ? '⚠️ ' : ''}${t('shop.queue.item', { id: r.id, name: r.rewardName, cost: r.cost })}`,
      value: lines.join('\n'),
    });
    rows.push(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(`shop-resolve:${userId}:f:${r.id}:${page}`)
          .setLabel(t('shop.queue.fulfil', { id: r.id }))
          .setStyle(ButtonStyle.Success),
        new ButtonBuilder()
          .setCustomId(`shop-resolve:${userId}:r:${r.id}:${page}`)
          .setLabel(t('shop.queue.reject', { id: r.id }))
          .setStyle(ButtonStyle.Danger),
      ),
    );
  }
  if (pages > 1) embed.setFooter({ text: t('common.page', { page: page + 1, pages }) });
  const nav = new ActionRowBuilder<ButtonBuilder>();
  if (pages > 1) {
    nav.addComponents(
      new ButtonBuilder()
        .setCustomId(`shop-queue:${userId}:${Math.max(0, page - 1)}:prev`)
        .setLabel(t('common.previous'))
        .setStyle(ButtonStyle.Secondary)
        .setDisabled(page === 0),
      new ButtonBuilder()
        .setCustomId(`shop-queue:${userId}:${page + 1}:next`)
        .setLabel(t('common.next'))
        .setStyle(ButtonStyle.Secondary)
        .setDisabled(page >= pages - 1),
    );
  }
  nav.addComponents(
    new ButtonBuilder()
      .setCustomId(`shop-queue:${userId}:${page}:refresh`)
      .setLabel(t('shop.queue.refresh'))
      .setStyle(ButtonStyle.Secondary),
  );
  rows.push(nav);
  return { content: '', embeds: [embed], components: rows };
}

/** Member text shown verbatim: no markdown, no mentions. */
function codeSpan(text: string): string {
  return `\`${text.replace(/`/g, 'ˋ').slice(0, 200)}\``;
}
