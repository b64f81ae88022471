import { describe, expect, inject, it } from 'vitest';
import { redeemContention } from '../../reliability/contention.ts';
import { crashAward, dailyCap, doubleSpend } from '../../reliability/scenarios.ts';
import { SQLITE, type ScenarioResult, type Target } from '../../reliability/support.ts';
import { ENGINES, type Engine } from '../helpers/engines.ts';

// The fast part of `npm run reliability`: the same scenarios, smaller. SPARKS_SEED replays
// a seed printed by the full run.
const seed = Number(process.env.SPARKS_SEED ?? 1);
const small = { processes: 3, perProcess: 60, seed };

/** One SQLite file, or a fresh database of the suite's PostgreSQL server, per scenario. */
const target = (engine: Engine): Target =>
  engine === 'sqlite' ? SQLITE : { engine: 'postgres', server: inject('postgresUrl') };

function report(r: ScenarioResult): void {
  console.log(`${r.scenario}: ${r.figure}`);
  expect(r.pass, r.figure).toBe(true);
}

describe.each(ENGINES)('reliability (fast part) on %s: several processes on one database', (engine) => {
  it('one member double-spending from 3 processes never goes below zero, and no busy or serialization error reaches the caller', async () => {
    report(await doubleSpend(small, target(engine)));
  }, 60_000);

  it('200 members redeeming a stock-10 reward from 3 processes: 10 fulfilled, 190 sold out, none below zero', async () => {
    report(await redeemContention({ processes: 3, attempts: 200, stock: 10, seed }, target(engine)));
  }, 90_000);

  it('concurrent awards from 3 processes never exceed the daily cap', async () => {
    report(await dailyCap(small, target(engine)));
  }, 60_000);

  it('an award killed at every step is applied exactly once after a retry', async () => {
    report(await crashAward(target(engine)));
  }, 60_000);
});
