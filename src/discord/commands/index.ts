import { PermissionFlagsBits } from 'discord.js';
import type { ComponentHandler, MessageMenuCommand, RootCommand } from '../types.ts';
import { startCampaignMenu, startCampaignModal } from './menus/start-campaign.ts';
import { award, revoke } from './sparks-admin/award.ts';
import { campaignEnd, campaignList, campaignStart } from './sparks-admin/campaign.ts';
import { config } from './sparks-admin/config.ts';
import { exportLedger } from './sparks-admin/export.ts';
import { verify } from './sparks-admin/verify.ts';
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
    groups: [
      {
        name: 'campaign',
        description: { en: 'Reaction campaigns', ko: '반응 캠페인' },
      },
    ],
    subcommands: [award, revoke, campaignStart, campaignEnd, campaignList, config, exportLedger, verify],
  },
];

/** Message context-menu commands (right-click a message → Apps). */
export const messageMenus: MessageMenuCommand[] = [startCampaignMenu];

export const components: ComponentHandler[] = [startCampaignModal];
