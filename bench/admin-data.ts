/**
 * The admin dashboard's data reads at scale (SPEC §8: a page in 50 ms at 100,000 members
 * and 1,000,000 entries): the ledger explorer's filtered pages and the analytics series,
 * timed on a generated guild whose journal mixes every source like a real one. Run alone:
 * `npx tsx bench/admin-data.ts` (the database is cached in bench/.cache).
 *
 * The journal is written straight into the tables (triggers dropped on this throwaway
 * file, earn_periods rebuilt from the entries afterwards): what is measured is the read
 * path, which sees the same tables and indexes as production.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { DAY_MS } from '../src/core/clock.ts';
import { MIGRATIONS_FOLDER, openDatabase } from '../src/db/open.ts';
import { AdminAnalytics } from '../src/moderation/analytics.ts';
import { LedgerRollup } from '../src/moderation/ledger-rollup.ts';
import { LedgerExplorer, type ExplorerQuery } from '../src/moderation/ledger-explorer.ts';
import { percentile, rng } from './lib.ts';

const G = '900000000000000001';
const memberId = (i: number) => `1${String(i).padStart(17, '0')}`;

/** Kinds with their share of the journal, and the system account they move against. */
const MIX: [kind: string, share: number, other: 'campaign' | 'award' | 'platform' | 'hold' | 'redeemed'][] = [
  ['campaign.grant', 0.6, 'campaign'],
  ['award', 0.05, 'award'],
  ['revoke', 0.005, 'award'],
  ['platform.trade', 0.2, 'platform'],
  ['platform.referral', 0.04, 'platform'],
  ['platform.subscription', 0.01, 'platform'],
  ['hold', 0.05, 'hold'],
  ['hold.post', 0.045, 'redeemed'],
];

export function adminScaleDatabase(members: number, entries: number, now: number): string {
  const dir = join(import.meta.dirname, '.cache');
  mkdirSync(dir, { recursive: true });
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  // The schema in the key (its newest migration and that file's hash), as scaleDatabase's.
  const schema = `${migrations.length}-${migrations.at(-1)!.hash.slice(0, 8)}`;
  const file = join(dir, `admin-v2-m${schema}-${members}-${entries}-${now}.db`);
  if (existsSync(file)) return file;
  const tmp = `${file}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const db = openDatabase(tmp);
  const s = db.sqlite;
  s.pragma('synchronous = OFF');
  s.pragma('foreign_keys = OFF');
  for (const { name } of s.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as {
    name: string;
  }[])
    s.exec(`DROP TRIGGER "${name}"`);
  const random = rng(42);
  const start = now - 90 * DAY_MS;
  const account = s.prepare(
    `INSERT INTO accounts (guild_id, type, ref, created_at) VALUES (@g, @type, @ref, @at) RETURNING id`,
  );
  const open = (type: string, ref: string) =>
    (account.get({ g: G, type, ref, at: start }) as { id: number }).id;
  const system = {
    campaign: open('issuance', 'campaign'),
    award: open('issuance', 'award'),
    platform: open('issuance', 'platform'),
    hold: open('hold', 'shop'),
    redeemed: open('redeemed', 'shop'),
  };
  const ids: number[] = [];
  s.transaction(() => {
    for (let i = 0; i < members; i++) ids.push(open('member', memberId(i)));
  })();
  const insert = s.prepare(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, reason, ref, created_at)
     SELECT @g, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, 'gen-' || j.key || '-' || @batch,
            j.value ->> 4, j.value ->> 5, '', j.value ->> 6, j.value ->> 7
     FROM json_each(@rows) j WHERE true ORDER BY j.key`,
  );
  const cumulative: number[] = [];
  MIX.reduce((sum, [, share]) => (cumulative.push(sum + share), sum + share), 0);
  for (let from = 0, batch = 0; from < entries; from += 10_000, batch++) {
    const rows: unknown[] = [];
    for (let i = from; i < Math.min(entries, from + 10_000); i++) {
      const member = ids[Math.floor(members * random() ** 2)]!;
      const r = random() * cumulative.at(-1)!;
      const [kind, , other] = MIX[cumulative.findIndex((c) => r < c)]!;
      const sys = system[other];
      const outOfMember = kind === 'revoke' || kind === 'hold';
      const campaignId = 1 + Math.floor(random() * 200);
      rows.push([
        kind,
        outOfMember ? member : kind === 'hold.post' ? system.hold : sys,
        outOfMember ? sys : kind === 'hold.post' ? system.redeemed : member,
        1 + Math.floor(random() * 200),
        kind.startsWith('campaign') ? 'campaign' : kind.startsWith('platform') ? 'platform' : 'moderator',
        kind.startsWith('campaign') ? String(campaignId) : 'bench',
        kind.startsWith('campaign') ? `campaign:${campaignId}` : null,
        start + Math.floor((i / entries) * 90 * DAY_MS),
      ]);
    }
    s.transaction(() => insert.run({ g: G, batch, rows: JSON.stringify(rows) }))();
  }
  // The weekly and monthly rollups the triggers would have kept.
  s.exec(`INSERT INTO earn_periods (guild_id, period, account_id, earned, ranked)
    SELECT guild_id, period, account_id, SUM(amount), 1 FROM (
      SELECT t.guild_id, 'w:' || strftime('%G-%V', t.created_at / 1000, 'unixepoch') AS period, t.credit_account_id AS account_id, t.amount
      FROM transfers t JOIN accounts a ON a.id = t.debit_account_id AND a.type IN ('issuance','campaign')
      UNION ALL
      SELECT t.guild_id, 'm:' || strftime('%Y-%m', t.created_at / 1000, 'unixepoch'), t.credit_account_id, t.amount
      FROM transfers t JOIN accounts a ON a.id = t.debit_account_id AND a.type IN ('issuance','campaign')
    ) GROUP BY guild_id, period, account_id`);
  const campaign = s.prepare(
    `INSERT INTO campaigns (guild_id, channel_id, message_id, emoji_key, emoji_display, name, sparks, status, claims, granted, created_by, created_at)
     VALUES (@g, '1', @m, '🔥', '🔥', @name, 10, 'ended', @claims, @claims * 10, '1', @at)`,
  );
  const reward = s.prepare(
    `INSERT INTO rewards (guild_id, name, name_key, cost, kind, created_by, created_at, updated_at)
     VALUES (@g, @name, lower(@name), 100, 'manual', '1', @at, @at) RETURNING id`,
  );
  const redemption = s.prepare(
    `INSERT INTO redemptions (guild_id, user_id, reward_id, cost, hold_transfer_id, status, idempotency_key, created_at, updated_at)
     VALUES (@g, @u, @r, 100, 1, 'fulfilled', @key, @at, @at)`,
  );
  const referral = s.prepare(
    `INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at) VALUES (@g, @i, @r, @e, @at)`,
  );
  s.transaction(() => {
    for (let c = 1; c <= 200; c++)
      campaign.run({ g: G, m: String(1e17 + c), name: `Campaign ${c}`, claims: 1000 + c * 17, at: start });
    const rewards = Array.from(
      { length: 12 },
      (_, i) => (reward.get({ g: G, name: `Reward ${i}`, at: start }) as { id: number }).id,
    );
    for (let i = 0; i < 50_000; i++)
      redemption.run({
        g: G,
        u: memberId(Math.floor(random() * members)),
        r: rewards[Math.floor(rewards.length * random() ** 2)]!,
        key: `r${i}`,
        at: start + Math.floor((i / 50_000) * 90 * DAY_MS),
      });
    for (let i = 0; i < 20_000; i++)
      referral.run({ g: G, i: memberId(members - 1 - i), r: memberId(i % 3000), e: `e${i}`, at: start });
  })();
  s.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(tmp, file);
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  return file;
}

