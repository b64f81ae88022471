/**
 * The Ledger on PostgreSQL from several processes at once, each with its own facade (one
 * connection): holds on one member, under keys all of them race for and keys of their own.
 * The member's balance never goes below zero, every key is applied once (a host that lost
 * the race for a key answers as a duplicate, after its transaction ran again), nothing else
 * fails, and each new entry's hook ran once in the host that posted it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { freshDatabase } from '../testkit/postgres.ts';

const G = '300000000000000001';
const HOSTS = 3;
const ATTEMPTS = 40;
const START = 7 * 50;

interface Result {
  outcomes: Record<string, number>;
  ids: number[];
  hooks: number;
  retries: number;
}

function host(url: string, tag: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'ledger-poster.ts'),
      url,
      G,
      'alice',
      String(ATTEMPTS),
      tag,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  // Every line kept from the start: one arriving before anyone asks for it is not lost.
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const take = waiting.shift();
    if (take) take(line);
    else queue.push(line);
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const line = queue.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    });
  return { child, next };
}

describe('the Ledger on PostgreSQL from several processes', () => {
  it('never overspends, applies every key once, and hides the races it retried', async () => {
    const database = await freshDatabase();
    const db = openPgSync(database.url);
    try {
      new Ledger({ db }).credit({
        guildId: G,
        userId: 'alice',
        source: 'award',
        kind: 'award',
        amount: START,
        key: 'start',
        actor: { type: 'moderator', id: 'mod' },
      });
      const hosts = Array.from({ length: HOSTS }, (_, k) => host(database.url, `h${k}`));
      for (const h of hosts) expect(await h.next()).toBe('ready');
      const results = hosts.map((h) => h.next());
      for (const h of hosts) h.child.stdin.write('go\n');
      const done = (await Promise.all(results)).map((line) => JSON.parse(line) as Result);

      const total = (o: string) => done.reduce((n, r) => n + (r.outcomes[o] ?? 0), 0);
      // Only these outcomes: a new hold, a duplicate of a key another host took, or no Sparks left.
      for (const r of done)
        expect(
          Object.keys(r.outcomes).every((o) => ['new', 'duplicate', 'SPARKS.INSUFFICIENT'].includes(o)),
        ).toBe(true);
      const holds = db.query<{ n: number }>("SELECT COUNT(*) AS n FROM transfers WHERE kind = 'hold'")[0]!.n;
      expect(total('new')).toBe(holds);
      expect(holds).toBe(START / 7);
      const [{ balance }] = db.query<{ balance: number }>(
        "SELECT balance FROM accounts WHERE type = 'member' AND ref = 'alice'",
      ) as [{ balance: number }];
      expect(balance).toBe(0);
      // Each shared key at most once; every id reported new by exactly one host.
      const keys = db.query<{ k: string; n: number }>(
        'SELECT idempotency_key AS k, COUNT(*) AS n FROM transfers GROUP BY idempotency_key HAVING COUNT(*) > 1',
      );
      expect(keys).toEqual([]);
      const ids = done.flatMap((r) => r.ids);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of done) expect(r.hooks).toBe(r.ids.length);
      console.log(
        `hosts: ${done.map((r) => JSON.stringify(r.outcomes)).join(' ')}; retried transactions: ${done.map((r) => r.retries).join(', ')}`,
      );
    } finally {
      db.close();
      await database.drop();
    }
  }, 60_000);
});
