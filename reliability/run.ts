/**
 * `npm run reliability [-- --seed N]`: every scenario at full size, one table of figures
 * and verdicts; exits 1 if any fails. Deterministic by seed (printed, replayable).
 */
import { crashAward, dailyCap, doubleSpend, type ScenarioResult } from './scenarios.ts';

const seedFlag = process.argv.indexOf('--seed');
const seed = seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : Math.floor(Math.random() * 2 ** 31);

async function main(): Promise<number> {
  console.log(`reliability suite, seed ${seed} (replay with: npm run reliability -- --seed ${seed})`);
  const results: ScenarioResult[] = [];
  const big = { processes: 6, perProcess: 150, seed };
  for (const scenario of [() => doubleSpend(big), () => dailyCap(big), () => crashAward()]) {
    const r = await scenario();
    console.error(`… ${r.scenario}: ${r.pass ? 'pass' : 'FAIL'}`);
    results.push(r);
  }
  const head = ['scenario', 'runs', 'figure', 'result'];
  const rows = results.map((r) => [r.scenario, String(r.runs), r.figure, r.pass ? 'PASS' : 'FAIL']);
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
