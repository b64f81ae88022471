/**
 * The campaign grant path without Discord: CampaignService's group commit (grants queued
 * for members who have no account yet, applied up to 500 per durable transaction) against
 * the same rows written by raw set-based SQL on the same schema, 500 per transaction — the
 * cheapest way this schema (its triggers and indexes) can take them on this machine.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditQueue } from '../src/audit.ts';
import { CampaignService } from '../src/campaigns/campaigns.ts';
import { openDatabase, type Db } from '../src/db/open.ts';
import {
  BATCH_DERIVED_ORDER,
  BATCH_DERIVED_SQL,
  BATCH_GATE_OFF,
  BATCH_GATE_ON,
} from '../src/db/ledger-triggers.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { silentLogger } from '../src/log.ts';
import { G } from './ledger.ts';
import { summary, type Row } from './lib.ts';

const CHANNEL = '300000000000000001';
const MODERATOR = '100000000000000001';
/** Members with no account: a campaign that brings new people in is the costly case. */
export const newMemberId = (run: number, i: number) =>
  `2${String(run).padStart(3, '0')}${String(i).padStart(14, '0')}`;

export function tempCopy(from?: string): { db: Db; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-burst-'));
  const file = join(dir, 'burst.db');
  if (from) copyFileSync(from, file);
  const db = openDatabase(file);
  return { db, dispose: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** Grants/s of CampaignService applying `n` queued reactions (group commit, durable). */
export function campaignBurst(db: Db, run: number, n: number): number {
  const ledger = new Ledger({ db });
  const campaigns = new CampaignService({
    db,
    ledger,
    audit: new AuditQueue(),
    clock: Date.now,
    logger: silentLogger,
  });
  const row = campaigns.start({
    guildId: G,
    channelId: CHANNEL,
    messageId: String(400000000000000000n + BigInt(run)),
    emoji: '🔥',
    sparks: 10,
    defaultName: 'bench',
    moderatorId: MODERATOR,
  });
  const active = campaigns.match(row.messageId, row.emojiKey)!;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) campaigns.enqueueGrant(active, newMemberId(run, i), Date.now());
  campaigns.flush();
  const ms = performance.now() - t0;
  if (campaigns.stats.granted !== n) throw new Error(`granted ${campaigns.stats.granted} of ${n}`);
  return (n * 1000) / ms;
}

/**
 * Grants/s of raw SQL writing the same accounts, entries, claims and counters, 500 per
 * commit. `batch` (the default, what the ledger does): the entries go in with the batch
 * gate up and the derived state (balances, lifetime, rollups, histograms) is applied by
 * the same set-based statements `LedgerStore.insertTransfers` runs; `rows`: the gate stays
 * down and the triggers do it row by row, as every batch did before migration 0017.
 */
function raw(db: Db, run: number, n: number, mode: 'batch' | 'rows' = 'batch'): number {
  const s = db.sqlite;
  const now = Date.now();
  const campaignId = Number(
    db.write(() =>
      s
        .prepare(
          `INSERT INTO campaigns (guild_id, channel_id, message_id, emoji_key, emoji_display, name, sparks, revoke_on_unreact, created_by, created_at)
           VALUES (?, ?, ?, '🔥', '🔥', ?, 10, 0, ?, ?)`,
        )
        .run(G, CHANNEL, String(500000000000000000n + BigInt(run)), `raw ${run}`, MODERATOR, now),
    ).lastInsertRowid,
  );
  const issuance = new Ledger({ db, clock: () => now }).openAccounts([
    { guildId: G, type: 'issuance', ref: 'campaign' },
  ])[0]!.id;
  const accounts = s.prepare(
    `INSERT INTO accounts (guild_id, type, ref, created_at) SELECT ?, 'member', value, ? FROM json_each(?) WHERE true
     ON CONFLICT DO NOTHING`,
  );
  const transfers = s.prepare(
    `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, reason, ref, created_at)
     SELECT @g, 'campaign.grant', @from, a.id, 10, @prefix || j.value, 'campaign', @actor, 'raw', @ref, @now
     FROM json_each(@users) j CROSS JOIN accounts a WHERE a.guild_id = @g AND a.type = 'member' AND a.ref = j.value
     ORDER BY j.key`,
  );
  const claims = s.prepare(
    `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at)
     SELECT @c, j.value, t.id, @now FROM json_each(@users) j CROSS JOIN transfers t
     WHERE t.guild_id = @g AND t.idempotency_key = @prefix || j.value`,
  );
  const counters = s.prepare(`UPDATE campaigns SET claims = claims + ?, granted = granted + ? WHERE id = ?`);
  const lastId = s.prepare<[], { m: number }>(`SELECT COALESCE(MAX(id), 0) AS m FROM transfers`);
  const gateOn = s.prepare(BATCH_GATE_ON);
  const gateOff = s.prepare(BATCH_GATE_OFF);
  const clear = BATCH_DERIVED_SQL.clear.map((q) => s.prepare(q));
  const derived = BATCH_DERIVED_ORDER.map((name) => s.prepare(BATCH_DERIVED_SQL[name]));
  const t0 = performance.now();
  for (let from = 0; from < n; from += 500) {
    const users = JSON.stringify(
      Array.from({ length: Math.min(500, n - from) }, (_, k) => newMemberId(run, from + k)),
    );
    const size = Math.min(500, n - from);
    const at = Date.now();
    db.write(() => {
      accounts.run(G, at, users);
      const p = {
        g: G,
        from: issuance,
        prefix: `campaign:${campaignId}:`,
        actor: String(campaignId),
        ref: `campaign:${campaignId}`,
        now: at,
        users,
        c: campaignId,
      };
      if (mode === 'batch') {
        gateOn.run();
        const lo = lastId.get()!.m + 1;
        transfers.run(p);
        const ids = { lo, hi: lastId.get()!.m };
        for (const q of clear) q.run();
        for (const q of derived) q.run(ids);
        gateOff.run();
      } else transfers.run(p);
      claims.run({ c: campaignId, users, g: G, prefix: p.prefix, now: at });
      counters.run(size, size * 10, campaignId);
    });
  }
  return (n * 1000) / (performance.now() - t0);
}

/**
 * Both, alternating, `runs` times, each on a fresh database (or a copy of `base`); returns
 * the service's rate against the raw rate of the same run.
 */
export function grantCore(runs: number, n: number, base?: string): { rows: Row[]; raw: number } {
  const ours: number[] = [];
  const rawRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const which of ['raw', 'ours'] as const) {
      const { db, dispose } = tempCopy(base);
      try {
        if (which === 'raw') rawRates.push(raw(db, 100 + r, n));
        else ours.push(campaignBurst(db, r, n));
      } finally {
        dispose();
      }
    }
  }
  const o = summary(ours);
  const b = summary(rawRates).median;
  return {
    raw: b,
    rows: [
      {
        figure: `campaign grants, group commit in-process (${n.toLocaleString('en-US')} new members)`,
        ...o,
        unit: 'grants/s',
        baseline: b,
        ratio: o.median / b,
        target: 'info',
        pass: null,
        note: 'baseline: raw set-based SQL, same schema, 500 per durable transaction',
      },
    ],
  };
}

/**
 * Raw set-based SQL grants/s on a copy of `file` (the e2e burst's database), median of
 * `runs`: the burst's baseline (`batch`), and the same with the derived state row by row
 * (`rows`, the schema's cost per grant before migration 0017), alternating on one copy.
 */
export function rawAtScale(file: string, runs: number, n: number): { batch: number; rows: number } {
  const { db, dispose } = tempCopy(file);
  try {
    const batch: number[] = [];
    const rows: number[] = [];
    for (let r = 0; r < runs; r++) {
      rows.push(raw(db, 900 + 2 * r, n, 'rows'));
      batch.push(raw(db, 901 + 2 * r, n, 'batch'));
    }
    return { batch: summary(batch).median, rows: summary(rows).median };
  } finally {
    dispose();
  }
}
