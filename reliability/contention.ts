/**
 * Scenario 1 — contention through the production code paths: N worker processes (standing
 * in for shards, or for hosts) on one database — a SQLite file, or a PostgreSQL database
 * (`Target`); every member confirms the same reward, stock 10, at once through
 * RedemptionService.reserve + fulfil (a fulfiller that grants). Exactly `stock` are
 * fulfilled, every other attempt is told SPARKS.SOLD_OUT, no balance goes below zero, no
 * SQLITE_BUSY (nor, on PostgreSQL, a serialization failure or deadlock) reaches a caller,
 * and the ledger verifies clean.
 */
import { AuditQueue } from '../src/audit.ts';
import { HOLDS, REDEEMED } from '../src/ledger/ledger.ts';
import { RewardService } from '../src/shop/rewards.ts';
import {
  dropTemplates,
  G,
  ledgerProblems,
  random,
  rows,
  SQLITE,
  startWorker,
  sum,
  tempDatabase,
  type ScenarioResult,
  type Target,
} from './support.ts';

export interface ContentionScale {
  processes: number;
  attempts: number;
  stock: number;
  seed: number;
}

export async function redeemContention(
  scale: ContentionScale,
  target: Target = SQLITE,
): Promise<ScenarioResult> {
  const t = await tempDatabase(target);
  const rnd = random(scale.seed);
  const cost = 25 + rnd.int(50);
  const reward = new RewardService({ db: t.db, clock: Date.now, audit: new AuditQueue() }).add(G, 'mod', {
    name: 'Limited drop',
    cost,
    kind: 'role',
    roleId: '920000000000000001',
    stock: scale.stock,
  });
  const members = Array.from({ length: scale.attempts }, (_, i) => `93${String(i).padStart(16, '0')}`);
  // Every member can afford it (some with room to spare): only the stock decides.
  t.db.write(() => {
    for (const m of members)
      t.ledger.credit({
        guildId: G,
        userId: m,
        source: 'award',
        kind: 'award',
        amount: cost + rnd.int(3) * cost,
        key: `fund:${m}`,
        actor: { type: 'system', id: 'seed' },
      });
  });
  const before = new Map(members.map((m) => [m, t.ledger.reads.standing(G, m).balance]));
  const shuffled = rnd.shuffle(members);
  const workers = Array.from({ length: scale.processes }, (_, p) =>
    startWorker(
      {
        op: 'redeem-many',
        ...t.where,
        guild: G,
        rewardId: reward.id,
        cost,
        users: shuffled.filter((_, i) => i % scale.processes === p),
        tag: `p${p}`,
      },
      {},
      { stdin: true },
    ),
  );
  // Every worker has started (a second or more each on a small machine): all go at once.
  await Promise.all(workers.map((w) => w.lines.next()));
  for (const w of workers) w.child.stdin!.end('go\n');
  const runs = await Promise.all(workers.map((w) => w.exited));
  const fulfilled = sum(runs, 'fulfilled');
  const soldOut = sum(runs, 'SPARKS.SOLD_OUT');
  const busy = sum(runs, 'busy');
  const outcomes = runs.flatMap((r) =>
    Object.entries(r.result ?? {}).filter(([k]) => k !== 'first' && k !== 'last'),
  );
  const other = outcomes.filter(([k, n]) => !['ok', 'fulfilled', 'SPARKS.SOLD_OUT'].includes(k) && n > 0);
  const crashed = runs.filter((r) => r.code !== 0).length;
  const winners = runs.filter((r) => (r.result?.fulfilled ?? 0) > 0).length;
  // The workers' attempts ran at the same time: count the pairs of workers whose attempt
  // windows overlap (a loaded machine may deschedule one, so not every pair must).
  const windows = runs.map((r) => [r.result?.first ?? Infinity, r.result?.last ?? 0] as const);
  let overlapping = 0;
  for (let i = 0; i < windows.length; i++)
    for (let j = i + 1; j < windows.length; j++)
      if (windows[i]![0] < windows[j]![1] && windows[j]![0] < windows[i]![1]) overlapping++;
  const pairs = (windows.length * (windows.length - 1)) / 2;
  const balances = members.map((m) => t.ledger.reads.standing(G, m).balance);
  const minBalance = Math.min(...balances);
  const spent = members.reduce((n, m, i) => n + before.get(m)! - balances[i]!, 0);
  const stockLeft = new RewardService({ db: t.db, clock: Date.now, audit: new AuditQueue() }).get(
    reward.id,
  )!.stock;
  const statuses = rows<{ status: string; n: number }>(
    t.db,
    `SELECT status, COUNT(*) AS n FROM redemptions GROUP BY status`,
  );
  const redeemed = t.ledger.reads.account(G, REDEEMED)?.balance ?? 0;
  const held = t.ledger.reads.account(G, HOLDS)?.balance ?? 0;
  const problems = ledgerProblems(t.db);
  await t.dispose();
  await dropTemplates();
  const pass =
    fulfilled === scale.stock &&
    soldOut === scale.attempts - scale.stock &&
    busy === 0 &&
    other.length === 0 &&
    crashed === 0 &&
    overlapping > 0 &&
    minBalance >= 0 &&
    spent === scale.stock * cost &&
    redeemed === scale.stock * cost &&
    held === 0 &&
    stockLeft === 0 &&
    statuses.length === 1 &&
    statuses[0]!.status === 'fulfilled' &&
    statuses[0]!.n === scale.stock &&
    problems === '';
  return {
    scenario: `redeem stock ${scale.stock} from ${scale.processes} processes${target.engine === 'postgres' ? ' (PostgreSQL)' : ''}`,
    runs: scale.attempts,
    figure:
      `${fulfilled} fulfilled (won in ${winners} of ${scale.processes} processes, ${overlapping} of ${pairs} pairs overlapping), ${soldOut} sold out, busy ${busy}` +
      (other.length ? `, other ${other.map(([k, n]) => `${k}×${n}`).join(' ')}` : '') +
      (crashed ? `, ${crashed} workers failed` : '') +
      `; stock left ${String(stockLeft)}, min balance ${minBalance}, spent ${spent}/${scale.stock * cost}` +
      (problems ? `; verify: ${problems}` : '; verify clean'),
    pass,
  };
}
