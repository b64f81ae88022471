import { describe, expect, it } from 'vitest';
import {
  crashCampaignBatch,
  crashCampaignBatchThread,
  crashRaffleDraw,
  crashRedemption,
  crashSeasonPayout,
  crashWebhook,
} from '../../reliability/crash-flows.ts';

// The fast part: each flow's own crash points and one inside a ledger write (the full run,
// `npm run reliability`, kills at every step, ledger internals included).
const scale = { steps: 'flow', batch: 2, parallel: 2 } as const;

describe('reliability (fast part): killed at a step, recovered, retried', () => {
  it('a redemption: fulfilled exactly when the member holds the role, the role granted once', async () => {
    const r = await crashRedemption(scale);
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);

  it('a campaign grant batch: every member credited once, the campaign ended once', async () => {
    const r = await crashCampaignBatch(scale);
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);

  it('a campaign grant batch on the writer thread: the same, killed on either thread', async () => {
    const r = await crashCampaignBatchThread(scale);
    expect(r.pass, r.figure).toBe(true);
    expect(r.figure).toMatch(/steps/);
  }, 90_000);

  it('a webhook event: never acknowledged before its commit, applied once when the platform retries', async () => {
    const r = await crashWebhook(scale);
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);

  it('a season payout: every prize paid once, the winner’s role granted, the season ended', async () => {
    const r = await crashSeasonPayout(scale);
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);

  it('a raffle draw: drawn once, verifiable, every entry spent once, each prize fulfilled', async () => {
    const r = await crashRaffleDraw(scale);
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);
});
