import { PermissionFlagsBits } from 'discord.js';
import type { ComponentHandler, RootCommand } from '../types.ts';
import { award, revoke } from './sparks-admin/award.ts';
import { tierList, tierRemove, tierSet } from './sparks-admin/tier.ts';
import { balance } from './sparks/balance.ts';
import { history, historyPages } from './sparks/history.ts';
import { leaderboard, leaderboardPages } from './sparks/leaderboard.ts';

/** The command registry: every slash command the bot has, and every component handler. */
export const commands: RootCommand[] = [
  {
    name: 'sparks',
    description: {
      en: 'Your Sparks: balance, history, leaderboard, shop',
      ko: '내 Sparks: 잔액, 내역, 순위표, 상점',
    },
    subcommands: [balance, history, leaderboard],
  },
  {
    name: 'sparks-admin',
    description: {
      en: 'Moderate Sparks: awards, campaigns, rewards, settings',
      ko: 'Sparks 관리: 지급, 캠페인, 보상, 설정',
    },
    defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
    groups: [
      { name: 'tier', description: { en: 'Tier roles by lifetime Sparks', ko: '누적 Sparks 등급 역할' } },
    ],
    subcommands: [award, revoke, tierSet, tierRemove, tierList],
  },
];

export const components: ComponentHandler[] = [historyPages, leaderboardPages];
