import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.ts';
import { exportLedgerCsv } from '../../src/moderation/export.ts';
import { fakeClock, freshDb, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const fresh = engineDbs();

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** A file database (SQLite: the export reads it on a connection of its own) or PostgreSQL, and a folder. */
function ledgerWith(engine: Engine, reasons: string[]) {
  let env: { db: Ledger['db']; dir: string };
  if (engine === 'sqlite') {
    const db = freshDb({ file: true });
    cleanup = db.cleanup;
    env = { db, dir: db.dir! };
  } else {
    const pg = fresh(engine);
    const dir = mkdtempSync(join(tmpdir(), 'sparks-export-'));
    cleanup = () => {
      pg.cleanup();
      rmSync(dir, { recursive: true, force: true });
    };
    env = { db: pg.db, dir };
  }
  const { db } = env;
  const ledger = new Ledger({ db, clock: fakeClock() });
  reasons.forEach((reason, i) =>
    ledger.credit({
      guildId: G,
      userId: `u${i % 7}`,
      source: 'award',
      kind: 'award',
      amount: 1 + i,
      key: `k${i}`,
      actor: MOD,
      reason,
    }),
  );
  ledger.credit({
    guildId: 'other',
    userId: 'x',
    source: 'award',
    kind: 'award',
    amount: 1,
    key: 'o',
    actor: MOD,
  });
  return env;
}

describe.each(ENGINES)('ledger export on %s', (engine) => {
  it('streams one row per entry of the guild, quoting commas, quotes and newlines', async () => {
    const db = ledgerWith(engine, ['plain', 'a, b', 'say "hi"', 'two\nlines', 'all, "of"\nthem']);
    const result = await exportLedgerCsv(db.db, G, {
      dir: db.dir,
      limitBytes: 1 << 20,
      now: Date.UTC(2026, 10, 24),
    });
    expect(result).toMatchObject({
      ok: true,
      rows: 5,
      gzipped: false,
      name: `sparks-ledger-${G}-2026-11-24.csv`,
    });
    if (!result.ok) return;
    const rows = parse<Record<string, string>>(readFileSync(result.path), { columns: true });
    expect(rows.map((r) => r.reason)).toEqual(['plain', 'a, b', 'say "hi"', 'two\nlines', 'all, "of"\nthem']);
    expect(rows[0]).toMatchObject({
      kind: 'award',
      from_account: 'issuance:award',
      to_account: 'member:u0',
      member_id: 'u0',
      actor: `moderator:${MOD.id}`,
    });
  });

  it('keeps a reason that looks like a spreadsheet formula from running', async () => {
    const db = ledgerWith(engine, ['=HYPERLINK("http://x")', '+1', '@SUM(A1)', '-2']);
    const result = await exportLedgerCsv(db.db, G, { dir: db.dir, limitBytes: 1 << 20, now: 1 });
    if (!result.ok) throw new Error('expected a file');
    const rows = parse<Record<string, string>>(readFileSync(result.path), { columns: true });
    expect(rows.map((r) => r.reason)).toEqual([`'=HYPERLINK("http://x")`, `'+1`, `'@SUM(A1)`, `'-2`]);
  });

  it('gzips a file over the size limit, and says when even that is too large', async () => {
    const db = ledgerWith(
      engine,
      Array.from({ length: 300 }, (_, i) => `reason number ${i} `.repeat(5)),
    );
    const gz = await exportLedgerCsv(db.db, G, { dir: db.dir, limitBytes: 20_000, now: 1 });
    expect(gz).toMatchObject({ ok: true, gzipped: true, rows: 300 });
    if (!gz.ok) return;
    expect(gz.name).toMatch(/\.csv\.gz$/);
    const rows = parse<unknown>(gunzipSync(readFileSync(gz.path)), { columns: true });
    expect(rows).toHaveLength(300);
    expect(await exportLedgerCsv(db.db, G, { dir: db.dir, limitBytes: 500, now: 1 })).toMatchObject({
      ok: false,
      rows: 300,
    });
  });
});
