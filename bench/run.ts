/**
 * `npm run bench [-- --quick]`: every figure as a median over several runs (min–max), next
 * to a baseline measured in the same run, with its target. Prints one table and writes
 * bench/results.json. Data is generated deterministically.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { duplicates, readsAtScale, scaleDatabase, writePath } from './ledger.ts';
import { printTable, type Row } from './lib.ts';

const quick = process.argv.includes('--quick');
const NOW = Date.UTC(2026, 10, 24, 12);

function main(): void {
  const rows: Row[] = [];
  const step = (name: string) => console.error(`… ${name}`);
  step('ledger write path');
  rows.push(...writePath(quick ? 3 : 5, quick ? 500 : 2000));
  step('duplicate rejection');
  rows.push(...duplicates(quick ? 3 : 5, quick ? 5000 : 20000));
  const [members, entries] = quick ? [10_000, 100_000] : [100_000, 1_000_000];
  step(`scale data: ${members.toLocaleString()} members, ${entries.toLocaleString()} entries over 90 days`);
  const file = scaleDatabase(members, entries, NOW);
  step('reads at scale');
  rows.push(...readsAtScale(file, NOW, quick ? 300 : 2000));
  const table = printTable(rows);
  console.log(table);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nmachine: ${machine}${quick ? ' (quick run)' : ''}`);
  writeFileSync(
    join(import.meta.dirname, 'results.json'),
    JSON.stringify({ quick, machine, at: new Date().toISOString(), rows }, null, 2),
  );
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

main();
