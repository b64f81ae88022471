import { PermissionFlagsBits } from 'discord.js';
import type { ComponentHandler, RootCommand } from '../types.ts';
import { award, revoke } from './sparks-admin/award.ts';
import { queuePage, redemptionsQueue, resolveButton } from './sparks-admin/redemptions.ts';
import { rewardAdd, rewardEdit, rewardRemove } from './sparks-admin/reward.ts';
import { balance } from './sparks/balance.ts';
import { cancelButton, confirmButton, inputModal, redeem } from './sparks/redeem.ts';
import { shop, shopPage } from './sparks/shop.ts';

/** The command registry: every slash command the bot has, and every component handler. */
export const commands: RootCommand[] = [
  {
    name: 'sparks',
    description: {
      en: 'Your Sparks: balance, history, leaderboard, shop',
      ko: '내 Sparks: 잔액, 내역, 순위표, 상점',
    },
    subcommands: [balance, shop, redeem],
  },
  {
    name: 'sparks-admin',
    description: {
      en: 'Moderate Sparks: awards, campaigns, rewards, settings',
      ko: 'Sparks 관리: 지급, 캠페인, 보상, 설정',
    },
    defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
    groups: [{ name: 'reward', description: { en: 'Set up the shop', ko: '상점 설정' } }],
    subcommands: [award, revoke, rewardAdd, rewardEdit, rewardRemove, redemptionsQueue],
  },
];

export const components: ComponentHandler[] = [
  shopPage,
  confirmButton,
  inputModal,
  cancelButton,
  queuePage,
  resolveButton,
];
