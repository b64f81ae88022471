/**
 * Reliability scenarios (SPEC §5 under stress). Each runs through the production code in
 * separate processes on one database (a SQLite file, or a PostgreSQL database: `Target`)
 * and returns its figures and a verdict; the fast part of the suite runs them small inside
 * `npm test`, `npm run reliability` big.
 */
import { Ledger } from '../src/ledger/ledger.ts';
import { SettingsService } from '../src/settings/settings.ts';
import {
  DEFAULTS,
  dropTemplates,
  G,
  ledgerProblems,
  rows,
  runWorker,
  SQLITE,
  sum,
  tempDatabase,
  type DatabaseLocation,
  type ScenarioResult,
  type Target,
} from './support.ts';

export type { ScenarioResult } from './support.ts';

export interface Scale {
  processes: number;
  perProcess: number;
  seed: number;
}

/** ' (PostgreSQL)' after a scenario's name when it ran there. */
const onEngine = (target: Target) => (target.engine === 'postgres' ? ' (PostgreSQL)' : '');

/** Runs `command` `perProcess` times in each of `processes` workers at once, on guild G at `where`. */
function inEveryProcess(
  scale: Scale,
  where: DatabaseLocation,
  command: { op: string } & Record<string, unknown>,
) {
  return Promise.all(
    Array.from({ length: scale.processes }, (_, p) =>
      runWorker({ ...command, ...where, guild: G, count: scale.perProcess, tag: `p${p}` }),
    ),
  );
}

/**
 * One member spending from several processes at once can never go below zero; on SQLite no
 * SQLITE_BUSY, on PostgreSQL no serialization failure or deadlock, reaches the caller.
 */
export async function doubleSpend(scale: Scale, target: Target = SQLITE): Promise<ScenarioResult> {
  const t = await tempDatabase(target);
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
  const runs = await inEveryProcess(scale, t.where, { op: 'spend', user: 'spender', amount: price });
  const ok = sum(runs, 'ok');
  const busy = sum(runs, 'busy');
  const refused = sum(runs, 'SPARKS.INSUFFICIENT');
  const failed = runs.filter((r) => r.code !== 0).length;
  const balance = t.ledger.reads.standing(G, 'spender').balance;
  const expectedOk = Math.min(scale.processes * scale.perProcess, Math.floor(start / price));
  const clean = ledgerProblems(t.db) === '';
  await t.dispose();
  await dropTemplates();
  return {
    scenario: `double-spend from ${scale.processes} processes${onEngine(target)}`,
    runs: scale.processes * scale.perProcess,
    figure:
      `${ok} holds of ${price} from ${start}, ${refused} refused; balance ${balance}; busy ${busy}` +
      (failed ? `; ${failed} workers failed` : ''),
    pass:
      ok === expectedOk &&
      ok + refused === scale.processes * scale.perProcess &&
      failed === 0 &&
      balance === start - ok * price &&
      balance >= 0 &&
      busy === 0 &&
      clean,
  };
}

/**
 * A moderator's concurrent awards from several processes never exceed the daily limit (on
 * SQLite the write lock serializes them, on PostgreSQL AwardService's advisory lock).
 */
export async function dailyCap(scale: Scale, target: Target = SQLITE): Promise<ScenarioResult> {
  const t = await tempDatabase(target);
  const limit = 500;
  const amount = 3 + (scale.seed % 5);
  new SettingsService({ db: t.db, defaults: DEFAULTS }).update(G, { dailyAwardLimit: limit });
  const runs = await inEveryProcess(scale, t.where, { op: 'award', moderator: 'mod', amount });
  const total = Number(
    rows<{ s: number }>(t.db, `SELECT COALESCE(SUM(amount), 0) AS s FROM transfers WHERE kind = 'award'`)[0]!
      .s,
  );
  const ok = sum(runs, 'ok');
  const expected = Math.min(scale.processes * scale.perProcess, Math.floor(limit / amount));
  const failed = runs.filter((r) => r.code !== 0).length;
  const clean = ledgerProblems(t.db) === '';
  await t.dispose();
  await dropTemplates();
  return {
    scenario: `daily award cap, ${scale.processes} processes${onEngine(target)}`,
    runs: scale.processes * scale.perProcess,
    figure:
      `${ok} awards of ${amount} = ${total} of limit ${limit}; busy ${sum(runs, 'busy')}` +
      (failed ? `; ${failed} workers failed` : ''),
    pass: total <= limit && ok === expected && total === ok * amount && failed === 0 && clean,
  };
}

export const AWARD_CRASH_POINTS = ['ledger.before-insert', 'ledger.after-insert', 'ledger.after-commit'];

/**
 * An award killed (SIGKILL) at each step, inside the transaction and after it; then the
 * same award retried: the ledger holds it exactly once and verifies clean every time.
 */
export async function crashAward(target: Target = SQLITE): Promise<ScenarioResult> {
  try {
    return await crashAwardAt(target);
  } finally {
    await dropTemplates();
  }
}

async function crashAwardAt(target: Target): Promise<ScenarioResult> {
  const failures: string[] = [];
  for (const point of AWARD_CRASH_POINTS) {
    const t = await tempDatabase(target);
    const award = {
      op: 'award-once',
      ...t.where,
      guild: G,
      moderator: 'mod',
      user: 'alice',
      amount: 25,
      key: 'interaction:1',
    };
    t.db.close();
    const crashed = await runWorker(award, { SPARKS_CRASH_AT: point });
    if (crashed.signal !== 'SIGKILL') failures.push(`${point}: not killed`);
    const after = t.reopen();
    if (ledgerProblems(after)) failures.push(`${point}: verify failed after crash`);
    after.close();
    const retried = await runWorker(award);
    const db = t.reopen();
    const n = rows<{ n: number }>(
      db,
      `SELECT COUNT(*) AS n FROM transfers WHERE idempotency_key = 'interaction:1'`,
    )[0]!.n;
    const balance = new Ledger({ db }).reads.standing(G, 'alice').balance;
    if (n !== 1 || balance !== 25 || ledgerProblems(db) !== '' || retried.code !== 0)
      failures.push(`${point}: ${n} entries, balance ${balance}`);
    db.close();
    await t.dispose();
  }
  return {
    scenario: `award killed at every step, then retried${onEngine(target)}`,
    runs: AWARD_CRASH_POINTS.length,
    figure: failures.length
      ? failures.join('; ')
      : `${AWARD_CRASH_POINTS.length} crash points: applied once, verify clean`,
    pass: failures.length === 0,
  };
}
