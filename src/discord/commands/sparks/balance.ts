import { EmbedBuilder, GuildMember, MessageFlags, escapeMarkdown } from 'discord.js';
import type { BalanceCard } from '../../../cards/render.ts';
import type { Profile } from '../../../members/members.ts';
import { cardAttachment } from '../../cards.ts';
import { formatNumber, type Locale, type Translate } from '../../i18n/index.ts';
import { respond } from '../../reply.ts';
import { prizeText } from '../../season-text.ts';
import { nextMilestone, type Milestone } from '../../../streaks/milestones.ts';
import { MAX_FREEZES, type StreakStanding } from '../../../streaks/streaks.ts';
import type { Services } from '../../../services.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

export const SPARKS_COLOR = 0xf5a623;
const CARD_FILE = 'sparks-card.png';
const MAX_BADGES_SHOWN = 20;

/**
 * `/sparks balance [member]`: balance, lifetime earned, rank, tier and the Sparks to the
 * next one, badges, and a profile card. Always private to the caller, whoever it is about.
 */
export const balance: Subcommand = {
  name: 'balance',
  description: {
    en: 'Show Sparks balance, rank, tier and badges',
    ko: 'Sparks 잔액, 순위, 등급, 배지를 확인합니다',
  },
  options: (b) =>
    b.addUserOption((o) =>
      describe(o.setName('member'), {
        en: 'Whose Sparks (default: yours)',
        ko: '누구의 Sparks인지 (기본: 나)',
      }),
    ),
  async execute({ interaction, services, guildId, t, locale, log }) {
    const target = interaction.options.getUser('member') ?? interaction.user;
    const self = target.id === interaction.user.id;
    const member = self ? interaction.member : interaction.options.getMember('member');
    const name = member instanceof GuildMember ? member.displayName : target.displayName;
    const images = services.settings.get(guildId).imagesEnabled;
    // The first card of a process waits for a worker to start: acknowledge first.
    if (images) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const profile = services.members.profile(guildId, target.id);
    const roleName = (id: string) => interaction.guild?.roles.cache.get(id)?.name ?? t('balance.tier');
    const embed = profileEmbed(profile, { self, name, t });
    seasonFields(embed, services, guildId, target.id, t);
    // Folded first: a milestone reached by the last entry is paid before it is shown.
    const streak = services.streaks.standing(guildId, target.id, { fold: true });
    embed.addFields(streakField(streak, services.settings.get(guildId).streakMilestones, t));
    // The card has room for the short form; the text says why someone is not ranked.
    const rank =
      profile.rank === null ? t('balance.unranked') : t('balance.rank_value', { rank: profile.rank });
    const file = images
      ? await cardAttachment(
          services,
          log,
          {
            ...balanceCard(profile, { userId: target.id, name, rank, t, locale, roleName }),
            season: seasonLine(services, guildId, target.id, t),
            streak: streakLine(streak, t),
          },
          CARD_FILE,
          t('balance.card_alt', { name, balance: t('common.sparks', { amount: profile.balance }), rank }),
        )
      : null;
    if (file) embed.setImage(`attachment://${CARD_FILE}`);
    await respond(interaction, { embeds: [embed], files: file ? [file] : [], ephemeral: true });
  },
};

function rankText(p: Profile, t: Translate): string {
  if (p.rank !== null) return t('balance.rank_value', { rank: p.rank });
  return p.ranked ? t('balance.unranked') : t('balance.unranked_excluded');
}

function profileEmbed(p: Profile, o: { self: boolean; name: string; t: Translate }): EmbedBuilder {
  const { t } = o;
  const embed = new EmbedBuilder()
    .setColor(SPARKS_COLOR)
    .setTitle(o.self ? t('balance.title_self') : t('balance.title', { name: o.name }))
    .addFields(
      { name: t('balance.balance'), value: t('common.sparks', { amount: p.balance }), inline: true },
      { name: t('balance.lifetime'), value: t('common.sparks', { amount: p.lifetimeEarned }), inline: true },
      { name: t('balance.rank'), value: rankText(p, t), inline: true },
    );
  const { tier } = p;
  if (tier.tiers.length > 0) {
    embed.addFields(
      {
        name: t('balance.tier'),
        value: tier.current ? `<@&${tier.current.roleId}>` : t('balance.tier_none'),
        inline: true,
      },
      {
        name: t('balance.next_tier'),
        value: tier.next
          ? t('balance.next_tier_value', { amount: tier.needed, role: `<@&${tier.next.roleId}>` })
          : t('balance.top_tier'),
        inline: true,
      },
    );
  }
  const badges = p.badges.slice(0, MAX_BADGES_SHOWN).map((b) => {
    const badgeName = escapeMarkdown(b.name);
    return `🏅 ${b.count > 1 ? t('balance.badge_count', { name: badgeName, count: b.count }) : badgeName}`;
  });
  if (p.badges.length > MAX_BADGES_SHOWN) badges.push(`+${p.badges.length - MAX_BADGES_SHOWN}`);
  embed.addFields({
    name: t('balance.badges'),
    value: badges.length ? badges.join(' · ').slice(0, 1024) : t('balance.badges_none'),
  });
  if (p.lifetimeEarned === 0 && p.balance === 0) embed.setDescription(t('balance.empty'));
  return embed;
}

