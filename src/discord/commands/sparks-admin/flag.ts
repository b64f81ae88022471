import {
  EmbedBuilder,
  type ChatInputCommandInteraction,
  type Interaction,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import type { FlagRow } from '../../../db/flag-store.ts';
import { MAX_FLAG_REASON } from '../../../members/flagging.ts';
import { FLAG_SOURCES } from '../../../members/flags.ts';
import { intArg, pageButtons, snowflakeArg } from '../../pages.ts';
import { isModerator } from '../../permissions.ts';
import { respond, type ReplyPayload } from '../../reply.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

/** Flags a page: eight at their longest (reasons clipped to 200 and 120) stay under an embed's 4,096 characters. */
const PAGE_SIZE = 8;
const PREFIX = 'flags';

const options = (b: SlashCommandSubcommandBuilder) =>
  b
    .addUserOption((o) => describe(o.setName('member'), { en: 'Who', ko: '대상 멤버' }).setRequired(true))
    .addStringOption((o) =>
      describe(o.setName('reason'), { en: 'Why (kept with the flag)', ko: '사유 (표시와 함께 기록됨)' })
        .setRequired(true)
        .setMaxLength(MAX_FLAG_REASON),
    );

function target(interaction: ChatInputCommandInteraction) {
  return {
    member: interaction.options.getUser('member', true),
    reason: interaction.options.getString('reason', true),
  };
}

/** `/sparks-admin flag member reason`: the member keeps earning but cannot redeem, enter raffles or win prizes. */
export const flag: Subcommand = {
  name: 'flag',
  description: {
    en: 'Flag a member for review: they earn but cannot redeem or win',
    ko: '멤버를 검토 대상으로 표시: 적립은 되지만 교환·당첨 불가',
  },
  moderatorOnly: true,
  options,
  async execute({ interaction, services, guildId, userId, t }) {
    const { member, reason } = target(interaction);
    services.flags.flag({ guildId, userId: member.id, targetIsBot: member.bot, moderatorId: userId, reason });
    await respond(interaction, {
      content: t('flag.done', { member: `<@${member.id}>`, reason }),
      ephemeral: true,
    });
  },
};

/** `/sparks-admin unflag member reason`: clears the member's open flag. */
export const unflag: Subcommand = {
  name: 'unflag',
  description: { en: 'Clear a member’s flag', ko: '멤버의 검토 표시를 해제합니다' },
  moderatorOnly: true,
  options,
  async execute({ interaction, services, guildId, userId, t }) {
    const { member, reason } = target(interaction);
    const cleared = services.flags.clear({ guildId, userId: member.id, moderatorId: userId, reason });
    await respond(interaction, {
      content: t('flag.cleared', { member: `<@${member.id}>`, reason, was: cleared.reason }),
      ephemeral: true,
    });
  },
};

/** `/sparks-admin flags [history]`: the open flags (or every flag, cleared too), newest first, paged. */
export const flags: Subcommand = {
  name: 'flags',
  description: { en: 'Flagged members, newest first', ko: '검토 대상 멤버 (최신순)' },
  moderatorOnly: true,
  options: (b) =>
    b.addBooleanOption((o) =>
      describe(o.setName('history'), {
        en: 'Include cleared flags',
        ko: '해제된 표시도 포함',
      }),
    ),
  async execute(ctx) {
    const all = ctx.interaction.options.getBoolean('history') ?? false;
    await respond(ctx.interaction, { ...renderFlags(ctx, all, 0), ephemeral: true });
  },
};

/** Previous / Next: `flags:<owner>:<o|a>:<page>` (o: open flags, a: all). */
export const flagsPage: ComponentHandler = {
  prefix: PREFIX,
  async execute(ctx, args) {
    const [owner, which, page] = args;
    if (!ctx.interaction.isButton() || (which !== 'o' && which !== 'a'))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    if (snowflakeArg(owner) !== ctx.userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
    // The list outlives a moderator's role: check again on every click.
    if (!isModerator(ctx.interaction, ctx.services.settings.get(ctx.guildId)))
      throw new SparksError('SPARKS.FORBIDDEN');
    await ctx.interaction.update(renderFlags(ctx, which === 'a', intArg(page)));
  },
};

function renderFlags(ctx: Ctx<Interaction>, all: boolean, requested: number): ReplyPayload {
  const { services, guildId, userId, t } = ctx;
  const read = (page: number) =>
    services.flags.list(guildId, { open: !all, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  let page = requested;
  let { items, total } = read(page);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (items.length === 0 && page > 0) {
    page = pages - 1;
    ({ items, total } = read(page));
  }
  const embed = new EmbedBuilder()
    .setColor(0xe67e22)
    .setTitle(all ? t('flags.title_all', { total }) : t('flags.title', { total }))
    .setDescription(
      items.length === 0
        ? t(all ? 'flags.none_ever' : 'flags.none')
        : items.map((f) => flagLine(ctx, f)).join('\n\n'),
    )
    .setFooter({ text: t('flags.page', { page: page + 1, pages }) });
  const which = all ? 'a' : 'o';
  const components =
    pages > 1
      ? [
          pageButtons(
            t,
            { id: `${PREFIX}:${userId}:${which}:${page - 1}`, enabled: page > 0 },
            { id: `${PREFIX}:${userId}:${which}:${page + 1}`, enabled: page + 1 < pages },
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/** A Discord timestamp's seconds, as text: a number parameter would be formatted for the locale. */
const seconds = (ms: number) => String(Math.floor(ms / 1000));
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function flagLine({ t }: Ctx<Interaction>, f: FlagRow): string {
  const by = f.raisedBy ? `<@${f.raisedBy}>` : t(`flags.source.${sourceKey(f.source)}`);
  const lines = [
    t('flags.line', { member: `<@${f.userId}>`, by, at: seconds(f.raisedAt), reason: clip(f.reason, 200) }),
  ];
  if (f.clearedAt !== null)
    lines.push(
      t('flags.line_cleared', {
        by: `<@${f.clearedBy ?? ''}>`,
        at: seconds(f.clearedAt),
        reason: clip(f.clearReason ?? '', 120),
      }),
    );
  return lines.join('\n');
}

type SourceKey = 'moderator' | 'wallet_shared' | 'young_invitee' | 'fresh_referrals' | 'auto';

/** The message key part of a source: `moderator`, the automatic check's name, or `auto` for one this version does not know. */
function sourceKey(source: string): SourceKey {
  return (FLAG_SOURCES as readonly string[]).includes(source)
    ? (source.replace(/^auto:/, '') as SourceKey)
    : 'auto';
}
