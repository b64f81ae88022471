import type { Plugin } from './plugin.ts';
import { backupsPlugin } from './backups.ts';
import { auditLogPlugin } from './audit-log.ts';
import { campaignsPlugin } from './campaigns.ts';
import { interactionsPlugin } from './interactions.ts';
import { ledgerRollupPlugin } from './ledger-rollup.ts';
import { linkedRolesPlugin } from './linked-roles.ts';
import { membersPlugin } from './members.ts';
import { rafflesPlugin } from './raffles.ts';
import { questsPlugin } from './quests.ts';
import { referralsPlugin } from './referrals.ts';
import { seasonsPlugin } from './seasons.ts';
import { shopPlugin } from './shop.ts';
import { streaksPlugin } from './streaks.ts';

/**
 * Features hook into the running bot here, one entry each. A fresh list per app: a plugin
 * made by a factory keeps its own state, so several bots in one process (tests) never share.
 * Plugins stop in reverse order: the audit-log poster stops after the features that record
 * events while stopping.
 */
export function createPlugins(): Plugin[] {
  return [
    interactionsPlugin(),
    auditLogPlugin(),
    membersPlugin(),
    campaignsPlugin(),
    shopPlugin(),
    seasonsPlugin(),
    rafflesPlugin(),
    questsPlugin(),
    referralsPlugin(),
    backupsPlugin(),
    ledgerRollupPlugin(),
    linkedRolesPlugin(),
    streaksPlugin(),
  ];
}
