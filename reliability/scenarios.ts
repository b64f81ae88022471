/**
 * Reliability scenarios (SPEC §5 under stress). Each runs through the production code in
 * separate processes on one database file and returns its figures and a verdict; the
 * fast part of the suite runs them small inside `npm test`, `npm run reliability` big.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { openDatabase } from '../src/db/open.ts';
import { verifyLedger } from '../src/db/verify.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { SettingsService } from '../src/settings/settings.ts';
import { DEFAULTS, G, runWorker, sum, tempDatabase, type ScenarioResult } from './support.ts';

export type { ScenarioResult } from './support.ts';

export interface Scale {
  processes: number;
  perProcess: number;
  seed: number;
}

/** Runs `command` `perProcess` times in each of `processes` workers at once, on guild G of `file`. */
function inEveryProcess(scale: Scale, file: string, command: { op: string } & Record<string, unknown>) {
  return Promise.all(
    Array.from({ length: scale.processes }, (_, p) =>
      runWorker({ ...command, db: file, guild: G, count: scale.perProcess, tag: `p${p}` }),
    ),
  );
}

/** One member spending from several processes at once can never go below zero. */
export async function doubleSpend(scale: Scale): Promise<ScenarioResult> {
  const t = tempDatabase();
  const start = 1000 + (scale.seed % 97);
  const price = 7;
  t.ledger.credit({
    guildId: G,
    userId: 'spender',
    source: 'award',
    kind: 'award',
    amount: start,
    key: 'seed',
    actor: { type: 'system', id: 'seed' },
  });
  const runs = await inEveryProcess(scale, t.file, { op: 'spend', user: 'spender', amount: price });
  const ok = sum(runs, 'ok');
  const busy = sum(runs, 'busy');
  const balance = t.ledger.reads.standing(G, 'spender').balance;
  const expectedOk = Math.min(scale.processes * scale.perProcess, Math.floor(start / price));
  const clean = verifyLedger(t.db.sqlite).ok;
  t.dispose();
  return {
    scenario: `double-spend from ${scale.processes} processes`,
    runs: scale.processes * scale.perProcess,
    figure: `${ok} holds of ${price} from ${start}; balance ${balance}; SQLITE_BUSY ${busy}`,
    pass: ok === expectedOk && balance === start - ok * price && balance >= 0 && busy === 0 && clean,
  };
}

/** A moderator's concurrent awards from several processes never exceed the daily limit. */
export async function dailyCap(scale: Scale): Promise<ScenarioResult> {
  const t = tempDatabase();
  const limit = 500;
  const amount = 3 + (scale.seed % 5);
  new SettingsService({ db: t.db, defaults: DEFAULTS }).update(G, { dailyAwardLimit: limit });
  const runs = await inEveryProcess(scale, t.file, { op: 'award', moderator: 'mod', amount });
  const total = (
    t.db.sqlite.prepare(`SELECT COALESCE(SUM(amount), 0) AS s FROM transfers WHERE kind = 'award'`).get() as {
      s: number;
    }
  ).s;
  const ok = sum(runs, 'ok');
  const expected = Math.min(scale.processes * scale.perProcess, Math.floor(limit / amount));
  const clean = verifyLedger(t.db.sqlite).ok;
  t.dispose();
  return {
    scenario: `daily award cap, ${scale.processes} processes`,
    runs: scale.processes * scale.perProcess,
    figure: `${ok} awards of ${amount} = ${total} of limit ${limit}; busy ${sum(runs, 'busy')}`,
    pass: total <= limit && ok === expected && total === ok * amount && clean,
  };
}

export const AWARD_CRASH_POINTS = ['ledger.before-insert', 'ledger.after-insert', 'ledger.after-commit'];

/**
 * An award killed (SIGKILL) at each step, inside the transaction and after it; then the
 * same award retried: the ledger holds it exactly once and verifies clean every time.
 */
export async function crashAward(): Promise<ScenarioResult> {
  const failures: string[] = [];
  for (const point of AWARD_CRASH_POINTS) {
    const t = tempDatabase();
    const award = {
      op: 'award-once',
      db: t.file,
      guild: G,
      moderator: 'mod',
      user: 'alice',
      amount: 25,
      key: 'interaction:1',
    };
    t.db.close();
    const crashed = await runWorker(award, { SPARKS_CRASH_AT: point });
    if (crashed.signal !== 'SIGKILL') failures.push(`${point}: not killed`);
    const after = openDatabase(t.file);
    if (!verifyLedger(after.sqlite).ok) failures.push(`${point}: verify failed after crash`);
    after.close();
    const retried = await runWorker(award);
    const db = openDatabase(t.file);
    const n = (
      db.sqlite
        .prepare(`SELECT COUNT(*) AS n FROM transfers WHERE idempotency_key = 'interaction:1'`)
        .get() as { n: number }
    ).n;
    const balance = new Ledger({ db }).reads.standing(G, 'alice').balance;
    if (n !== 1 || balance !== 25 || !verifyLedger(db.sqlite).ok || retried.code !== 0)
      failures.push(`${point}: ${n} entries, balance ${balance}`);
    db.close();
    rmSync(join(t.file, '..'), { recursive: true, force: true });
  }
  return {
    scenario: 'award killed at every step, then retried',
    runs: AWARD_CRASH_POINTS.length,
    figure: failures.length
      ? failures.join('; ')
      : `${AWARD_CRASH_POINTS.length} crash points: applied once, verify clean`,
    pass: failures.length === 0,
  };
}
