/**
 * The second bot process of a race (races-kit.ts): opens its own facade on the database and
 * runs one service call, then writes what came of it to the result file (written whole, then
 * renamed, so the first process never reads half of it).
 *
 * argv: url, scenario, result file, JSON args. Scenarios:
 * - tier-set { guildId, roleId, threshold }: TierService.set;
 * - wallet-link { guildId, userId, chain, message, signature, site }: WalletService.link,
 *   reporting the flags it raised;
 * - freeze-reserve { guildId, userId, rewardId, cost, key }: RedemptionService.reserve with
 *   the streaks as its freeze counter;
 * - campaign-batch { campaignId, userIds, at }: one grant batch of those members;
 * - quest-prerequisite { guildId, quest, prerequisite }: QuestService.setPrerequisite,
 *   reporting the refusal's reasonKey.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { FlagRaise } from '../../src/members/flags.ts';
import type { WalletChain } from '../../src/wallets/addresses.ts';

// Each scenario imports only what it runs: a child starts while the first process holds its
// transaction open, and on a busy machine every module loaded is time that stays open.
const [url = '', scenario = '', resultFile = '', json = '{}'] = process.argv.slice(2);
const args = JSON.parse(json) as Record<string, unknown>;
const str = (key: string) => String(args[key]);

const db = openPgSync(url, { migrate: false });
const clock = Date.now;
const audit = new AuditQueue();
const ledger = new Ledger({ db, clock });

const outcomeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (isSparksError(e)) return e.code;
    throw e;
  }
};

const result: Record<string, unknown> = {};
if (scenario === 'tier-set') {
  const { TierService } = await import('../../src/tiers/tiers.ts');
  const tiers = new TierService({ db, ledger, clock });
  result.outcome = await outcomeOf(() =>
    tiers.set(str('guildId'), str('roleId'), Number(args.threshold), { moderatorRoleId: null }),
  );
} else if (scenario === 'wallet-link') {
  const { WalletService } = await import('../../src/wallets/wallets.ts');
  const raised: FlagRaise[] = [];
  const wallets = new WalletService({
    db,
    clock,
    audit,
    siteUrl: str('site'),
    flags: { raise: (input) => (raised.push(input), { raised: true }) },
  });
  result.outcome = await outcomeOf(() =>
    wallets.link({
      guildId: str('guildId'),
      userId: str('userId'),
      chain: str('chain') as WalletChain,
      message: str('message'),
      signature: str('signature'),
    }),
  );
  result.raised = raised.map((f) => [f.userId, f.source]);
} else if (scenario === 'freeze-reserve') {
  const { SettingsService } = await import('../../src/settings/settings.ts');
  const { StreakService } = await import('../../src/streaks/streaks.ts');
  const { RewardService } = await import('../../src/shop/rewards.ts');
  const { RedemptionService } = await import('../../src/shop/redemptions.ts');
  const { DEFAULTS } = await import('../helpers/platform.ts');
  const settings = new SettingsService({ db, clock, defaults: DEFAULTS });
  const streaks = new StreakService({ db, ledger, settings, clock });
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit, freezes: streaks });
  result.outcome = await outcomeOf(() =>
    redemptions.reserve({
      guildId: str('guildId'),
      userId: str('userId'),
      rewardId: Number(args.rewardId),
      confirmedCost: Number(args.cost),
      key: str('key'),
      memberRoleIds: [],
    }),
  );
} else if (scenario === 'campaign-batch') {
  const { CampaignService } = await import('../../src/campaigns/campaigns.ts');
  const { silentLogger } = await import('../../src/log.ts');
  const campaigns = new CampaignService({ db, ledger, audit, clock, logger: silentLogger });
  for (const userId of args.userIds as string[]) {
    campaigns.enqueueOp({
      kind: 'grant',
      campaignId: Number(args.campaignId),
      userId,
      at: Number(args.at),
      reconcile: false,
      roles: undefined,
    });
  }
  result.outcome = await outcomeOf(() => campaigns.flush());
  result.stats = { ...campaigns.stats };
} else if (scenario === 'quest-prerequisite') {
  const { QuestService } = await import('../../src/quests/quests.ts');
  const { GrantQueue } = await import('../../src/grants/queue.ts');
  const { silentLogger } = await import('../../src/log.ts');
  const quests = new QuestService({
    db,
    ledger,
    clock,
    audit,
    grants: new GrantQueue({ db, logger: silentLogger }),
  });
  try {
    quests.setPrerequisite(str('guildId'), str('quest'), str('prerequisite'));
    result.outcome = 'ok';
  } catch (e) {
    if (!isSparksError(e)) throw e;
    result.outcome = e.code;
    result.reasonKey = e.params.reasonKey;
  }
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
db.close();
writeFileSync(`${resultFile}.part`, JSON.stringify(result));
renameSync(`${resultFile}.part`, resultFile);
