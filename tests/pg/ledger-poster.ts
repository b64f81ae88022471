/**
 * One "host" of tests/pg/ledger-hosts.test.ts: the real Ledger on the PostgreSQL facade. It
 * prints `ready`, waits for `go` on stdin (so every process starts at once), then tries
 * `attempts` holds of 7 Sparks on one member — each under a key every host also uses, then
 * one of its own — and prints one JSON line: what each attempt came to.
 */
import { createInterface } from 'node:readline';
import { isSparksError } from '../../src/core/errors.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';

const [url, guild, member, attempts, tag] = process.argv.slice(2);
const db = openPgSync(url!, { migrate: false });
const ledger = new Ledger({ db });
let hooks = 0;
ledger.onPosted(() => hooks++);
process.stdout.write('ready\n');
const stdin = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
stdin.close();
process.stdin.destroy();
const outcomes: Record<string, number> = {};
const ids: number[] = [];
const actor = { type: 'member', id: member! } as const;
for (let i = 0; i < Number(attempts); i++) {
  for (const key of [`shared-${i}`, `own-${tag}-${i}`]) {
    let outcome: string;
    try {
      const r = ledger.hold({ guildId: guild!, userId: member!, amount: 7, key, actor });
      outcome = r.duplicate ? 'duplicate' : 'new';
      if (!r.duplicate) ids.push(r.transfer.id);
    } catch (e) {
      outcome = isSparksError(e) ? e.code : `error: ${String(e)}`;
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
}
const result = { outcomes, ids, hooks, retries: db.retries };
db.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
