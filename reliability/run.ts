/**
 * `npm run reliability [-- --seed N] [--only <text>]`: every scenario at full size, one
 * table of figures and verdicts; exits 1 if any fails. Deterministic by seed (printed,
 * replayable); `--only` runs the scenarios whose name contains the text.
 */
import {
  crashCampaignBatch,
  crashCampaignBatchThread,
  crashRaffleDraw,
  crashRedemption,
  crashSeasonPayout,
  crashWebhook,
} from './crash-flows.ts';
import { redeemContention } from './contention.ts';
import { gatewayDelivery } from './gateway.ts';
import { hostileBotInput } from './hostile-bot.ts';
import { roleGrantOutcomes } from './role-grants.ts';
import { crashAward, dailyCap, doubleSpend } from './scenarios.ts';
import { secretsNeverLeak } from './secrets.ts';
import type { ScenarioResult } from './support.ts';

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seed = flag('--seed') !== undefined ? Number(flag('--seed')) : Math.floor(Math.random() * 2 ** 31);
const only = flag('--only');

// A rejection nobody handled is an uncaught exception: it fails the run.
let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  console.error('unhandled rejection:', reason);
});

const SCENARIOS: { name: string; run: () => Promise<ScenarioResult> }[] = [
  { name: 'double-spend', run: () => doubleSpend({ processes: 6, perProcess: 150, seed }) },
  { name: 'daily-cap', run: () => dailyCap({ processes: 6, perProcess: 150, seed }) },
  { name: 'crash-award', run: () => crashAward() },
  {
    name: 'redeem-contention',
    run: () => redeemContention({ processes: 8, attempts: 1000, stock: 10, seed }),
  },
  { name: 'crash-redemption', run: () => crashRedemption({ steps: 'all', batch: 5, parallel: 2 }) },
  { name: 'crash-campaign', run: () => crashCampaignBatch({ steps: 'all', batch: 5, parallel: 2 }) },
  {
    name: 'crash-campaign-thread',
    run: () => crashCampaignBatchThread({ steps: 'all', batch: 5, parallel: 2 }),
  },
  { name: 'crash-webhook', run: () => crashWebhook({ steps: 'all', batch: 5, parallel: 2 }) },
  { name: 'crash-season-payout', run: () => crashSeasonPayout({ steps: 'all', batch: 5, parallel: 2 }) },
  { name: 'crash-raffle-draw', run: () => crashRaffleDraw({ steps: 'all', batch: 5, parallel: 2 }) },
  { name: 'role-grant-outcomes', run: () => roleGrantOutcomes() },
  { name: 'gateway-delivery', run: () => gatewayDelivery({ members: 300, seed }) },
  { name: 'hostile-input', run: () => hostileBotInput({ runs: 1000, seed }) },
  { name: 'secrets', run: () => secretsNeverLeak() },
];

async function main(): Promise<number> {
  console.log(`reliability suite, seed ${seed} (replay with: npm run reliability -- --seed ${seed})`);
  const results: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    if (only && !s.name.includes(only)) continue;
    const started = Date.now();
    let r: ScenarioResult;
    try {
      r = await s.run();
    } catch (e) {
      r = { scenario: s.name, runs: 0, figure: `threw: ${(e as Error).stack ?? String(e)}`, pass: false };
    }
    console.error(
      `… ${r.scenario}: ${r.pass ? 'pass' : 'FAIL'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    results.push(r);
  }
  if (unhandled)
    results.push({
      scenario: 'no unhandled rejection',
      runs: 1,
      figure: `${unhandled} unhandled`,
      pass: false,
    });
  const head = ['scenario', 'runs', 'figure', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    String(r.runs),
    r.figure.replace(/\s+/g, ' '),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(w[i]!)).join(' | ') + ' |';
  console.log(
    [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(line)].join('\n'),
  );
  const failed = results.filter((r) => !r.pass).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
