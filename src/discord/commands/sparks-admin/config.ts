import { ChannelType, EmbedBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { SparksError, isSparksError } from '../../../core/errors.ts';
import {
  optionPatch,
  resetPatch,
  SETTING_OPTIONS,
  type SettingOption,
  type SettingValue,
} from '../../../settings/options.ts';
import type { GuildSettings, SettingsPatch } from '../../../settings/settings.ts';
import { formatNumber, type Locale, type Translate } from '../../i18n/index.ts';
import { missingLogPermission } from '../../log-channel.ts';
import { syncRanked } from '../../ranking.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';
import { botMember } from '../../guild-access.ts';
import { describe } from '../build.ts';

export const SETTING_NAMES = [
  'log_channel',
  'moderator_role',
  'daily_award_limit',
  'leaderboard_exclude_role',
  'images',
  'web_leaderboard',
  'manual_stale_hours',
  'trade_sparks_per_100_usd',
  'subscription_sparks',
  'first_subscription_bonus',
  'referral_trade_pct',
  'referral_first_sub_pct',
  'platform_daily_cap',
  'streak_milestones',
  'flag_min_account_days',
  'flag_fresh_referrals_per_day',
  'referral_qualify_volume_usd',
  'referral_qualify_days',
] as const satisfies readonly SettingOption[];
export type SettingName = (typeof SETTING_NAMES)[number];
type IntegerOption = {
  [K in SettingOption]: (typeof SETTING_OPTIONS)[K]['type'] extends 'integer' ? K : never;
}[SettingOption];

/** Each option's value as the interaction carries it (null: not given). */
const READERS: Record<SettingName, (i: ChatInputCommandInteraction) => SettingValue | null | undefined> = {
  log_channel: (i) => i.options.getChannel('log_channel')?.id,
  moderator_role: (i) => i.options.getRole('moderator_role')?.id,
  daily_award_limit: (i) => i.options.getInteger('daily_award_limit'),
  leaderboard_exclude_role: (i) => i.options.getRole('leaderboard_exclude_role')?.id,
  images: (i) => i.options.getBoolean('images'),
  web_leaderboard: (i) => i.options.getBoolean('web_leaderboard'),
  manual_stale_hours: (i) => i.options.getInteger('manual_stale_hours'),
  trade_sparks_per_100_usd: (i) => i.options.getInteger('trade_sparks_per_100_usd'),
  subscription_sparks: (i) => i.options.getInteger('subscription_sparks'),
  first_subscription_bonus: (i) => i.options.getInteger('first_subscription_bonus'),
  referral_trade_pct: (i) => i.options.getInteger('referral_trade_pct'),
  referral_first_sub_pct: (i) => i.options.getInteger('referral_first_sub_pct'),
  platform_daily_cap: (i) => i.options.getInteger('platform_daily_cap'),
  streak_milestones: (i) => i.options.getString('streak_milestones'),
  flag_min_account_days: (i) => i.options.getInteger('flag_min_account_days'),
  flag_fresh_referrals_per_day: (i) => i.options.getInteger('flag_fresh_referrals_per_day'),
  referral_qualify_volume_usd: (i) => i.options.getInteger('referral_qualify_volume_usd'),
  referral_qualify_days: (i) => i.options.getInteger('referral_qualify_days'),
};

const int = (name: SettingName & IntegerOption, text: { en: string; ko: string }) => ({
  name,
  text,
  min: SETTING_OPTIONS[name].min,
  max: SETTING_OPTIONS[name].max,
});

const INTEGER_OPTIONS = [
  int('daily_award_limit', {
    en: 'Sparks a moderator may award per day (0 = no limit)',
    ko: '모더레이터별 하루 지급 한도 (0 = 제한 없음)',
  }),
  int('manual_stale_hours', {
    en: 'Flag manual rewards pending longer than this (hours)',
    ko: '이 시간(시간)보다 오래 대기한 수동 보상 알림',
  }),
  int('trade_sparks_per_100_usd', {
    en: 'Sparks per 100 USD of trade volume',
    ko: '거래량 100 USD당 Sparks',
  }),
  int('subscription_sparks', { en: 'Sparks per subscription', ko: '구독당 Sparks' }),
  int('first_subscription_bonus', { en: 'Extra Sparks on a first subscription', ko: '첫 구독 추가 Sparks' }),
  int('referral_trade_pct', {
    en: '% of an invitee’s trade Sparks for the referrer',
    ko: '추천인이 받는 피추천인 거래 Sparks 비율(%)',
  }),
  int('referral_first_sub_pct', {
    en: '% of an invitee’s first-sub Sparks for the referrer',
    ko: '추천인이 받는 피추천인 첫 구독 Sparks 비율(%)',
  }),
  int('platform_daily_cap', {
    en: 'Platform Sparks per member per day (0 = no cap)',
    ko: '멤버별 하루 플랫폼 Sparks 한도 (0 = 제한 없음)',
  }),
  int('flag_min_account_days', {
    en: 'Flag invitees with accounts younger than (days, 0 = off)',
    ko: '이보다 새 계정의 피추천인을 검토 표시 (일, 0 = 끄기)',
  }),
  int('flag_fresh_referrals_per_day', {
    en: 'Flag referrers with this many fresh invitees a day (0 = off)',
    ko: '하루 새 계정 추천이 이만큼인 추천인 검토 표시 (0 = 끄기)',
  }),
  int('referral_qualify_volume_usd', {
    en: 'Invitee USD volume before referral shares pay (0 = at once)',
    ko: '추천 적립 전 피추천인 거래량 (USD, 0 = 바로 지급)',
  }),
  int('referral_qualify_days', {
    en: 'Days an invitee has to reach it',
    ko: '피추천인이 거래량을 채울 기한 (일)',
  }),
];

/**
 * `/sparks-admin config`: shows the settings, or changes the given ones (validated by the
 * settings service: nothing is written if any value is refused), or resets one to its
 * default. A log channel the bot cannot post embeds in is refused, naming the permission.
 */
export const config: Subcommand = {
  name: 'config',
  description: { en: 'Show or change Sparks settings', ko: 'Sparks 설정을 보거나 변경합니다' },
  moderatorOnly: true,
  options: (b) => {
    b.addChannelOption((o) =>
      describe(o.setName('log_channel'), {
        en: 'Where the audit log goes',
        ko: '감사 로그를 보낼 채널',
      }).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
    )
      .addRoleOption((o) =>
        describe(o.setName('moderator_role'), {
          en: 'A role that may use /sparks-admin (besides Manage Server)',
          ko: '/sparks-admin을 사용할 수 있는 역할 (서버 관리 권한 외)',
        }),
      )
      .addRoleOption((o) =>
        describe(o.setName('leaderboard_exclude_role'), {
          en: 'Members with this role are not ranked (staff)',
          ko: '이 역할이 있는 멤버는 순위에서 제외 (스태프)',
        }),
      )
      .addBooleanOption((o) =>
        describe(o.setName('images'), { en: 'Show image cards', ko: '이미지 카드 표시' }),
      )
      .addBooleanOption((o) =>
        describe(o.setName('web_leaderboard'), {
          en: 'Leaderboard public on the web (off: members only)',
          ko: '웹 리더보드 공개 (끄면 멤버만)',
        }),
      );
    for (const o of INTEGER_OPTIONS)
      b.addIntegerOption((io) => describe(io.setName(o.name), o.text).setMinValue(o.min).setMaxValue(o.max));
    b.addStringOption((o) =>
      describe(o.setName('streak_milestones'), {
        en: 'Streak bonuses as days:Sparks, e.g. 3:10, 7:50, 30:200',
        ko: '스트릭 보너스 (일수:Sparks), 예: 3:10, 7:50, 30:200',
      }).setMaxLength(SETTING_OPTIONS.streak_milestones.maxLength),
    );
    return b.addStringOption((o) =>
      describe(o.setName('reset'), {
        en: 'Put this setting back to its default',
        ko: '이 설정을 기본값으로 되돌리기',
      })
        // Autocomplete, not choices: as 18 choices the names alone took 700 of the command's
        // 8,000 characters (Discord's limit), and the list grows with every setting.
        .setAutocomplete(true)
        .setMaxLength(40),
    );
  },
  autocomplete: async ({ interaction }) => {
    const typed = interaction.options.getFocused().toLowerCase().replace(/\s+/g, '_');
    await interaction.respond(
      SETTING_NAMES.filter((n) => n.includes(typed))
        .slice(0, 25)
        .map((n) => ({ name: n, value: n })),
    );
  },
  async execute({ interaction, services, guildId, userId, t, locale, log }) {
    const reset = interaction.options.getString('reset') as SettingName | null;
    const given = SETTING_NAMES.filter((n) => (READERS[n](interaction) ?? null) !== null);
    if (reset !== null && !SETTING_NAMES.includes(reset))
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'reset' });
    if (reset !== null && given.includes(reset)) {
      await respond(interaction, { content: t('config.conflict', { setting: reset }), ephemeral: true });
      return;
    }
    if (given.length === 0 && reset === null) {
      await respond(interaction, {
        embeds: [settingsEmbed(t, locale, services.settings.get(guildId))],
        ephemeral: true,
      });
      return;
    }
    const logChannel = interaction.options.getChannel('log_channel');
    if (logChannel) await checkLogChannel(interaction, logChannel.id);
    const patch: SettingsPatch = {};
    for (const n of given) Object.assign(patch, optionPatch(n, READERS[n](interaction)!, guildId));
    if (reset) Object.assign(patch, resetPatch(reset));
    let updated: GuildSettings;
    try {
      updated = services.settings.update(guildId, patch, userId);
    } catch (e) {
      // The settings service names the field and its bounds; say them plainly.
      if (isSparksError(e, 'SPARKS.INVALID_INPUT') && typeof e.params.min === 'number')
        throw new SparksError('SPARKS.OUT_OF_RANGE', e.params, e.message);
      throw e;
    }
    await respond(interaction, {
      content: reset && given.length === 0 ? t('config.reset', { setting: reset }) : t('config.updated'),
      embeds: [settingsEmbed(t, locale, updated)],
      ephemeral: true,
    });
    // A new excluded role re-ranks every member now, not at the next restart. After the
    // reply: paging a large guild's member list can take longer than an interaction may.
    if (given.includes('leaderboard_exclude_role') || reset === 'leaderboard_exclude_role') {
      const guild = interaction.guild ?? (await interaction.client.guilds.fetch(guildId));
      const result = await syncRanked(guild, services);
      log.info(
        { guildId, members: result.members, changed: result.changed },
        'leaderboard exclusion re-synced',
      );
    }
  },
};

