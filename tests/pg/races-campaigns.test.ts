/**
 * Two grant batches of one campaign at once on PostgreSQL, from two bot processes:
 * `lockForBatch` (SELECT … FOR UPDATE on the campaign's row) makes the second wait for the
 * first to commit and read the claims and budget it left, so neither the cap nor the budget
 * is passed and the campaign ends in the batch that reached it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { CampaignService } from '../../src/campaigns/campaigns.ts';
import { CAMPAIGN_BUDGET, Ledger } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { G } from '../helpers/db.ts';
import { race, sharedDatabase } from './races-kit.ts';

const member = (n: number) => `3000000000000000${String(n).padStart(2, '0')}`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function twoBatches(limits: { maxClaims: number | null; budget: number | null }) {
  const shared = await sharedDatabase();
  close = shared.close;
  const { db } = shared;
  const clock = Date.now;
  const ledger = new Ledger({ db, clock });
  const campaigns = new CampaignService({ db, ledger, audit: new AuditQueue(), clock, logger: silentLogger });
  const campaign = campaigns.start({
    guildId: G,
    channelId: '400000000000000001',
    messageId: '500000000000000001',
    emoji: '🔥',
    sparks: 10,
    defaultName: 'Launch',
    ...limits,
    moderatorId: '300000000000000099',
  });
  const at = clock();
  const grant = (userIds: string[]) => {
    for (const userId of userIds) {
      campaigns.enqueueOp({
        kind: 'grant',
        campaignId: campaign.id,
        userId,
        at,
        reconcile: false,
        roles: undefined,
      });
    }
    campaigns.flush();
  };
  const { second, blockedIn } = await race(
    db,
    shared.url,
    () => grant([1, 2, 3].map(member)),
    'campaign-batch',
    { campaignId: campaign.id, userIds: [4, 5, 6, 7].map(member), at },
  );
  expect(second.outcome).toBe('ok');
  const grants = db.query<{ n: number }>(
    `SELECT COUNT(*)::int AS n FROM transfers WHERE kind = 'campaign.grant' AND ref = $1`,
    [`campaign:${campaign.id}`],
  )[0]!.n;
  const budget = ledger.reads.account(G, CAMPAIGN_BUDGET(campaign.id))?.balance ?? null;
  return { row: campaigns.byId(campaign.id)!, grants, blockedIn, second, budget };
}

describe('two grant batches of one campaign at once on PostgreSQL', () => {
  it('the second waits on the campaign row and grants only up to the cap', async () => {
    const { row, grants, blockedIn } = await twoBatches({ maxClaims: 5, budget: 1000 });
    expect(grants).toBe(5);
    expect(row).toMatchObject({ claims: 5, granted: 50, status: 'ended', endReason: 'cap' });
    expect(blockedIn).toMatch(/FOR UPDATE/);
  }, 90_000);

  it('the second waits on the campaign row and grants only what the budget still holds', async () => {
    const { row, grants, blockedIn, budget } = await twoBatches({ maxClaims: null, budget: 50 });
    expect(grants).toBe(5);
    expect(row).toMatchObject({ claims: 5, granted: 50, status: 'ended', endReason: 'budget' });
    expect(budget).toBe(0);
    expect(blockedIn).toMatch(/FOR UPDATE/);
  }, 90_000);
});
