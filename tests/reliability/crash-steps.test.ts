import { describe, expect, inject, it } from 'vitest';
import {
  crashCampaignBatch,
  crashCampaignBatchThread,
  crashRaffleDraw,
  crashRedemption,
  crashSeasonPayout,
  crashWebhook,
} from '../../reliability/crash-flows.ts';
import { SQLITE, type ScenarioResult, type Target } from '../../reliability/support.ts';
import { ENGINES, type Engine } from '../helpers/engines.ts';

// The fast part: each flow's own crash points and one inside a ledger write (the full run,
// `npm run reliability`, kills at every step, ledger internals included). The same scale on
// both engines. A PostgreSQL step opens the facade three times (set-up, the child, the
// restart), so its flows take longer than SQLite's.
const scale = { steps: 'flow', batch: 2, parallel: 2 } as const;

/** A SQLite file per step, or a fresh database of the suite's PostgreSQL server per step. */
const target = (engine: Engine): Target =>
  engine === 'sqlite' ? SQLITE : { engine: 'postgres', server: inject('postgresUrl') };

/** Passes when the flow took effect once after every kill; prints the figure for the record. */
function report(r: ScenarioResult): void {
  console.log(`${r.scenario}: ${r.figure}`);
  expect(r.pass, r.figure).toBe(true);
}

describe.each(ENGINES)('reliability (fast part) on %s: killed at a step, recovered, retried', (engine) => {
  it('a redemption: fulfilled exactly when the member holds the role, the role granted once', async () => {
    const r = await crashRedemption(scale, target(engine));
    report(r);
  }, 90_000);

  it('a campaign grant batch: every member credited once, the campaign ended once', async () => {
    const r = await crashCampaignBatch(scale, target(engine));
    report(r);
    // Killed inside the ledger's batch too: after its INSERT, and on SQLite after the gate's
    // sums (on PostgreSQL the row triggers apply them within the INSERT: no step between).
    expect(r.steps).toContain('ledger.batch-inserted:1');
    if (engine === 'sqlite') expect(r.steps).toContain('ledger.batch-derived:1');
  }, 90_000);

  it('a season payout: every prize paid once, the winner’s role granted, the season ended', async () => {
    const r = await crashSeasonPayout(scale, target(engine));
    report(r);
  }, 90_000);

  it('a raffle draw: drawn once, verifiable, every entry spent once, each prize fulfilled', async () => {
    const r = await crashRaffleDraw(scale, target(engine));
    report(r);
  }, 90_000);

  it('a webhook event: never acknowledged before its commit, applied once when the platform retries', async () => {
    const r = await crashWebhook(scale, target(engine));
    report(r);
    // Killed before the event's commit and after it, before the reply.
    expect(r.steps).toContain('platform.event-applied:1');
    expect(r.steps).toContain('webhook.before-reply:1');
  }, 90_000);
});

// The grant writer thread takes a SQLite database by design (the configuration refuses
// GRANT_WRITER=thread with DATABASE_URL).
describe('reliability (fast part), SQLite only: killed at a step, recovered, retried', () => {
  it('a campaign grant batch on the writer thread (SQLite only): the same, killed on either thread', async () => {
    const r = await crashCampaignBatchThread(scale);
    report(r);
    expect(r.figure).toMatch(/steps/);
  }, 90_000);
});
