import { EmbedBuilder, MessageFlags, type ChatInputCommandInteraction, type Guild } from 'discord.js';
import { isSparksError, SparksError } from '../../../core/errors.ts';
import type { Translate } from '../../i18n/index.ts';
import { checkGrantable, type RoleFailure } from '../../roles.ts';
import { respond } from '../../reply.ts';
import { MAX_TIER_THRESHOLD } from '../../../tiers/tiers.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { SPARKS_COLOR } from '../sparks/balance.ts';

/**
 * `/sparks-admin tier set role lifetime`: members whose lifetime earned reaches `lifetime`
 * get `role`, once. A role the bot could not safely hand out is refused now, with the fix.
 */
export const tierSet: Subcommand = {
  name: 'set',
  group: 'tier',
  description: {
    en: 'Give a role to members whose lifetime Sparks reach a threshold',
    ko: '누적 Sparks가 기준에 도달한 멤버에게 역할을 줍니다',
  },
  moderatorOnly: true,
  options: (b) =>
    b
      .addRoleOption((o) =>
        describe(o.setName('role'), { en: 'The tier role', ko: '등급 역할' }).setRequired(true),
      )
      .addIntegerOption((o) =>
        describe(o.setName('lifetime'), {
          en: 'Lifetime Sparks earned to reach the tier',
          ko: '등급에 필요한 누적 적립 Sparks',
        })
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(MAX_TIER_THRESHOLD),
      ),
  async execute({ interaction, services, guildId, userId, t }) {
    const role = interaction.options.getRole('role', true);
    const threshold = interaction.options.getInteger('lifetime', true);
    // Checking the role asks Discord (fresh role data, the bot's own member).
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const check = await checkGrantable(await guildOf(interaction, guildId), role.id);
    if (!check.ok) throw unsafeRole(t, check);
    const settings = services.settings.get(guildId);
    const result = localized(t, () =>
      services.tiers.set(guildId, role.id, threshold, {
        moderatorRoleId: settings.moderatorRoleId,
        actorId: userId,
      }),
    );
    const mention = `<@&${role.id}>`;
    const lines =
      result.previous === null
        ? [t('tier.set_done', { role: mention, threshold, qualifying: result.qualifying })]
        : [
            t('tier.updated', {
              role: mention,
              threshold,
              previous: result.previous,
              qualifying: result.qualifying,
            }),
            ...(threshold > result.previous ? [t('tier.raised')] : []),
          ];
    await respond(interaction, { content: lines.join('\n'), ephemeral: true });
  },
};

/** `/sparks-admin tier remove role`: the bot stops granting it; nobody loses it. */
export const tierRemove: Subcommand = {
  name: 'remove',
  group: 'tier',
  description: { en: 'Stop granting a tier role', ko: '등급 역할 지급을 중단합니다' },
  moderatorOnly: true,
  options: (b) =>
    b.addRoleOption((o) =>
      describe(o.setName('role'), { en: 'The tier role', ko: '등급 역할' }).setRequired(true),
    ),
  async execute({ interaction, services, guildId, userId, t }) {
    const role = interaction.options.getRole('role', true);
    const tier = services.tiers.remove(guildId, role.id, userId);
    await respond(interaction, {
      content: t('tier.removed', { role: `<@&${role.id}>`, threshold: tier.threshold }),
      ephemeral: true,
    });
  },
};

/** `/sparks-admin tier list`: thresholds, roles, and how many members the bot granted each. */
export const tierList: Subcommand = {
  name: 'list',
  group: 'tier',
  description: { en: 'Show the tier roles', ko: '등급 역할 목록을 봅니다' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    const tiers = services.tiers.list(guildId);
    const counts = services.tiers.grantedCounts(guildId);
    const embed = new EmbedBuilder()
      .setColor(SPARKS_COLOR)
      .setTitle(t('tier.list_title'))
      .setDescription(
        tiers.length === 0
          ? t('tier.list_empty')
          : tiers
              .map((tier) =>
                t('tier.list_row', {
                  threshold: tier.threshold,
                  role: `<@&${tier.roleId}>`,
                  count: counts.get(tier.roleId) ?? 0,
                }),
              )
              .join('\n'),
      );
    if (tiers.length > 0) embed.setFooter({ text: t('tier.list_footer') });
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

async function guildOf(interaction: ChatInputCommandInteraction, guildId: string): Promise<Guild> {
  return interaction.guild ?? (await interaction.client.guilds.fetch(guildId));
}

/** SPARKS.ROLE_UNSAFE naming the problem and its fix, or SPARKS.BOT_BUSY when Discord did not answer. */
function unsafeRole(t: Translate, failure: RoleFailure): SparksError {
  switch (failure.reason) {
    case 'member_left':
    case 'discord_unavailable':
      return new SparksError('SPARKS.BOT_BUSY', {}, failure.reason);
    case 'role_dangerous':
      return new SparksError('SPARKS.ROLE_UNSAFE', {
        reason: t('tier.unsafe.role_dangerous', { permissions: failure.permissions.join(', ') }),
      });
    case 'role_missing':
    case 'role_managed':
    case 'role_too_high':
    case 'bot_missing_permission':
      return new SparksError('SPARKS.ROLE_UNSAFE', { reason: t(`tier.unsafe.${failure.reason}`) });
  }
}

/** The tier service names its refusals by reason; the reply says them in the member's language. */
function localized<T>(t: Translate, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSparksError(e, 'SPARKS.TIER_INVALID')) {
      const reason = e.params.reason === 'too_many' ? 'tier.invalid.too_many' : 'tier.invalid.moderator_role';
      throw new SparksError('SPARKS.TIER_INVALID', { reason: t(reason, e.params) });
    }
    throw e;
  }
}
