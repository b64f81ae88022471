import { PermissionFlagsBits } from 'discord.js';
import type { ComponentHandler, MessageMenuCommand, RootCommand } from '../types.ts';
import { startCampaignMenu, startCampaignModal } from './menus/start-campaign.ts';
import { award, revoke } from './sparks-admin/award.ts';
import { tierList, tierRemove, tierSet } from './sparks-admin/tier.ts';
import { campaignEnd, campaignList, campaignStart } from './sparks-admin/campaign.ts';
import { config } from './sparks-admin/config.ts';
import { exportLedger } from './sparks-admin/export.ts';
import { verify } from './sparks-admin/verify.ts';
import { flag, flags, flagsPage, unflag } from './sparks-admin/flag.ts';
import { balance } from './sparks/balance.ts';
import { history, historyPages } from './sparks/history.ts';
import { leaderboard, leaderboardPages } from './sparks/leaderboard.ts';
import { privacy } from './sparks/privacy.ts';
import { queuePage, redemptionsQueue, resolveButton } from './sparks-admin/redemptions.ts';
import { rewardAdd, rewardEdit, rewardRemove } from './sparks-admin/reward.ts';
import { cancelButton, confirmButton, inputModal, redeem } from './sparks/redeem.ts';
import { shop, shopPage } from './sparks/shop.ts';
import { halloffame, season } from './sparks/season.ts';
import { raffle } from './sparks/raffle.ts';
import { referrals } from './sparks/referrals.ts';
import { raffleCancel, raffleDraw, raffleList, raffleStart } from './sparks-admin/raffle.ts';
import { seasonEnd, seasonList, seasonPrize, seasonStart } from './sparks-admin/season.ts';
import { quest, questModal, quests, questStepButton } from './sparks/quest.ts';
import {
  questCreate,
  questEnd,
  questList,
  questPublish,
  questQueuePage,
  questRejectModal,
  questReview,
  questReviewButton,
  questStep,
} from './sparks-admin/quest.ts';

/** The command registry: every slash command the bot has, and every component handler. */
export const commands: RootCommand[] = [
  {
    name: 'sparks',
    description: {
      en: 'Your Sparks: balance, history, leaderboard, shop',
      ko: '내 Sparks: 잔액, 내역, 순위표, 상점',
    },
    subcommands: [
      balance,
      history,
      leaderboard,
      shop,
      redeem,
      privacy,
      season,
      halloffame,
      raffle,
      quests,
      quest,
      referrals,
    ],
  },
  {
    name: 'sparks-admin',
    description: {
      en: 'Moderate Sparks: awards, campaigns, rewards, settings',
      ko: 'Sparks 관리: 지급, 캠페인, 보상, 설정',
    },
    defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
    groups: [
      { name: 'campaign', description: { en: 'Reaction campaigns', ko: '반응 캠페인' } },
      { name: 'reward', description: { en: 'Set up the shop', ko: '상점 설정' } },
      { name: 'tier', description: { en: 'Tier roles by lifetime Sparks', ko: '누적 Sparks 등급 역할' } },
      { name: 'season', description: { en: 'Seasons and their prizes', ko: '시즌과 상품' } },
      { name: 'raffle', description: { en: 'Raffles with verifiable draws', ko: '검증 가능한 추첨' } },
      { name: 'quest', description: { en: 'Quests with verified steps', ko: '확인되는 단계가 있는 퀘스트' } },
    ],
    subcommands: [
      award,
      revoke,
      campaignStart,
      campaignEnd,
      campaignList,
      rewardAdd,
      rewardEdit,
      rewardRemove,
      redemptionsQueue,
      tierSet,
      tierRemove,
      tierList,
      seasonStart,
      seasonPrize,
      seasonEnd,
      seasonList,
      raffleStart,
      raffleDraw,
      raffleCancel,
      raffleList,
      questCreate,
      questStep,
      questPublish,
      questEnd,
      questList,
      questReview,
      config,
      exportLedger,
      verify,
      flag,
      unflag,
      flags,
    ],
  },
];

/** Message context-menu commands (right-click a message → Apps). */
export const messageMenus: MessageMenuCommand[] = [startCampaignMenu];

export const components: ComponentHandler[] = [
  historyPages,
  leaderboardPages,
  startCampaignModal,
  shopPage,
  confirmButton,
  inputModal,
  cancelButton,
  queuePage,
  resolveButton,
  questStepButton,
  questModal,
  questQueuePage,
  questReviewButton,
  questRejectModal,
  flagsPage,
];
