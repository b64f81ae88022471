/**
 * The peer, discord-economy-super 1.7.7, doing the bench's work in its own process (its
 * timers cannot keep the bench alive, and its memory is its own). JSON storage, as its
 * docs describe, with the update check (a request to the npm registry) and the storage
 * watcher (a timer re-reading the file every second) turned off; everything else default.
 *
 *   node --import tsx bench/peer/child.mts adds <users> <segment> <dir>
 *   node --import tsx bench/peer/child.mts leaderboard <users> <samples> <dir>
 *
 * Prints one JSON line: adds → { segments: [ms per `segment` adds, …] };
 * leaderboard → { ms: [ms per read, …] }.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Economy {
  on(event: 'ready', fn: () => void): void;
  balance: {
    add(amount: number, memberID: string, guildID: string, reason?: string): number;
    leaderboard(guildID: string): { index: number; userID: string; money: number }[];
  };
}
type EconomyClass = new (options: Record<string, unknown>) => Economy;

const GUILD = '900000000000000001';
const user = (i: number) => `1${String(i).padStart(17, '0')}`;

const [mode, countArg, perArg, dir] = process.argv.slice(2);
const count = Number(countArg);
const per = Number(perArg);
const storagePath = join(dir!, 'storage.json');

const require = createRequire(import.meta.url);
const Economy = require('./node_modules/discord-economy-super') as EconomyClass;

function open(): Promise<Economy> {
  const eco = new Economy({
    storagePath,
    checkStorage: false,
    updater: { checkUpdates: false, upToDateMessage: false },
    errorHandler: { handleErrors: false },
  });
  return new Promise((resolve) => eco.on('ready', () => resolve(eco)));
}

if (mode === 'adds') {
  writeFileSync(storagePath, '{}');
  const eco = await open();
  const segments: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < count; i++) {
    eco.balance.add(10, user(i), GUILD, 'campaign');
    if ((i + 1) % per === 0) {
      const t = performance.now();
      segments.push(t - t0);
      t0 = t;
    }
  }
  console.log(JSON.stringify({ segments }));
} else if (mode === 'leaderboard') {
  // The shape the module writes for a user (its default user schema) with a balance.
  const members: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    members[user(i)] = {
      dailyCooldown: null,
      workCooldown: null,
      weeklyCooldown: null,
      monthlyCooldown: null,
      hourlyCooldown: null,
      money: 1 + ((i * 7919) % 100_000),
      bank: 0,
      inventory: [],
      history: [],
    };
  }
  // Opened on an empty file, then filled: at start the module builds an object per stored
  // user and each one re-reads the whole file (2,000 users take over a minute to start),
  // while `leaderboard` reads the file afresh on every call anyway.
  writeFileSync(storagePath, '{}');
  const eco = await open();
  writeFileSync(storagePath, JSON.stringify({ [GUILD]: members }));
  const ms: number[] = [];
  for (let i = 0; i < per; i++) {
    const t0 = performance.now();
    const top = eco.balance.leaderboard(GUILD).slice(0, 10);
    ms.push(performance.now() - t0);
    if (top.length !== 10) throw new Error('the peer returned no leaderboard');
  }
  console.log(JSON.stringify({ ms }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
