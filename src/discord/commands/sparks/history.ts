import { EmbedBuilder, escapeMarkdown, type BaseMessageOptions } from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import type { EntrySource, HistoryItem } from '../../../members/members.ts';
import { formatNumber } from '../../i18n/index.ts';
import { assertFresh, assertOwner, intArg, pageButtons, pageStamp, snowflakeArg } from '../../pages.ts';
import { isModerator } from '../../permissions.ts';
import { NO_MENTIONS, respond } from '../../reply.ts';
import type { ComponentHandler, ComponentInteraction, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { SPARKS_COLOR } from './balance.ts';

const PREFIX = 'hist';
const MAX_REASON_SHOWN = 180;

/**
 * `/sparks history [member]`: ledger entries newest first, ten a page, with Previous/Next.
 * Another member's history is for moderators only. Always private to the caller.
 */
export const history: Subcommand = {
  name: 'history',
  description: {
    en: 'Your Sparks history, newest first (moderators: any member’s)',
    ko: 'Sparks 내역을 최신순으로 봅니다 (모더레이터: 다른 멤버도)',
  },
  options: (b) =>
    b.addUserOption((o) =>
      describe(o.setName('member'), {
        en: 'Whose history (moderators only, for others)',
        ko: '누구의 내역인지 (다른 멤버는 모더레이터만)',
      }),
    ),
  async execute(ctx) {
    const { interaction, services, guildId, userId } = ctx;
    const target = interaction.options.getUser('member') ?? interaction.user;
    if (target.id !== userId && !isModerator(interaction, services.settings.get(guildId))) {
      throw new SparksError('SPARKS.FORBIDDEN');
    }
    const member = interaction.options.getMember('member');
    const name = member && 'displayName' in member ? member.displayName : target.displayName;
    await respond(interaction, { ...historyPage(ctx, target.id, name, 1, {}), ephemeral: true });
  },
};

/**
 * Previous/Next: `hist:<asker>:<member>:<stamp>:<page>:<o|n>:<entry id>`: `o` = entries
 * older than the id (Next), `n` = newer (Previous). Ids are ledger entry ids, which never
 * change, so paging stays exact while new entries arrive.
 */
export const historyPages: ComponentHandler = {
  prefix: PREFIX,
  async execute(ctx, args) {
    const { interaction, services, guildId, userId } = ctx;
    const [owner, target, stamp, pageArg, direction, anchorArg] = args;
    assertOwner(snowflakeArg(owner), userId);
    const targetId = snowflakeArg(target);
    assertFresh(stamp, services.clock());
    const page = Math.max(1, intArg(pageArg));
    const anchor = intArg(anchorArg);
    if (direction !== 'o' && direction !== 'n') throw new SparksError('SPARKS.STALE_COMPONENT');
    if (targetId !== userId && !isModerator(interaction, services.settings.get(guildId))) {
      throw new SparksError('SPARKS.FORBIDDEN');
    }
    if (!interaction.isButton()) throw new SparksError('SPARKS.STALE_COMPONENT');
    // Page 1 is always the newest entries, including any that arrived meanwhile.
    const cursor = direction === 'o' ? { before: anchor } : page === 1 ? {} : { after: anchor };
    const name = await displayName(ctx, targetId);
    await interaction.update({
      ...historyPage(ctx, targetId, name, page, cursor),
      allowedMentions: NO_MENTIONS,
    });
  },
};

async function displayName(ctx: Ctx<ComponentInteraction>, userId: string): Promise<string> {
  const guild = ctx.interaction.guild;
  const member = guild?.members.cache.get(userId);
  if (member) return member.displayName;
  const user = await ctx.interaction.client.users.fetch(userId).catch(() => null);
  return user?.displayName ?? userId;
}

function historyPage(
  ctx: Ctx<unknown>,
  targetId: string,
  name: string,
  page: number,
  cursor: { before?: number; after?: number },
): Pick<BaseMessageOptions, 'embeds' | 'components'> {
  const { services, guildId, userId, t } = ctx;
  const view = services.members.history(guildId, targetId, cursor);
  const embed = new EmbedBuilder()
    .setColor(SPARKS_COLOR)
    .setTitle(targetId === userId ? t('history.title_self') : t('history.title', { name }))
    .setFooter({ text: t('history.footer', { page }) });
  if (view.items.length === 0) {
    embed.setDescription(page === 1 ? t('history.empty') : t('history.end'));
  } else {
    embed.setDescription(view.items.map((item) => entryLine(ctx, item)).join('\n\n'));
  }
  if (page === 1 && view.nextCursor === null) return { embeds: [embed], components: [] };
  const stamp = pageStamp(services.clock());
  const base = `${PREFIX}:${userId}:${targetId}:${stamp}`;
  const first = view.items[0]?.id;
  const last = view.items.at(-1)?.id;
  return {
    embeds: [embed],
    components: [
      pageButtons(
        t,
        { id: `${base}:${Math.max(1, page - 1)}:n:${first ?? 0}`, enabled: page > 1 },
        { id: `${base}:${page + 1}:o:${last ?? 0}`, enabled: view.nextCursor !== null },
      ),
    ],
  };
}

function entryLine(ctx: Ctx<unknown>, item: HistoryItem): string {
  const { t, locale } = ctx;
  const amount = `${item.delta >= 0 ? '+' : '−'}${formatNumber(locale, Math.abs(item.delta))}`;
  const when = `<t:${Math.floor(item.createdAt / 1000)}:R>`;
  const line = `**${amount}** · ${sourceText(ctx, item.source)} · ${when}`;
  const reason = item.reason.replace(/\s+/g, ' ').trim();
  if (!reason) return line;
  const shown = reason.length > MAX_REASON_SHOWN ? `${reason.slice(0, MAX_REASON_SHOWN - 1)}…` : reason;
  return `${line}\n> ${t('history.reason', { reason: escapeMarkdown(shown) })}`;
}

function sourceText(ctx: Ctx<unknown>, source: EntrySource): string {
  const { t } = ctx;
  const quoted = (name: string) => escapeMarkdown(name);
  switch (source.type) {
    case 'award':
      return t('history.source.award', { moderator: `<@${source.moderatorId}>` });
    case 'revoke':
      return t('history.source.revoke', { moderator: `<@${source.moderatorId}>` });
    case 'streak':
      return source.days === null
        ? t('history.source.streak_unknown')
        : t('history.source.streak', { days: source.days });
    case 'campaign':
      return source.name === null
        ? t('history.source.campaign_unknown')
        : t('history.source.campaign', { name: quoted(source.name) });
    case 'quest':
      return source.name === null
        ? t('history.source.quest_unknown')
        : t('history.source.quest', { name: quoted(source.name) });
    case 'platform':
      return t(`history.source.${source.event}`);
    case 'redemption':
      return source.reward === null
        ? t('history.source.redemption_unknown')
        : t('history.source.redemption', { reward: quoted(source.reward) });
    case 'refund':
      return source.reward === null
        ? t('history.source.refund_unknown')
        : t('history.source.refund', { reward: quoted(source.reward) });
    case 'reversal':
      return t('history.source.reversal', { source: sourceText(ctx, source.of) });
    case 'other':
      return t('history.source.other');
  }
}
