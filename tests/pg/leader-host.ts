/**
 * One "host" of tests/pg/leadership.test.ts: a PgLeadership whose once-only work inserts a
 * tick (this host's tag, the server's clock) every 20 ms on a connection of its own. It prints
 * a JSON line at each change (`{"leader":true}` / `{"leader":false}`) and once it is up
 * (`{"up":true,"leader":…}`), and exits when its stdin closes (the test, or the test runner,
 * went away) — or when it is SIGKILLed, which is the point.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import { silentLogger } from '../../src/log.ts';
import { PgLeadership } from '../../src/ops/leadership.ts';

const [url, tag, lock, pollMs] = process.argv.slice(2);
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const pool = new pg.Pool({ connectionString: url, max: 1 });
const leadership = new PgLeadership({
  url: url!,
  logger: silentLogger,
  lock: Number(lock),
  pollMs: Number(pollMs),
  onChange: (leader) => say({ leader }),
});
leadership.whileLeader('ticks', () => {
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = pool.query('INSERT INTO leader_ticks (host, at) VALUES ($1, clock_timestamp())', [tag]);
  }, 20);
  return async () => {
    clearInterval(timer);
    await inFlight.catch(() => undefined);
  };
});
await leadership.start();
say({ up: true, leader: leadership.isLeader });
createInterface({ input: process.stdin }).on('close', () => {
  void leadership
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
