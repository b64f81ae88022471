/**
 * Ledger figures: the durable write path, duplicate rejection, and reads at scale, each
 * against raw better-sqlite3 SQL on the same production schema in the same run.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER, openDatabase, type Db } from '../src/db/open.ts';
import { Ledger, type AccountRow } from '../src/ledger/ledger.ts';
import { DAY_MS } from '../src/core/clock.ts';
import { loadConfig } from '../src/config.ts';
import { LedgerRollup } from '../src/moderation/ledger-rollup.ts';
import { SettingsService } from '../src/settings/settings.ts';
import { StreakService } from '../src/streaks/streaks.ts';
import {
  latencies,
  median,
  opsPerSecond,
  p99Row,
  percentile,
  ratioRow,
  rng,
  summary,
  type Row,
} from './lib.ts';

export const G = '900000000000000001';

/** Snowflake-like member ids as exact strings (1e17 + i as a double would round to multiples of 16). */
export const memberId = (i: number) => `1${String(i).padStart(17, '0')}`;
const ACTOR = { type: 'system' as const, id: 'bench' };

function tempDb(): { db: Db; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-bench-'));
  const db = openDatabase(join(dir, 'bench.db'));
  return { db, dispose: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** The award issuance account and members u0..u999, as both writers start from. */
function openGrantAccounts(ledger: Ledger) {
  return ledger.openAccounts([
    { guildId: G, type: 'issuance', ref: 'award' },
    ...Array.from({ length: 1000 }, (_, i) => ({ guildId: G, type: 'member' as const, ref: `u${i}` })),
  ]);
}

/** Raw baseline: the same entry through one prepared INSERT in BEGIN IMMEDIATE (triggers keep balances). */
function rawWriter(db: Db) {
  const [issuance, ...members] = openGrantAccounts(new Ledger({ db })) as [AccountRow, ...AccountRow[]];
  const insert = db.sqlite.prepare(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, reason, created_at)
     VALUES (?, 'award', ?, ?, ?, ?, 'system', 'bench', '', ?)`,
  );
  const onConflict = db.sqlite.prepare(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, reason, created_at)
     VALUES (?, 'award', ?, ?, ?, ?, 'system', 'bench', '', ?) ON CONFLICT (guild_id, idempotency_key) DO NOTHING`,
  );
  const tx = db.sqlite.transaction((i: number, key: string) => {
    insert.run(G, issuance.id, members[i % 1000]!.id, 1 + (i % 50), key, Date.now());
  });
  return {
    grant: (i: number, key: string) => tx.immediate(i, key),
    duplicate: (i: number, key: string) =>
      onConflict.run(G, issuance.id, members[i % 1000]!.id, 1 + (i % 50), key, Date.now()),
  };
}

/**
 * Ours against raw, one grant each in turn: every round opens both databases side by side
 * and alternates single grants between them (which goes first flips every grant), so the
 * disk's drift — fsync times here move by ±30 % within a minute — falls on both alike.
 * (Whole runs in alternating pairs still put one side's run on a slower minute: pair
 * ratios spread from 0.73 to 1.12.) Each round gives one ratio; the row shows their median.
 */
export function writePath(rounds: number, grants: number): Row[] {
  const ours: number[] = [];
  const raw: number[] = [];
  const oursLat: number[] = [];
  const rawLat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const rawDb = tempDb();
    const ourDb = tempDb();
    const w = rawWriter(rawDb.db);
    const ledger = new Ledger({ db: ourDb.db });
    // The same starting point as the raw writer: the issuance and member accounts exist.
    openGrantAccounts(ledger);
    const ourGrant = (i: number) =>
      ledger.credit({
        guildId: G,
        userId: `u${i % 1000}`,
        source: 'award',
        kind: 'award',
        amount: 1 + (i % 50),
        key: `k-${r}-${i}`,
        actor: ACTOR,
      });
    const rawGrant = (i: number) => w.grant(i, `raw-${r}-${i}`);
    const o = new Array<number>(grants);
    const b = new Array<number>(grants);
    const timed = (fn: (i: number) => unknown, i: number) => {
      const t0 = performance.now();
      fn(i);
      return performance.now() - t0;
    };
    for (let i = 0; i < grants; i++) {
      if ((i + r) % 2 === 0) {
        b[i] = timed(rawGrant, i);
        o[i] = timed(ourGrant, i);
      } else {
        o[i] = timed(ourGrant, i);
        b[i] = timed(rawGrant, i);
      }
    }
    ours.push((grants * 1000) / o.reduce((a, x) => a + x, 0));
    raw.push((grants * 1000) / b.reduce((a, x) => a + x, 0));
    oursLat.push(percentile(o, 99));
    rawLat.push(percentile(b, 99));
    rawDb.dispose();
    ourDb.dispose();
  }
  const ol = summary(oursLat);
  return [
    {
      ...ratioRow('ledger grant, 1 per durable tx', ours, raw, 'grants/s', 0.85, true),
      note: `ratio: median of ${rounds} rounds (${ours.map((x, k) => (x / raw[k]!).toFixed(2)).join(' ')}), each alternating single grants between ours and raw`,
    },
    {
      figure: 'ledger grant p99 latency',
      ...ol,
      unit: 'ms',
      baseline: summary(rawLat).median,
      ratio: summary(rawLat).median / ol.median,
      target: 'info',
      pass: null,
    },
  ];
}

