/**
 * One "host" of tests/pg/contention.test.ts: its own pool on the ledger database, and
 * `connections` workers that each try `attempts` times to hold 7 Sparks of one member, every
 * attempt a `withRetry` transaction at `isolation`. It prints `ready`, waits for `go` on
 * stdin (so every process starts at once), then prints one JSON line: what happened.
 */
import { createInterface } from 'node:readline';
import { openPostgres, type RetryOptions } from '../../src/db/pg/open.ts';
import { spendAttempts } from './spend.ts';

const [url, guild, member, hold, connections, attempts, isolation, tag] = process.argv.slice(2);
const db = await openPostgres(url!, { poolSize: Number(connections) });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const result = await spendAttempts(db.pool, {
  guild: guild!,
  member: Number(member),
  hold: Number(hold),
  workers: Number(connections),
  attempts: Number(attempts),
  isolation: isolation as RetryOptions['isolation'],
  tag: tag!,
});
await db.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
