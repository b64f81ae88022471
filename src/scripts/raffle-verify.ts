/**
 * `npm run raffle:verify -- <raffle id> [--db path]`: re-derives a drawn raffle's winners
 * from the database and its revealed seed (src/raffles/draw.ts documents the procedure),
 * prints the winners' Discord ids, one a line, and exits 0 when they match the recorded draw
 * (1 when not, 2 when it cannot run). `--db` takes a SQLite file or a PostgreSQL URL
 * (postgres://…), read through the same store either way (`raffleStore`).
 */
import { raffleStore } from '../db/pg/raffle-store.ts';
import { verifyDraw } from '../raffles/verify.ts';
import { databaseFrom } from './db-path.ts';

function main(): number {
  const args = process.argv.slice(2);
  const id = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--db'));
  if (!Number.isInteger(id) || id < 1) {
    console.error('usage: npm run raffle:verify -- <raffle id> [--db path]');
    return 2;
  }
  const db = databaseFrom(args, 'raffle:verify');
  if (db === null) return 2;
  try {
    const store = raffleStore(db);
    const raffle = store.byId(id);
    if (!raffle) {
      console.error(`raffle:verify: no raffle #${id}`);
      return 2;
    }
    const check = verifyDraw(raffle, store.entries(id), store.draws(id));
    console.error(`raffle #${id} “${raffle.name}”: commitment ${raffle.commitment}`);
    if (raffle.seedRevealed) console.error(`seed ${raffle.seed}`);
    for (const w of check.winners) console.log(w);
    for (const p of check.problems) console.error(`✗ ${p}`);
    console.error(
      check.ok ? '✓ the winners follow from the seed and the entries' : '✗ the draw does not verify',
    );
    return check.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

process.exitCode = main();