export function duplicates(runs: number, n: number): Row[] {
  const ours: number[] = [];
  const raw: number[] = [];
  const { db, dispose } = tempDb();
  const ledger = new Ledger({ db });
  const w = rawWriter(db);
  for (let i = 0; i < 1000; i++) {
    ledger.credit({
      guildId: G,
      userId: `u${i}`,
      source: 'award',
      kind: 'award',
      amount: 1 + (i % 50),
      key: `dup-${i}`,
      actor: ACTOR,
    });
  }
  for (let r = 0; r < runs; r++) {
    raw.push(
      opsPerSecond(n, () => {
        for (let i = 0; i < n; i++) w.duplicate(i % 1000, `dup-${i % 1000}`);
      }),
    );
    ours.push(
      opsPerSecond(n, () => {
        for (let i = 0; i < n; i++) {
          const k = i % 1000;
          ledger.credit({
            guildId: G,
            userId: `u${k}`,
            source: 'award',
            kind: 'award',
            amount: 1 + (k % 50),
            key: `dup-${k}`,
            actor: ACTOR,
          });
        }
      }),
    );
  }
  dispose();
  return [ratioRow('duplicate rejection (replays)', ours, raw, 'ops/s', 0.8)];
}

/**
 * A guild with `members` members and `entries` entries over 90 days, generated
 * deterministically and cached in bench/.cache so repeated runs skip the generation. The
 * cache key names the schema (its newest migration and that file's hash), so a new migration makes a new file.
 * Entries go in through the production triggers (balances, rollups, rank counts), 10,000
 * per statement.
 */
