/**
 * `db:copy` (src/ops/db-copy.ts) from a SQLite file with a realistic history (members, awards,
 * revokes, a reversal, holds, shop redemptions, an ended and a running season, a campaign) to
 * a real PostgreSQL database: everything arrives equal, the ledger verifies, the triggers are
 * back on and a new grant after the copy takes the next id; a non-empty target, a source that
 * is not a Sparks database at this schema, a failure halfway and bad arguments each change
 * nothing on the target.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { CampaignService } from '../../src/campaigns/campaigns.ts';
import { openDatabase } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/pg/open.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { ISSUANCE, Ledger, MEMBER } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { NO_FLAGS } from '../../src/members/flags.ts';
import {
  copyDatabase,
  DbCopyError,
  formatCopy,
  parseCopyArgs,
  USAGE,
  type CopyResult,
} from '../../src/ops/db-copy.ts';
import { ROOT } from '../../src/paths.ts';
import { SeasonService, type SeasonPorts } from '../../src/seasons/seasons.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { award, fakeClock, G, MOD } from '../helpers/db.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'sparks-db-copy-'));
const SOURCE = join(dir, 'history.db');
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function target(): Promise<TestDatabase> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return db;
}

const user = (i: number) => String(500000000000000000n + BigInt(i));

/** A guild's history through the services, on a SQLite file, over about three months. */
async function buildHistory(path: string): Promise<void> {
  const db = openDatabase(path);
  const clock = fakeClock(Date.UTC(2026, 7, 3, 12));
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  for (let i = 0; i < 40; i++)
    award(ledger, user(i), 50 + i * 7, `welcome:${i}`, `welcome "${i}"\ttab\\slash`);
  clock.advance(9 * DAY);

  // A season that ran and ended (its board and results stay), then one still running.
  const seasons = new SeasonService({ db, ledger, clock, audit, flags: NO_FLAGS });
  const ports: SeasonPorts = {
    standings: {
      standings: (_g, ids) => Promise.resolve(new Map(ids.map((id) => [id, 'present' as const]))),
    },
    roles: { grant: () => Promise.resolve({ ok: true }), holds: () => Promise.resolve(false) },
  };
  const first = seasons.start({ guildId: G, name: 'Summer', ends: '14d', moderatorId: MOD.id });
  seasons.prize({ guildId: G, season: 'Summer', rankFrom: 1, rankTo: 1, sparks: 100, moderatorId: MOD.id });
  let n = 0;
  const trade = (i: number, amount: number) => {
    clock.advance(3_600_000);
    ledger.post({
      guildId: G,
      kind: 'platform.trade',
      from: ISSUANCE('platform'),
      to: MEMBER(user(i)),
      amount,
      key: `trade:${++n}`,
      actor: { type: 'platform', id: 'p' },
      reason: 'línea\nnueva ✨',
    });
  };
  for (let i = 0; i < 30; i++) trade(i % 12, 10 + i);
  clock.advance(15 * DAY);
  expect((await seasons.finish(first.id, ports)).state).toBe('ended');
  seasons.start({ guildId: G, name: 'Autumn', ends: '60d', moderatorId: MOD.id });
  for (let i = 0; i < 20; i++) trade(i % 7, 5 + i);

  // Revokes, a reversal, holds posted and voided, a member who left the boards.
  ledger.revoke({ guildId: G, userId: user(3), amount: 20, key: 'revoke:3', actor: MOD, reason: 'spam' });
  const mistaken = award(ledger, user(4), 99, 'oops:4');
  ledger.reverse(mistaken.transfer.id, { key: 'undo:4', actor: MOD, reason: 'mistake' });
  const h1 = ledger.hold({ guildId: G, userId: user(5), amount: 30, key: 'hold:5', actor: MOD });
  ledger.closeHold(h1.transfer.id, 'post', { key: 'post:5', actor: MOD });
  const h2 = ledger.hold({ guildId: G, userId: user(6), amount: 25, key: 'hold:6', actor: MOD });
  ledger.closeHold(h2.transfer.id, 'void', { key: 'void:6', actor: MOD });
  ledger.hold({ guildId: G, userId: user(7), amount: 15, key: 'hold:7', actor: MOD });
  ledger.setRanked(G, user(8), false);

  // The shop: a badge, a role granted, a role Discord refused (refunded).
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit });
  const badge = rewards.add(G, MOD.id, { name: 'Early bird', cost: 40, kind: 'badge' });
  const role = rewards.add(G, MOD.id, { name: 'VIP', cost: 60, kind: 'role', roleId: '300000000000000002' });
  let k = 0;
  const reserve = (i: number, rewardId: number) =>
    redemptions.reserve({
      guildId: G,
      userId: user(i),
      rewardId,
      confirmedCost: rewards.get(rewardId)!.cost,
      key: `confirm:${++k}`,
      memberRoleIds: [],
    });
  reserve(10, badge.id);
  const granted = reserve(11, role.id);
  await redemptions.fulfil(
    granted.redemption,
    { grant: () => Promise.resolve({ ok: true }), holds: () => Promise.resolve(true) },
    { notified: true },
  );
  const refused = reserve(12, role.id);
  await redemptions.fulfil(
    refused.redemption,
    {
      grant: () => Promise.resolve({ ok: false, reason: 'bot_missing_permission', permanent: true }),
      holds: () => Promise.resolve(false),
    },
    { notified: true },
  );

  // A reaction campaign: a burst of grants, then ended (its budget returned).
  clock.advance(20 * DAY);
  const campaigns = new CampaignService({ db, ledger, audit, clock, logger: silentLogger });
  const campaign = campaigns.start({
    guildId: G,
    channelId: '300000000000000001',
    messageId: '400000000000000001',
    emoji: '🔥',
    sparks: 10,
    budget: 1000,
    defaultName: '#general 🔥',
    moderatorId: MOD.id,
  });
  const active = campaigns.match(campaign.messageId, campaign.emojiKey)!;
  for (let i = 0; i < 25; i++) campaigns.enqueueGrant(active, user(i), clock());
  await campaigns.idle();
  campaigns.end(campaign.id, 'moderator', MOD.id);
  campaigns.close();
  expect(verifyLedger(db.sqlite).ok).toBe(true);
  db.close();
}