/** The running season's rank, and the season prizes won (the last three), where there are any. */
function seasonFields(
  embed: EmbedBuilder,
  services: Services,
  guildId: string,
  userId: string,
  t: Translate,
): void {
  const running = services.seasons.current(guildId);
  if (running?.status === 'running') {
    const { rank, score } = services.seasons.standing(running, userId);
    embed.addFields({
      name: t('season.balance.field', { name: running.name }).slice(0, 256),
      value:
        rank !== null ? t('season.balance.value', { rank, score }) : t('season.balance.unranked', { score }),
      inline: true,
    });
  }
  const won = services.seasons.memberPrizes(guildId, userId).slice(0, 3);
  if (won.length)
    embed.addFields({
      name: t('season.balance.won'),
      value: won
        .map(({ season, result }) => {
          const prize = prizeText(t, result);
          return `${t('season.balance.won_line', { name: season.name, rank: result.rank })}${prize ? ` · ${prize}` : ''}`;
        })
        .join('\n')
        .slice(0, 1024),
      inline: true,
    });
}

/** The streak: current and best, whether today counts, freezes held, the next bonus. */
function streakField(
  s: StreakStanding,
  milestones: readonly Milestone[],
  t: Translate,
): { name: string; value: string } {
  const best = Math.max(s.best, s.current);
  const lines =
    s.current > 0
      ? [
          t('streak.value', { days: s.current, best }),
          t(s.today ? 'streak.today_done' : 'streak.today_pending'),
        ]
      : [best > 0 ? t('streak.value_none', { best }) : t('streak.value_never')];
  if (s.freezesHeld > 0) lines.push(t('streak.freezes', { count: s.freezesHeld, max: MAX_FREEZES }));
  const next = nextMilestone(milestones, s.current);
  if (next) lines.push(t('streak.next_milestone', { sparks: next.sparks, days: next.days }));
  return { name: t('streak.field'), value: lines.join('\n') };
}

/** The card's streak line, under the season's; none for a member who never had a streak. */
function streakLine(s: StreakStanding, t: Translate): string | null {
  const best = Math.max(s.best, s.current);
  return best > 0 ? t('streak.card', { days: s.current, best }) : null;
}

/** The card's short season line: the running season and the member's rank on it. */
function seasonLine(services: Services, guildId: string, userId: string, t: Translate): string | null {
  const running = services.seasons.current(guildId);
  if (running?.status !== 'running') return null;
  const { rank } = services.seasons.standing(running, userId);
  return t('season.card', { name: running.name, rank: rank === null ? '—' : `#${rank}` });
}

function balanceCard(
  p: Profile,
  o: {
    userId: string;
    name: string;
    rank: string;
    t: Translate;
    locale: Locale;
    roleName: (roleId: string) => string;
  },
): BalanceCard {
  const { t, locale } = o;
  const { tier } = p;
  let progress: BalanceCard['progress'] = null;
  if (tier.next) {
    const base = tier.current?.threshold ?? 0;
    progress = {
      fraction: (p.lifetimeEarned - base) / (tier.next.threshold - base),
      text: t('balance.next_tier_value', { amount: tier.needed, role: o.roleName(tier.next.roleId) }),
    };
  } else if (tier.current) {
    progress = { fraction: 1, text: t('balance.top_tier') };
  }
  return {
    kind: 'balance',
    userId: o.userId,
    name: o.name,
    labels: { balance: t('balance.balance'), lifetime: t('balance.lifetime'), rank: t('balance.rank') },
    balance: `${formatNumber(locale, p.balance)} Sparks`,
    lifetime: `${formatNumber(locale, p.lifetimeEarned)} Sparks`,
    rank: o.rank,
    tier: tier.current ? o.roleName(tier.current.roleId) : null,
    progress,
  };
}
