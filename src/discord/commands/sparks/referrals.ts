import { EmbedBuilder, MessageFlags, type Guild } from 'discord.js';
import type { InviteeSummary } from '../../../db/referral-store.ts';
import { formatUsd } from '../../../platform/schemas.ts';
import type { Translate } from '../../i18n/index.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';
import { SPARKS_COLOR } from './balance.ts';

/** Invitees shown: the newest first; the footer says how many there are in all. */
const SHOWN = 20;

/**
 * `/sparks referrals`: each member the caller referred on the platform — pending (with the
 * Sparks waiting and the volume still to trade), qualified or lapsed, and what it earned.
 * An invitee is named only if they are a member of this server. Always private.
 */
export const referrals: Subcommand = {
  name: 'referrals',
  description: {
    en: 'The members you referred, and what each earned you',
    ko: '내가 추천한 멤버와 각각 적립된 Sparks',
  },
  async execute({ interaction, services, guildId, userId, t }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { items, total } = services.platform.referrals.invitees(guildId, userId, SHOWN);
    const here = interaction.guild ? await membersAmong(interaction.guild, items) : new Set<string>();
    const { earn } = services.settings.get(guildId);
    const embed = new EmbedBuilder()
      .setColor(SPARKS_COLOR)
      .setTitle(t('referrals.title', { total }))
      .setDescription(
        items.length === 0
          ? t('referrals.none')
          : items.map((i) => inviteeLine(t, i, here.has(i.inviteeUserId))).join('\n'),
      )
      .setFooter({
        text: [
          earn.referralQualifyVolumeUsd > 0
            ? t('referrals.rule', { usd: earn.referralQualifyVolumeUsd, days: earn.referralQualifyDays })
            : t('referrals.rule_off'),
          total > items.length ? t('referrals.more', { shown: items.length, total }) : '',
        ]
          .filter(Boolean)
          .join(' · '),
      });
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

/** Which of the invitees are members of the guild (the others stay unnamed). */
async function membersAmong(guild: Guild, items: readonly InviteeSummary[]): Promise<Set<string>> {
  const found = new Set<string>();
  await Promise.all(
    items.map(async ({ inviteeUserId: id }) => {
      if (guild.members.cache.has(id)) found.add(id);
      else if (await guild.members.fetch({ user: id }).catch(() => null)) found.add(id);
    }),
  );
  return found;
}

function inviteeLine(t: Translate, i: InviteeSummary, named: boolean): string {
  const who = named ? `<@${i.inviteeUserId}>` : t('referrals.unnamed');
  // A string: a number parameter would be formatted for the locale (1,797,…), breaking the timestamp.
  const at = (ms: number | null) => String(Math.floor((ms ?? 0) / 1000));
  switch (i.status) {
    case 'pending':
      return t('referrals.pending', {
        who,
        pending: i.pending,
        volume: formatUsd(i.volumeCents),
        target: formatUsd(i.qualifyVolumeCents ?? 0),
        until: at(i.qualifyBy),
      });
    case 'qualified':
      return t('referrals.qualified', { who, credited: i.credited });
    case 'lapsed':
      return t('referrals.lapsed', { who, lapsed: i.lapsed, credited: i.credited, at: at(i.qualifyBy) });
  }
}
