/**
 * Referral quality on PostgreSQL with two processes handling one invitee at once (READ
 * COMMITTED, each its own facade connection: tests/pg/referral-racer.ts). The test holds a
 * lock of its own (a third connection) so that both processes are inside their transactions
 * before either goes on, which makes the interleaving that a read-then-write store gets wrong
 * happen every run:
 * - two trades that each fall short: both volumes count (a read-then-write `addVolume` keeps one);
 * - two qualifying trades: the qualification is settled once and the held share paid once;
 * - a qualifying trade against the lapse timer, either waiting first: the first settles, the
 *   other changes nothing;
 * - a share held while another process qualifies the invitee: credited, never left pending
 *   (without the qualification's row lock, the qualifier releases the shares it can see and
 *   the held one stays pending for good).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { PlatformService } from '../../src/platform/service.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { fakeClock } from '../helpers/db.ts';
import { ALICE, BOB, DEFAULTS, referral, subscription, trade } from '../helpers/platform.ts';
import { databaseForFile } from '../testkit/postgres.ts';
import type { RaceCommand, RaceOutcome } from './referral-racer.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 24, 12, 0, 0);
/** The machine may be shared and slow: a child takes seconds to start, a race more. */
const SLOW = 120_000;
const database = databaseForFile();
let db: PgSyncDb;
let racers: Racer[] = [];
let seq = 0;

beforeAll(async () => {
  db = openPgSync(database().url);
  racers = [racer(), racer()];
  await Promise.all(racers.map((r) => r.ready));
}, SLOW);
afterAll(() => {
  for (const r of racers) r.process.stdin.end();
  db?.close();
});

interface Racer {
  process: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  /** Sends one command; its outcome, or the child's error should it exit. */
  run: (command: RaceCommand) => Promise<RaceOutcome>;
}

