/**
 * `npm run bench:web [-- --quick]`: only the web rows of `npm run bench` (every page's
 * server time and the first visit's bytes), on the same cached databases, three rounds of
 * 200. For working on a page; the figures of record come from the full run.
 */
import { ADMIN_NOW, adminScaleDatabase } from './admin-data.ts';
import { scaleDatabase } from './ledger.ts';
import { printTable } from './lib.ts';
import { webAtScale } from './web.ts';
const NOW = Date.UTC(2026, 10, 24, 12);
const quick = process.argv.includes('--quick');
const [m, e] = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const file = scaleDatabase(m, e, NOW);
const adminFile = adminScaleDatabase(m, e, ADMIN_NOW);
const rows = await webAtScale({
  file,
  adminFile,
  now: NOW,
  adminNow: ADMIN_NOW,
  quick,
  rounds: 3,
  samples: 200,
});
console.log(printTable(rows));
for (const r of rows) if (r.note) console.log(`- ${r.figure}: ${r.note}`);