beforeAll(async () => {
  await buildHistory(SOURCE);
}, 60_000);

/** A copy of the source to change for one test. */
function sourceCopy(name: string, change?: (sqlite: Database.Database) => void): string {
  const path = join(dir, name);
  copyFileSync(SOURCE, path);
  if (change) {
    const sqlite = new Database(path);
    change(sqlite);
    sqlite.close();
  }
  return path;
}

async function onTarget<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every table of the target's schema that holds a row. */
const nonEmpty = (url: string) =>
  onTarget(url, async (c) => {
    const { rows } = await c.query<{ relname: string }>(
      `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    );
    const full: string[] = [];
    for (const { relname } of rows)
      if ((await c.query(`SELECT 1 FROM "${relname}" LIMIT 1`)).rowCount) full.push(relname);
    return full;
  });

/** The user triggers that are not enabled (none, once a copy committed or rolled back). */
const disabledTriggers = (url: string) =>
  onTarget(url, async (c) => {
    const { rows } = await c.query<{ tgname: string }>(
      `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`,
    );
    return rows.map((r) => r.tgname);
  });

/** Every index of the target's schema, with its definition. */
const indexes = (url: string) =>
  onTarget(url, async (c) =>
    (
      await c.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
      )
    ).rows.map((r) => r.indexdef),
  );

async function refusal(fn: () => Promise<unknown>): Promise<DbCopyError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof DbCopyError) return e;
    throw e;
  }
  throw new Error('expected the copy to be refused');
}

const asText = (v: unknown): string | null =>
  v === null
    ? null
    : typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint'
      ? String(v)
      : JSON.stringify(v);

/** Rows of a table on both sides, in key order, every value as text (or null). */
function sourceRows(path: string, sql: string): unknown[][] {
  const sqlite = new Database(path, { readonly: true });
  try {
    return (sqlite.prepare(sql).raw(true).safeIntegers(true).all() as unknown[][]).map((r) => r.map(asText));
  } finally {
    sqlite.close();
  }
}
const targetRows = (url: string, sql: string) =>
  onTarget(url, async (c) =>
    (await c.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => r.map(asText)),
  );

describe('db:copy from SQLite to PostgreSQL', () => {
  let copied: TestDatabase;
  let result: CopyResult;

  beforeAll(async () => {
    copied = await target();
    result = await copyDatabase({ from: SOURCE, to: copied.url });
    if (process.env.SHOW_COPY) console.log(formatCopy(result));
  }, 120_000);

  it('copies every table both have, entries and balances identical, and verifies clean', async () => {
    expect(result.ok).toBe(true);
    expect(result.verify.report.checks.filter((c) => !c.ok)).toEqual([]);
    const names = result.tables.map((t) => t.table);
    for (const t of [
      'accounts',
      'transfers',
      'earn_periods',
      'rank_counts',
      'seasons',
      'redemptions',
      'campaigns',
    ])
      expect(names).toContain(t);
    // Parents first: the journal after the accounts it names, redemptions after the journal.
    expect(names.indexOf('accounts')).toBeLessThan(names.indexOf('transfers'));
    expect(names.indexOf('transfers')).toBeLessThan(names.indexOf('redemptions'));
    expect(result.skipped.map((s) => s.table)).toEqual(
      expect.arrayContaining(['__drizzle_migrations', 'batch_gate']),
    );
    expect(names).not.toContain('batch_gate');
    for (const t of result.tables) {
      const cols = t.columns.map((c) => `"${c}"`).join(', ');
      const order = `ORDER BY ${cols}`;
      expect(await targetRows(copied.url, `SELECT ${cols} FROM "${t.table}" ${order}`), t.table).toEqual(
        sourceRows(SOURCE, `SELECT ${cols} FROM "${t.table}" ${order}`),
      );
    }
    const balances = `SELECT id, type, ref, balance, lifetime_earned, ranked FROM accounts ORDER BY id`;
    expect(await targetRows(copied.url, balances)).toEqual(sourceRows(SOURCE, balances));
    const entries = sourceRows(SOURCE, 'SELECT COUNT(*) FROM transfers')[0]![0];
    expect(result.tables.find((t) => t.table === 'transfers')!.rows).toBe(Number(entries));
    // The ended season's board survived (the triggers would only have counted a running one).
    expect(
      await targetRows(copied.url, `SELECT COUNT(*) FROM earn_periods WHERE period = 's:1'`),
    ).not.toEqual([['0']]);
    expect(await disabledTriggers(copied.url)).toEqual([]);
    // Every table that received rows was analyzed in the copy: the planner knows its size.
    const analyzed = await targetRows(
      copied.url,
      `SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL ORDER BY relname`,
    );
    expect(analyzed.map((r) => r[0]).sort()).toEqual(
      result.tables
        .filter((t) => t.rows > 0)
        .map((t) => t.table)
        .sort(),
    );
    // The indexes dropped for the load are all back, as the migrations made them.
    const fresh = await target();
    await (await openPostgres(fresh.url)).close();
    expect(await indexes(copied.url)).toEqual(await indexes(fresh.url));
  });

  it('runs verifyLedger on PostgreSQL, or says why not and checks the source', () => {
    if (result.verify.on === 'postgres') {
      expect(result.verify.note).toBeUndefined();
    } else {
      expect(result.verify.note).toMatch(
        /cannot run on PostgreSQL yet: (this release has no PostgreSQL table|relation ".+" does not exist)/,
      );
    }
    expect(result.verify.report.ok).toBe(true);
    expect(result.verify.report.stats.transfers).toBe(
      result.tables.find((t) => t.table === 'transfers')!.rows,
    );
  });

  it('sets the sequences past the copied ids: a new grant and a new member after the copy work', () => {
    const db = openPgSync(copied.url, { migrate: false });
    try {
      const [{ max }] = db.query<{ max: number }>('SELECT MAX(id) AS max FROM transfers') as [
        { max: number },
      ];
      const before = db.query<{ balance: number }>(
        `SELECT balance FROM accounts WHERE type = 'member' AND ref = $1`,
        [user(1)],
      )[0]!.balance;
      const ledger = new Ledger({ db, clock: () => Date.UTC(2026, 10, 30) });
      const grant = award(ledger, user(1), 77, 'after-copy');
      expect(grant.transfer.id).toBe(max + 1);
      expect(ledger.reads.standing(G, user(1)).balance).toBe(Number(before) + 77);
      const newcomer = award(ledger, user(999), 5, 'newcomer');
      expect(newcomer.transfer.id).toBe(max + 2);
      expect(ledger.reads.standing(G, user(999)).balance).toBe(5);
      expect(verifyLedger(db).ok).toBe(true);
    } catch (e) {
      // verifyLedger cannot run on PostgreSQL until every table it reads has landed there.
      if ((e as { code?: string }).code !== '42P01') throw e;
    } finally {
      db.close();
    }
  });

  it('refuses a target that holds rows, changing nothing', async () => {
    const before = await targetRows(copied.url, 'SELECT COUNT(*), SUM(amount) FROM transfers');
    const e = await refusal(() => copyDatabase({ from: SOURCE, to: copied.url }));
    expect(e.kind).toBe('target');
    expect(e.message).toMatch(/not empty \(rows in .*transfers.*\).*Nothing was changed/);
    expect(await targetRows(copied.url, 'SELECT COUNT(*), SUM(amount) FROM transfers')).toEqual(before);
  });
});

describe('db:copy leaves the target empty when it fails halfway', () => {
  it('a step that throws after the journal was copied rolls everything back', async () => {
    const db = await target();
    const seen: string[] = [];
    await expect(
      copyDatabase({
        from: SOURCE,
        to: db.url,
        afterTable: (t) => {
          seen.push(t);
          if (t === 'transfers') throw new Error('the disk went away');
        },
      }),
    ).rejects.toThrow('the disk went away');
    expect(seen).toContain('accounts');
    expect(await nonEmpty(db.url)).toEqual([]);
    expect(await disabledTriggers(db.url)).toEqual([]);
    expect(await indexes(db.url)).toContain(
      'CREATE UNIQUE INDEX transfers_idempotency ON public.transfers USING btree (guild_id, idempotency_key)',
    );
    // The migrated, empty target then takes the copy.
    const again = await copyDatabase({ from: SOURCE, to: db.url });
    expect(again.ok).toBe(true);
  }, 60_000);

  it('a row PostgreSQL refuses, in a table copied late, rolls everything back', async () => {
    const bad = sourceCopy('bad-row.db', (s) =>
      s.exec(`UPDATE redemptions SET input = 'a' || char(0) || 'b' WHERE id = 1`),
    );
    const db = await target();
    await expect(copyDatabase({ from: bad, to: db.url })).rejects.toThrow(/0x00|null character/i);
    expect(await nonEmpty(db.url)).toEqual([]);
    expect(await disabledTriggers(db.url)).toEqual([]);
  }, 60_000);
});

describe('db:copy refuses a source it cannot carry whole', () => {
  it('a file that is not SQLite, a SQLite file that is not Sparks, a missing file', async () => {
    const db = await target();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, just some text that is long enough'.repeat(20));
    expect((await refusal(() => copyDatabase({ from: text, to: db.url }))).message).toMatch(
      /is not a SQLite database/,
    );
    const other = join(dir, 'other.db');
    const sqlite = new Database(other);
    sqlite.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
    sqlite.close();
    const e = await refusal(() => copyDatabase({ from: other, to: db.url }));
    expect(e.kind).toBe('source');
    expect(e.message).toMatch(/is not a Sparks database/);
    expect((await refusal(() => copyDatabase({ from: join(dir, 'nope.db'), to: db.url }))).message).toMatch(
      /no file at/,
    );
    expect(await nonEmpty(db.url)).toEqual([]);
  });

  it('a schema older or newer than this build', async () => {
    const db = await target();
    const older = sourceCopy('older.db', (s) =>
      s.exec(
        'DELETE FROM "__drizzle_migrations" WHERE created_at = (SELECT MAX(created_at) FROM "__drizzle_migrations")',
      ),
    );
    expect((await refusal(() => copyDatabase({ from: older, to: db.url }))).message).toMatch(
      /older schema .* start this release on it once/,
    );
    const newer = sourceCopy('newer.db', (s) =>
      s.exec(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES ('future', 99999999999999)`),
    );
    expect((await refusal(() => copyDatabase({ from: newer, to: db.url }))).message).toMatch(
      /newer schema \(99999999999999\)/,
    );
    expect(await nonEmpty(db.url)).toEqual([]);
  });

  it('rows in a table PostgreSQL lacks: refused, or left behind and listed when asked to', async () => {
    const extra = sourceCopy('extra.db', (s) => {
      s.exec(`CREATE TABLE operator_notes (id INTEGER PRIMARY KEY, note TEXT)`);
      s.exec(`INSERT INTO operator_notes (note) VALUES ('remember the milk')`);
    });
    const db = await target();
    const e = await refusal(() => copyDatabase({ from: extra, to: db.url }));
    expect(e.message).toMatch(/operator_notes \(1\).*--skip-missing-tables/);
    expect(await nonEmpty(db.url)).toEqual([]);
    const copied = await copyDatabase({ from: extra, to: db.url, skipMissingTables: true });
    expect(copied.ok).toBe(true);
    expect(copied.skipped).toContainEqual({ table: 'operator_notes', rows: 1, why: 'no PostgreSQL table' });
  }, 60_000);
});