function racer(): Racer {
  const child = spawn(process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, 'referral-racer.ts'),
    database().url,
  ]);
  let err = '';
  let buffered = '';
  const waiting: { resolve: (o: RaceOutcome) => void; reject: (e: Error) => void }[] = [];
  let markReady: () => void = () => undefined;
  let failReady: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line === 'ready') markReady();
      else waiting.shift()?.resolve(JSON.parse(line) as RaceOutcome);
    }
  });
  child.on('exit', (code) => {
    const e = new Error(`racer exited with ${code}: ${err}`);
    failReady(e);
    for (const w of waiting.splice(0)) w.reject(e);
  });
  return {
    process: child,
    ready,
    run: (command) =>
      new Promise<RaceOutcome>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(command)}\n`);
      }),
  };
}

/** A guild of its own per test, with Alice's referral of Bob pending (1,000 USD in 30 days). */
function guild(opts: { held: boolean }) {
  const g = String(200_000_000_000_000_100n + BigInt(++seq));
  const ledger = new Ledger({ db, clock: fakeClock(START) });
  const settings = new SettingsService({ db, defaults: DEFAULTS });
  // Trades earn nothing themselves, so a trade takes no ledger lock before the referral's.
  settings.update(g, { referralQualifyVolumeUsd: 1000, tradeSparksPer100Usd: 0, referralFirstSubPct: 50 });
  const service = new PlatformService({ db, ledger, settings });
  const apply = (id: string, body: object) => {
    const parsed = parseEvent(body, g);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return service.apply(id, parsed.event);
  };
  apply(`${g}-ref`, referral(ALICE, BOB));
  if (opts.held) expect(apply(`${g}-s1`, subscription(BOB, 'basic', true)).pendingShare?.amount).toBe(50);
  const state = () => ({
    qualification: db.query<{ status: string; volumeCents: number }>(
      `SELECT status, volume_cents AS "volumeCents" FROM referral_qualification WHERE guild_id = $1`,
      [g],
    ),
    shares: db.query<{ eventId: string; status: string; paid: number | null }>(
      `SELECT s.event_id AS "eventId", s.status, t.amount AS paid FROM referral_shares s
       LEFT JOIN transfers t ON t.id = s.transfer_id WHERE s.guild_id = $1 ORDER BY s.id`,
      [g],
    ),
    referralEntries: db.query<{ key: string }>(
      `SELECT idempotency_key AS key FROM transfers WHERE guild_id = $1 AND kind = 'platform.referral'`,
      [g],
    ),
    alice: ledger.reads.standing(g, ALICE).balance,
  });
  return { g, state };
}

/** A third connection: a transaction that holds locks while the racers start. */
async function holder() {
  const client = new pg.Client({ connectionString: database().url });
  await client.connect();
  await client.query('BEGIN');
  const waiters = async () =>
    (
      await client.query<{ n: number }>(
        `SELECT COUNT(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE NOT l.granted AND a.datname = current_database()`,
      )
    ).rows[0]!.n;
  /** Until `n` connections wait on a lock, or `done` settles first; false on neither in time. */
  const until = async (n: number, done?: Promise<unknown>) => {
    let finished = false;
    void done?.then(
      () => (finished = true),
      () => (finished = true),
    );
    for (const end = Date.now() + 15_000; Date.now() < end;) {
      if (finished || (await waiters()) >= n) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  };
  const release = async () => {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  };
  return { client, until, release };
}

/**
 * Runs one command on each racer with the holder's locks (taken by `lock`) in the way, and
 * releases them once both racers wait on a lock — or, `first-then-second`, once the first
 * waits and the second waits too or is done.
 */
async function race(
  commands: [RaceCommand, RaceCommand],
  lock: (client: pg.Client) => Promise<unknown>,
  order: 'together' | 'first-then-second' = 'together',
): Promise<RaceOutcome[]> {
  const h = await holder();
  const outcomes: Promise<RaceOutcome>[] = [];
  try {
    await lock(h.client);
    if (order === 'together') {
      outcomes.push(...commands.map((c, i) => racers[i]!.run(c)));
      expect(await h.until(2, Promise.any(outcomes))).toBe(true);
    } else {
      outcomes.push(racers[0]!.run(commands[0]));
      expect(await h.until(1, outcomes[0])).toBe(true);
      outcomes.push(racers[1]!.run(commands[1]));
      expect(await h.until(2, outcomes[1])).toBe(true);
    }
  } finally {
    await h.release();
  }
  return Promise.all(outcomes);
}

const lockQualification = (g: string) => (client: pg.Client) =>
  client.query(
    `SELECT 1 FROM referral_qualification WHERE guild_id = $1 AND invitee_user_id = $2 FOR UPDATE`,
    [g, BOB],
  );

const aliceCredits = (outcomes: RaceOutcome[]) =>
  outcomes.flatMap((o) =>
    o.steps.flatMap((s) => ('credits' in s ? s.credits.filter(([u]) => u === ALICE) : [])),
  );

/** Bob qualified with `volumeCents` counted, and Alice's share of his first subscription paid once. */
const paidOnce = (g: string, volumeCents: number) => ({
  qualification: [{ status: 'qualified', volumeCents }],
  shares: [{ eventId: `${g}-s1`, status: 'credited', paid: 50 }],
  referralEntries: [{ key: `event:${g}-s1:referral` }],
  alice: 50,
});

/** A trade of Bob's of `usd` in each racer, under two event ids. */
const twoTrades = (g: string, usd: number): [RaceCommand, RaceCommand] => [
  { guildId: g, at: START + DAY, steps: [{ id: `${g}-a`, body: trade(BOB, usd) }] },
  { guildId: g, at: START + DAY, steps: [{ id: `${g}-b`, body: trade(BOB, usd) }] },
];

describe('referral quality with two processes on one invitee (PostgreSQL)', { timeout: SLOW }, () => {
  it('counts both of two concurrent trades: together they qualify the invitee, and the held share is paid once', async () => {
    const { g, state } = guild({ held: true });
    const outcomes = await race(twoTrades(g, 600), lockQualification(g));
    expect(state()).toEqual(paidOnce(g, 120_000));
    expect(aliceCredits(outcomes)).toEqual([[ALICE, 50]]);
  });

  it('settles a qualification once when two qualifying trades race, and pays the held share once', async () => {
    const { g, state } = guild({ held: true });
    const outcomes = await race(twoTrades(g, 1000), lockQualification(g));
    // The second trade found it qualified already: its volume no longer counts.
    expect(state()).toEqual(paidOnce(g, 100_000));
    expect(aliceCredits(outcomes)).toEqual([[ALICE, 50]]);
    expect(outcomes.flatMap((o) => o.steps.map((s) => ('status' in s ? s.status : '')))).toEqual([
      'applied',
      'applied',
    ]);
  });

  it.each([
    ['the trade', 'qualified'],
    ['the lapse timer', 'lapsed'],
  ] as const)(
    'lets exactly one of a qualifying trade and the lapse timer settle the referral (%s waits first: %s)',
    async (first, won) => {
      const { g, state } = guild({ held: true });
      const tradeCommand: RaceCommand = {
        guildId: g,
        at: START + DAY,
        steps: [{ id: `${g}-a`, body: trade(BOB, 1000) }],
      };
      const lapseCommand: RaceCommand = { guildId: g, at: START + 31 * DAY, steps: [{ lapse: true }] };
      const tradeFirst = first === 'the trade';
      const outcomes = await race(
        tradeFirst ? [tradeCommand, lapseCommand] : [lapseCommand, tradeCommand],
        lockQualification(g),
        'first-then-second',
      );
      const [traded, lapsed] = tradeFirst ? outcomes : [outcomes[1], outcomes[0]];
      const s = state();
      expect(s.qualification).toEqual([{ status: won, volumeCents: won === 'qualified' ? 100_000 : 0 }]);
      if (won === 'qualified') {
        expect(s).toMatchObject({ shares: [{ status: 'credited', paid: 50 }], alice: 50 });
        expect([aliceCredits([traded!]), lapsed!.steps]).toEqual([[[ALICE, 50]], [{ lapsed: 0 }]]);
      } else {
        expect(s).toMatchObject({
          shares: [{ status: 'lapsed', paid: null }],
          referralEntries: [],
          alice: 0,
        });
        expect([aliceCredits([traded!]), lapsed!.steps]).toEqual([[], [{ lapsed: 1 }]]);
      }
    },
  );

  it('credits a share held while another process qualifies the invitee: none is left pending', async () => {
    const { g, state } = guild({ held: false });
    // The subscription's process is kept from committing (its event id is taken by the holder's
    // open transaction) while the qualifying trade runs in the other.
    const outcomes = await race(
      [
        { guildId: g, at: START + DAY, steps: [{ id: `${g}-s1`, body: subscription(BOB, 'basic', true) }] },
        { guildId: g, at: START + DAY, steps: [{ id: `${g}-t`, body: trade(BOB, 1000) }] },
      ],
      (client) =>
        client.query(
          `INSERT INTO platform_events (id, guild_id, type, payload_hash, sparks, received_at)
           VALUES ($1, $2, 'subscription.started', 'held', 0, 0)`,
          [`${g}-s1`, g],
        ),
      'first-then-second',
    );
    expect(state()).toEqual(paidOnce(g, 100_000));
    expect(aliceCredits(outcomes)).toEqual([[ALICE, 50]]);
  });
  it('answers the second of two deliveries of one event at once as a duplicate, not an error', async () => {
    // Last in the file: its guild's referral stays pending, and the lapse tests above sweep
    // every guild's due qualifications.
    const { g } = guild({ held: false });
    const id = `${g}-twice`;
    const command: RaceCommand = { guildId: g, at: START + DAY, steps: [{ id, body: trade(BOB, 5) }] };
    // The holder's uncommitted row of that id: both deliveries insert behind it and wait.
    const outcomes = await race([command, command], (client) =>
      client.query(
        `INSERT INTO platform_events (id, guild_id, type, payload_hash, sparks, received_at)
         VALUES ($1, $2, 'trade', 'held', 0, 0)`,
        [id, g],
      ),
    );
    expect(outcomes.map((o) => (o.steps[0] as { status: string }).status).sort()).toEqual([
      'applied',
      'duplicate',
    ]);
  });
});
