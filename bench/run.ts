/**
 * `npm run bench [-- --quick]`: every figure as a median over several runs (min–max), next
 * to a baseline measured in the same run, with its target. Prints one table and writes
 * bench/results.json. Data is generated deterministically (and cached in bench/.cache).
 * The full run takes several minutes; `--quick` is a smaller smoke run of every row: rows
 * whose targets are defined at full scale (the peer's) are printed there and not judged,
 * and it exits 0 when every row it judges passes (as the full run does). The PostgreSQL
 * rows (bench/pg.ts) start a durable server of their own and run with `--pg` (or alone,
 * `--only=pg`).
 */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ADMIN_NOW, adminScaleDatabase } from './admin-data.ts';
import { grantCore, rawAtScale } from './burst.ts';
import { e2e } from './e2e.ts';
import { duplicates, readsAtScale, scaleDatabase, writePath } from './ledger.ts';
import { judgeQuick, printTable, type Row } from './lib.ts';
import { questRows } from './quests.ts';
import { peer } from './peer.ts';
import { pgRows } from './pg.ts';
import { webAtScale } from './web.ts';

const quick = process.argv.includes('--quick');
/** `--only=quests|grants|e2e|pg`: those rows alone (each with its baseline); results.json is left as it is. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? null;
/**
 * `--pg`: the PostgreSQL rows too (bench/pg.ts), on a durable server they start; off by
 * default, as they add minutes (the scale data is generated through the triggers at each
 * run). `--only=pg` runs them alone.
 */
const withPg = process.argv.includes('--pg');
const NOW = Date.UTC(2026, 10, 24, 12);

/** One named row group, printed and not written to results.json (a full run keeps that file whole). */
async function runOnly(name: string): Promise<void> {
  const burst = quick ? 2000 : 10_000;
  const [members, entries] = quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const groups: Record<string, () => Row[] | Promise<Row[]>> = {
    quests: () => questRows(quick ? 2 : 3, burst),
    grants: () => grantCore(quick ? 2 : 3, burst).rows,
    // The PostgreSQL rows (bench/pg.ts) on a durable server of their own.
    pg: () => pgRows({ quick, now: NOW }, (what) => console.error(`… ${what}`)),
    // The end-to-end rows (start-up, reads, bursts, memory) with their raw baseline.
    e2e: async () => {
      const file = scaleDatabase(members, entries, NOW);
      const raw = rawAtScale(file, quick ? 2 : 3, burst);
      const step = (what: string) => console.error(`… ${what}`);
      return [
        perGrantCost(raw, burst),
        ...(await e2e({ quick, scaleFile: file, members, burst, rawGrantsPerSecond: raw.batch }, step)),
      ];
    },
  };
  const group = groups[name];
  if (!group)
    throw new Error(`--only=${name}: the rows that run alone are ${Object.keys(groups).join(', ')}`);
  const rows = quick ? judgeQuick(await group()) : await group();
  console.log(printTable(rows));
  for (const r of rows) if (r.note) console.log(`- ${r.figure}: ${r.note}`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

async function main(): Promise<void> {
  if (only !== null) return runOnly(only);
  const started = performance.now();
  const rows: Row[] = [];
  const loads: number[][] = [];
  const step = (name: string) => {
    const load = loadavg();
    loads.push(load);
    console.error(
      `… ${name} (${((performance.now() - started) / 1000).toFixed(0)} s, load ${load.map((l) => l.toFixed(2)).join(' ')})`,
    );
  };
  step('ledger write path');
  const write = writePath(quick ? 4 : 8, quick ? 400 : 1500);
  rows.push(...write);
  step('duplicate rejection');
  rows.push(...duplicates(quick ? 3 : 5, quick ? 5000 : 20000));
  const burst = quick ? 2000 : 10_000;
  step('campaign group commit in-process');
  const core = grantCore(quick ? 2 : 3, burst);
  rows.push(...core.rows);
  step('quest completions in-process, against the campaign burst');
  rows.push(...questRows(quick ? 2 : 3, burst));
  const [members, entries] = quick ? [10_000, 100_000] : [100_000, 1_000_000];
  step(
    `scale data: ${members.toLocaleString('en-US')} members, ${entries.toLocaleString('en-US')} entries over 90 days`,
  );
  const file = scaleDatabase(members, entries, NOW);
  step('reads at scale');
  const reads = readsAtScale(file, NOW, quick ? 3 : 5, quick ? 300 : 2000);
  rows.push(...reads.rows);
  step('the dashboard data: every source, referrals, redemptions');
  const adminFile = adminScaleDatabase(members, entries, ADMIN_NOW);
  step('web pages at scale (fastify inject)');
  rows.push(
    ...(await webAtScale({
      file,
      adminFile,
      now: NOW,
      adminNow: ADMIN_NOW,
      quick,
      rounds: quick ? 3 : 5,
      samples: quick ? 200 : 500,
    })),
  );
  step('raw grants on the scale database (the burst baseline)');
  const rawScale = rawAtScale(file, quick ? 2 : 3, burst);
  rows.push(perGrantCost(rawScale, burst));
  rows.push(
    ...(await e2e({ quick, scaleFile: file, members, burst, rawGrantsPerSecond: rawScale.batch }, step)),
  );
  step('the peer (discord-economy-super)');
  rows.push(
    ...peer({
      quick,
      ours: {
        groupCommitPerSecond: core.rows[0]!.median,
        singlePerSecond: write[0]!.median,
        leaderboardMs: reads.top10Ms,
        boardMembers: members,
      },
    }),
  );
  if (withPg) rows.push(...(await pgRows({ quick, now: NOW }, step)));
  const judged = quick ? judgeQuick(rows) : rows;
  rows.splice(0, rows.length, ...judged);
  const table = printTable(rows);
  console.log(table);
  const load = loads.map((l) => l[0]!);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, SQLite ${sqliteVersion()}`;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nmachine: ${machine}${quick ? ' (quick run)' : ''}; 1-min load average during the run ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}; ${seconds.toFixed(0)} s`,
  );
  for (const r of rows) if (r.note) console.log(`- ${r.figure}: ${r.note}`);
  writeFileSync(
    join(import.meta.dirname, 'results.json'),
    JSON.stringify({ quick, machine, load, seconds, at: new Date().toISOString(), rows }, null, 2),
  );
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

/** The schema's own cost per grant, raw SQL on the scale database: derived state per row vs per batch. */
function perGrantCost(raw: { batch: number; rows: number }, burst: number): Row {
  const us = (rate: number) => 1e6 / rate;
  return {
    figure: `schema cost per grant, raw set-based SQL at scale (${burst.toLocaleString('en-US')} new members)`,
    median: us(raw.batch),
    min: us(raw.batch),
    max: us(raw.batch),
    unit: 'µs',
    baseline: us(raw.rows),
    ratio: raw.batch / raw.rows,
    target: 'info',
    pass: null,
    note:
      `baseline: the same rows with the derived state kept row by row by the triggers (before migration 0017); ` +
      `${Math.round(raw.rows).toLocaleString('en-US')} → ${Math.round(raw.batch).toLocaleString('en-US')} grants/s, 500 per durable transaction`,
  };
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  db.close();
  return v;
}

await main();