describe('db:copy arguments', () => {
  it('parses --from and --to, and refuses anything else with the usage', () => {
    expect(parseCopyArgs(['--from', 'a.db', '--to', 'postgres://u@h/d'])).toEqual({
      from: 'a.db',
      to: 'postgres://u@h/d',
      skipMissingTables: false,
    });
    expect(parseCopyArgs(['--to=postgresql://h/d', '--from=a.db', '--skip-missing-tables'])).toMatchObject({
      from: 'a.db',
      skipMissingTables: true,
    });
    const bad = (argv: string[]) => {
      try {
        parseCopyArgs(argv);
      } catch (e) {
        if (e instanceof DbCopyError && e.kind === 'usage') return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(bad([])).toMatch(/both --from and --to are required/);
    expect(bad(['--from', 'a.db'])).toMatch(/missing --to/);
    expect(bad(['--from', '--to', 'postgres://h/d'])).toMatch(/--from needs a value/);
    expect(bad(['--from', 'a.db', '--to', 'mysql://h/d'])).toMatch(/--to must be a postgres:\/\/ URL/);
    expect(bad(['--from', 'a.db', '--to', 'postgres://h/d', '--force'])).toMatch(
      /unknown argument "--force"/,
    );
    expect(bad(['--from', 'a', '--from', 'b', '--to', 'postgres://h/d'])).toMatch(/given twice/);
    for (const argv of [[], ['--from', 'a.db']]) expect(bad(argv)).toContain(USAGE);
  });

  it('the script prints the usage and exits 2 without touching anything', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/scripts/db-copy.ts'), '--from'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(USAGE);
  });
});