function time(label: string, samples: number, fn: () => unknown): void {
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) fn();
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  console.log(
    `${label.padEnd(58)} median ${percentile(ms, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(ms, 99).toFixed(2).padStart(7)} ms`,
  );
}

/** The dashboard database's "now": its 90 days of journal end here. */
export const ADMIN_NOW = Date.UTC(2026, 4, 1);

if (process.argv[1]?.endsWith('admin-data.ts')) {
  const now = ADMIN_NOW;
  const file = adminScaleDatabase(100_000, 1_000_000, now);
  const db = openDatabase(file);
  const explorer = new LedgerExplorer({ db });
  const rollup = new LedgerRollup({ db, clock: () => now });
  const t0 = performance.now();
  const { folded } = rollup.catchUp();
  console.log(`ledger rollup: folded ${folded} entries in ${(performance.now() - t0).toFixed(0)} ms`);
  const analytics = new AdminAnalytics({ db, clock: () => now, rollup });
  const heavy = memberId(0);
  const day = (d: number) => now - d * DAY_MS;
  const open: ExplorerQuery = { userId: null, kind: null, source: null, from: null, to: null };
  const page = (q: Partial<ExplorerQuery>) => () => explorer.page(G, { ...open, ...q });
  time('explorer: newest 50, no filter', 50, page({}));
  time('explorer: member (heaviest earner)', 50, page({ userId: heavy }));
  time('explorer: member + kind award', 50, page({ userId: heavy, kind: 'award' }));
  time('explorer: member + last 7 days', 50, page({ userId: heavy, from: day(7) }));
  time('explorer: kind campaign.grant (common)', 50, page({ kind: 'campaign.grant' }));
  time('explorer: kind revoke (rare)', 20, page({ kind: 'revoke' }));
  time('explorer: kind without entries (a full walk)', 5, page({ kind: 'campaign.return' }));
  time('explorer: source shop', 20, page({ source: 'shop' }));
  time('explorer: last 7 days', 20, page({ from: day(7) }));
  time('explorer: one day 60 days ago', 20, page({ from: day(60), to: day(59) }));
  time('analytics: issued by source vs spent, 30 days', 10, () => analytics.flows(G));
  time('analytics: active earners per day, 30 days', 10, () => analytics.activeEarnersDaily(G));
  time('analytics: active earners per week, 8 weeks', 10, () => analytics.activeEarnersWeekly(G));
  time('analytics: redemptions by reward', 10, () => analytics.redemptionsByReward(G));
  time('analytics: claims per campaign', 10, () => analytics.campaignParticipation(G));
  time('analytics: referral funnel', 10, () => analytics.referralFunnel(G));
  time('analytics: catch up when caught up', 50, () => analytics.catchUp());
  db.close();
}