export function scaleDatabase(members: number, entries: number, now: number): string {
  const dir = join(import.meta.dirname, '.cache');
  mkdirSync(dir, { recursive: true });
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const schema = `${migrations.length}-${migrations.at(-1)!.hash.slice(0, 8)}`;
  const file = join(dir, `scale-v4-m${schema}-${members}-${entries}-${now}.db`);
  if (existsSync(file)) return file;
  const tmp = `${file}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const db = openDatabase(tmp);
  db.sqlite.pragma('synchronous = OFF');
  const random = rng(42);
  const start = now - 90 * DAY_MS;
  const ledger = new Ledger({ db, clock: () => start });
  const issuance = ledger.openAccounts([{ guildId: G, type: 'issuance', ref: 'campaign' }])[0]!;
  const ids = ledger
    .openAccounts(
      Array.from({ length: members }, (_, i) => ({ guildId: G, type: 'member' as const, ref: memberId(i) })),
    )
    .map((a) => a.id);
  const insert = db.sqlite.prepare(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, reason, created_at)
     SELECT ?, 'campaign.grant', ?, j.value ->> 0, j.value ->> 1, 'gen-' || (j.value ->> 3), 'campaign', 'bench', '', j.value ->> 2
     FROM json_each(?) j WHERE true ORDER BY j.key`,
  );
  for (let from = 0; from < entries; from += 10_000) {
    const rows: [number, number, number, number][] = [];
    for (let i = from; i < Math.min(entries, from + 10_000); i++) {
      // Skewed activity: a few members earn a lot, most a little, like a real community.
      const member = ids[Math.floor(members * random() ** 2)]!;
      const at = start + Math.floor((i / entries) * 90 * DAY_MS);
      rows.push([member, 1 + Math.floor(random() * 200), at, i]);
    }
    db.write(() => insert.run(G, issuance.id, JSON.stringify(rows)));
  }
  // A bot that has run a while has its journal folds caught up (the analytics rollup, the
  // streaks): fold the generated history now, once, so the bot the bench starts measures
  // steady state, not a first catch-up of a million entries on its event loop.
  const clock = () => now;
  const folds = performance.now();
  const rollup = new LedgerRollup({ db, clock }).catchUp();
  const settings = new SettingsService({ db, defaults: loadConfig({}).earnDefaults, clock });
  const streaks = new StreakService({ db, ledger: new Ledger({ db, clock }), settings, clock }).catchUp();
  console.error(
    `  folds caught up: rollup ${rollup.folded.toLocaleString('en-US')} entries, streaks ${streaks.folded.toLocaleString('en-US')} (${streaks.paid} milestones), ${((performance.now() - folds) / 1000).toFixed(1)} s`,
  );
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(tmp, file);
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  return file;
}

export function readsAtScale(
  file: string,
  now: number,
  rounds: number,
  samples: number,
): { rows: Row[]; top10Ms: number } {
  const db = openDatabase(file);
  const ledger = new Ledger({ db, clock: () => now });
  const random = rng(7);
  const members = (
    db.sqlite.prepare(`SELECT COUNT(*) AS n FROM accounts WHERE type = 'member'`).get() as { n: number }
  ).n;
  const rawTop = db.sqlite.prepare(
    `SELECT ref, balance FROM accounts WHERE guild_id = ? AND type = 'member' AND ranked = 1 AND balance > 0 ORDER BY balance DESC, id LIMIT 10`,
  );
  const pick = () => memberId(Math.floor(random() * members));
  const queries: [string, () => unknown, number][] = [
    ['balance + rank of one member', () => ledger.reads.standing(G, pick()), 1],
    ['leaderboard all-time top-10', () => ledger.reads.leaderboard(G, 'all'), 1],
    ['leaderboard all-time page 500', () => ledger.reads.leaderboard(G, 'all', { offset: 4990 }), 1],
    [
      'leaderboard week top-10 + own rank',
      () => (ledger.reads.leaderboard(G, 'week'), ledger.reads.rankOf(G, pick(), 'week')),
      5,
    ],
    [
      'leaderboard month top-10 + own rank',
      () => (ledger.reads.leaderboard(G, 'month'), ledger.reads.rankOf(G, pick(), 'month')),
      5,
    ],
  ];
  // Rounds interleave the queries (each round times every query in turn), so a noisy
  // moment on the machine lands in one round of each rather than in all of one query.
  const lat = queries.map(() => [] as number[][]);
  const rawP99: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 200; i++) rawTop.all(G); // warm the page cache and the JIT
    rawP99.push(
      percentile(
        latencies(samples, () => rawTop.all(G)),
        99,
      ),
    );
    queries.forEach(([, fn], q) => {
      for (let i = 0; i < 200; i++) fn();
      lat[q]!.push(latencies(samples, () => fn()));
    });
  }
  db.close();
  const raw = median(rawP99);
  return {
    top10Ms: percentile(lat[1]!.flat(), 50),
    rows: queries.map(([figure, , target], q) =>
      p99Row(
        `${figure} (p99)`,
        lat[q]!,
        raw,
        target,
        `p99 ≤ ${target} ms`,
        `median (min–max) of the p99 of ${rounds} rounds of ${samples}; p50 ${percentile(lat[q]!.flat(), 50).toFixed(3)} ms; baseline: raw SQL top-10 p99`,
      ),
    ),
  };
}
