import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER } from '../../src/db/open.ts';

import { applyMigrations, openDatabase, SchemaTooNewError } from '../../src/db/open.ts';
import { formatReport, verifyLedger } from '../../src/db/verify.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { fakeClock, freshDb, G, MOD } from '../helpers/db.ts';

const MIGRATIONS = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A file database with a few members, a campaign-free history, a posted and an open hold. */
function populated() {
  const db = freshDb({ file: true });
  cleanups.push(db.cleanup);
  const ledger = new Ledger({ db, clock: fakeClock() });
  for (const [i, u] of ['alice', 'bob', 'carol'].entries()) {
    ledger.credit({
      guildId: G,
      userId: u,
      source: 'award',
      kind: 'award',
      amount: 100 * (i + 1),
      key: `a${i}`,
      actor: MOD,
    });
  }
  const h1 = ledger.hold({ guildId: G, userId: 'alice', amount: 40, key: 'h1', actor: MOD });
  ledger.closeHold(h1.transfer.id, 'post', { key: 'p1', actor: MOD });
  ledger.hold({ guildId: G, userId: 'bob', amount: 50, key: 'h2', actor: MOD });
  ledger.revoke({ guildId: G, userId: 'carol', amount: 10, key: 'r1', actor: MOD });
  return { db, ledger, file: join(db.dir!, 'sparks.db') };
}

function runVerify(file: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/verify.ts', '--db', file], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '../..'),
  });
}

describe('the database guards the ledger', () => {
  it('opens with WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const { db } = populated();
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(db.sqlite.pragma('cache_size', { simple: true })).toBe(-4000); // 4 MB, not better-sqlite3's 16
  });

  it('refuses a raw UPDATE or DELETE of a ledger entry', () => {
    const { db, ledger } = populated();
    expect(() => db.sqlite.prepare('UPDATE transfers SET amount = amount + 1 WHERE id = 1').run()).toThrow(
      /SPARKS.APPEND_ONLY/,
    );
    expect(() => db.sqlite.prepare('DELETE FROM transfers WHERE id = 1').run()).toThrow(/SPARKS.APPEND_ONLY/);
    expect(ledger.reads.standing(G, 'alice').balance).toBe(60);
  });

  it('refuses a raw entry that would take a member below zero', () => {
    const { db, ledger } = populated();
    const alice = ledger.reads.account(G, { type: 'member', ref: 'alice' })!;
    const issuance = ledger.reads.account(G, { type: 'issuance', ref: 'award' })!;
    expect(() =>
      db.sqlite
        .prepare(
          `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, created_at)
           VALUES (?, 'revoke', ?, ?, 1000, 'raw', 'system', 'x', 1)`,
        )
        .run(G, alice.id, issuance.id),
    ).toThrow(/accounts_balance_range/);
  });

  it('refuses a duplicate idempotency key and a second close of the same entry', () => {
    const { db } = populated();
    const insert = (key: string, closes: number | null, kind = 'award') =>
      db.sqlite
        .prepare(
          `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, closes_id, actor_type, actor_id, created_at)
           VALUES (?, ?, 1, 2, 1, ?, ?, 'system', 'x', 1)`,
        )
        .run(G, kind, key, closes);
    expect(() => insert('a0', null)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert('rev-x', 1, 'reversal')).toThrow(/SPARKS.BAD_CLOSE/);
  });

  it('two processes starting on a fresh file migrate it exactly once', async () => {
    const db = freshDb({ file: true });
    cleanups.push(db.cleanup);
    const file = join(db.dir!, 'second.db');
    const script = `import('./src/db/open.ts').then(m => { m.openDatabase(${JSON.stringify(file)}).close(); })`;
    const cwd = join(import.meta.dirname, '../..');
    const { spawn } = await import('node:child_process');
    const runs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<number>((resolve) => {
            const p = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd, stdio: 'ignore' });
            p.on('exit', (code) => resolve(code ?? -1));
          }),
      ),
    );
    expect(runs).toEqual([0, 0, 0]);
    const check = openDatabase(file);
    const applied = check.sqlite.prepare('SELECT COUNT(*) AS n FROM __drizzle_migrations').get() as {
      n: number;
    };
    check.close();
    expect(applied.n).toBe(MIGRATIONS);
  });

  it('refuses to start against a database migrated by a newer release', () => {
    const db = freshDb({ file: true });
    cleanups.push(db.cleanup);
    db.sqlite
      .prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)')
      .run('future', 9_999_999_999_999);
    expect(() => applyMigrations(db.sqlite)).toThrow(SchemaTooNewError);
  });
});

describe('verify', () => {
  it('reports a clean ledger populated through the app, and `npm run verify` exits 0', () => {
    const { db, file } = populated();
    const report = verifyLedger(db.sqlite);
    expect(report.ok).toBe(true);
    expect(report.stats).toMatchObject({ guilds: 1, transfers: 7, openHolds: 1 });
    const run = runVerify(file);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('CLEAN');
  });

  const tampering: [string, string, RegExp][] = [
    [
      'a balance edited by hand',
      `UPDATE accounts SET balance = balance + 500 WHERE type = 'member' AND ref = 'bob'`,
      /member:bob .* shows 650, entries give 150/,
    ],
    [
      'a lifetime earned edited by hand',
      `UPDATE accounts SET lifetime_earned = lifetime_earned + 7 WHERE type = 'member' AND ref = 'bob'`,
      /member bob in guild .* shows lifetime \d+, entries give \d+/,
    ],
    [
      'an entry rewritten with the triggers dropped',
      `DROP TRIGGER transfers_no_update; UPDATE transfers SET amount = 999 WHERE idempotency_key = 'a0'`,
      /trigger transfers_no_update is missing[\s\S]*member:alice .* shows 60, entries give 959/,
    ],
    [
      'an entry deleted with the triggers dropped',
      `DROP TRIGGER transfers_no_delete; DELETE FROM transfers WHERE idempotency_key = 'r1'`,
      /trigger transfers_no_delete is missing[\s\S]*member:carol .* shows 290, entries give 300/,
    ],
    [
      'a float amount smuggled past the constraints',
      `PRAGMA ignore_check_constraints = 1; DROP TRIGGER transfers_no_update; UPDATE transfers SET amount = 10.5 WHERE idempotency_key = 'r1'`,
      /entry #\d+ has amount 10.5 \(real\)/,
    ],
    [
      'a hold closed behind the ledger’s back',
      `DROP TRIGGER transfers_close_mirrors; DROP TRIGGER transfers_apply;
       INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, closes_id, actor_type, actor_id, created_at)
       SELECT guild_id, 'hold.void', credit_account_id, debit_account_id, 49, 'evil', id, 'system', 'x', 1 FROM transfers WHERE idempotency_key = 'h2'`,
      /hold.void #\d+ does not properly close/,
    ],
  ];

  it.each(tampering)('names %s, and `npm run verify` exits non-zero', (_label, sql, expected) => {
    const { db, file } = populated();
    db.sqlite.exec(sql);
    const report = verifyLedger(db.sqlite);
    expect(report.ok).toBe(false);
    expect(formatReport(report)).toMatch(expected);
    db.close();
    const run = runVerify(file);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('VIOLATIONS FOUND');
    expect(run.stdout).toMatch(expected);
  });

  it('exits 2 with one line when there is no database', () => {
    const run = runVerify('/nonexistent/sparks.db');
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
