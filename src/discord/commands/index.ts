import { PermissionFlagsBits } from 'discord.js';
import type { ComponentHandler, RootCommand } from '../types.ts';
import { award, revoke } from './sparks-admin/award.ts';
import { balance } from './sparks/balance.ts';

/** The command registry: every slash command the bot has, and every component handler. */
export const commands: RootCommand[] = [
  {
    name: 'sparks',
    description: {
      en: 'Your Sparks: balance, history, leaderboard, shop',
      ko: '내 Sparks: 잔액, 내역, 순위표, 상점',
    },
    subcommands: [balance],
  },
  {
    name: 'sparks-admin',
    description: {
      en: 'Moderate Sparks: awards, campaigns, rewards, settings',
      ko: 'Sparks 관리: 지급, 캠페인, 보상, 설정',
    },
    defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
    groups: [],
    subcommands: [award, revoke],
  },
];

export const components: ComponentHandler[] = [];