async function checkLogChannel(interaction: ChatInputCommandInteraction, channelId: string): Promise<void> {
  const guild = interaction.guild ?? (await interaction.client.guilds.fetch(interaction.guildId!));
  const channel = guild.channels.cache.get(channelId) ?? (await guild.channels.fetch(channelId));
  const me = await botMember(guild);
  const missing = missingLogPermission(channel ? channel.permissionsFor(me) : null);
  if (missing)
    throw new SparksError('SPARKS.MISSING_PERMISSION', { permission: missing, channel: `<#${channelId}>` });
}

function describeValue(name: SettingName, s: GuildSettings, t: Translate, locale: Locale): string {
  const n = (v: number) => formatNumber(locale, v);
  switch (name) {
    case 'log_channel':
      return s.logChannelId ? `<#${s.logChannelId}>` : t('config.not_set');
    case 'moderator_role':
      return s.moderatorRoleId ? `<@&${s.moderatorRoleId}>` : t('config.not_set');
    case 'daily_award_limit':
      return s.dailyAwardLimit === null
        ? t('config.no_limit')
        : t('common.sparks', { amount: s.dailyAwardLimit });
    case 'leaderboard_exclude_role':
      return s.leaderboardExcludeRoleId ? `<@&${s.leaderboardExcludeRoleId}>` : t('config.not_set');
    case 'images':
      return s.imagesEnabled ? t('config.on') : t('config.off');
    case 'web_leaderboard':
      return s.webLeaderboard ? t('config.web_public') : t('config.web_members_only');
    case 'manual_stale_hours':
      return t('config.hours', { hours: s.manualStaleHours });
    case 'trade_sparks_per_100_usd':
      return n(s.earn.tradeSparksPer100Usd);
    case 'subscription_sparks':
      return n(s.earn.subscriptionSparks);
    case 'first_subscription_bonus':
      return n(s.earn.firstSubscriptionBonus);
    case 'referral_trade_pct':
      return `${n(s.earn.referralTradeSharePct)}%`;
    case 'referral_first_sub_pct':
      return `${n(s.earn.referralFirstSubPct)}%`;
    case 'platform_daily_cap':
      return s.earn.platformDailyCap === null ? t('config.no_limit') : n(s.earn.platformDailyCap);
    case 'streak_milestones':
      return s.streakMilestones.length
        ? s.streakMilestones.map((m) => t('config.milestone', { days: m.days, sparks: m.sparks })).join('\n')
        : t('config.not_set');
    case 'flag_min_account_days':
      return s.flagMinAccountDays === 0 ? t('config.off') : t('config.days', { days: s.flagMinAccountDays });
    case 'flag_fresh_referrals_per_day':
      return s.flagFreshReferralsPerDay === 0 ? t('config.off') : n(s.flagFreshReferralsPerDay);
    case 'referral_qualify_volume_usd':
      return s.earn.referralQualifyVolumeUsd === 0
        ? t('config.off')
        : t('config.usd', { usd: s.earn.referralQualifyVolumeUsd });
    case 'referral_qualify_days':
      return t('config.days', { days: s.earn.referralQualifyDays });
  }
}

export function settingsEmbed(t: Translate, locale: Locale, s: GuildSettings): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(0x95a5a6)
    .setTitle(t('config.title'))
    .addFields(
      SETTING_NAMES.map((name) => ({
        name: t(`config.${name}`),
        value: describeValue(name, s, t, locale),
        inline: true,
      })),
    );
}
