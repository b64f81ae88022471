import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { backupDatabase, backupFileName, pruneBackups, verifyCopy } from '../../src/ops/backup.ts';
import { Ledger } from '../../src/ledger/ledger.ts';

const root = join(import.meta.dirname, '../..');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A child process that posts grants to `file` until `stop` appears. */
function writer(file: string, stop: string) {
  const code = `
    import('./src/db/open.ts').then(async ({ openDatabase }) => {
      const { Ledger } = await import('./src/ledger/ledger.ts');
      const fs = await import('node:fs');
      const db = openDatabase(${JSON.stringify(file)});
      const ledger = new Ledger({ db });
      let i = 0;
      while (!fs.existsSync(${JSON.stringify(stop)})) {
        ledger.credit({ guildId: 'g', userId: 'u' + (i % 50), source: 'award', kind: 'award', amount: 1 + (i % 9), key: 'w' + i, actor: { type: 'system', id: 'w' } });
        if (i % 10 === 0) { const h = ledger.hold({ guildId: 'g', userId: 'u' + (i % 50), amount: 1, key: 'h' + i, actor: { type: 'system', id: 'w' } }); if (i % 20 === 0) ledger.closeHold(h.transfer.id, 'void', { key: 'v' + i, actor: { type: 'system', id: 'w' } }); }
        i++;
        if (i % 25 === 0) await new Promise((r) => setImmediate(r));
      }
      db.close();
      console.log(i);
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise<number>((resolve) => child.on('exit', () => resolve(Number(out.trim()))));
}

describe('backups', () => {
  it('copies the live database under write load from another process, consistent and verified', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparks-backup-'));
    const file = join(dir, 'live.db');
    const db = openDatabase(file);
    const ledger = new Ledger({ db });
    for (let i = 0; i < 3000; i++) {
      ledger.credit({
        guildId: 'g',
        userId: `seed${i % 300}`,
        source: 'award',
        kind: 'award',
        amount: 5,
        key: `s${i}`,
        actor: { type: 'system', id: 's' },
      });
    }
    const stop = join(dir, 'stop');
    const writing = writer(file, stop);
    const count = () => (db.sqlite.prepare('SELECT COUNT(*) AS n FROM transfers').get() as { n: number }).n;
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(3100);
    const copies = [];
    for (let n = 0; n < 3; n++) {
      const before = count();
      copies.push(await backupDatabase(db.sqlite, join(dir, `copy${n}.db`)));
      await expect.poll(count, { timeout: 5000 }).toBeGreaterThan(before + 20);
    }
    writeFileSync(stop, '');
    const written = await writing;
    expect(written).toBeGreaterThan(0);
    for (const c of copies) {
      expect(c.report.ok).toBe(true);
      expect(c.report.stats.transfers).toBeGreaterThanOrEqual(3000);
    }
    // The writer kept going during the copies: the later copies hold more of its entries.
    expect(copies[2]!.report.stats.transfers).toBeGreaterThan(copies[0]!.report.stats.transfers);
    await expect(backupDatabase(db.sqlite, join(dir, 'copy0.db'))).rejects.toThrow(/already exists/);
    db.close();
  });

  it('names backups by time and keeps only the newest N', () => {
    dir = mkdtempSync(join(tmpdir(), 'sparks-backup-'));
    const t0 = Date.UTC(2026, 10, 1, 3, 0, 0);
    for (let d = 0; d < 5; d++) writeFileSync(join(dir, backupFileName(t0 + d * 86_400_000)), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(backupFileName(t0)).toBe('sparks-20261101-030000.db');
    expect(pruneBackups(dir, 2)).toEqual([
      'sparks-20261103-030000.db',
      'sparks-20261102-030000.db',
      'sparks-20261101-030000.db',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'notes.txt',
      'sparks-20261104-030000.db',
      'sparks-20261105-030000.db',
    ]);
  });

  it('npm run backup and npm run restore: a verified copy, and restore refuses a database in use', () => {
    dir = mkdtempSync(join(tmpdir(), 'sparks-backup-'));
    const live = join(dir, 'sparks.db');
    const db = openDatabase(live);
    new Ledger({ db }).credit({
      guildId: 'g',
      userId: 'u',
      source: 'award',
      kind: 'award',
      amount: 42,
      key: 'k',
      actor: { type: 'system', id: 's' },
    });
    const env = { ...process.env, DATABASE_PATH: live };
    const run = (script: string, ...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', `src/scripts/${script}.ts`, ...args], {
        cwd: root,
        env,
        encoding: 'utf8',
      });
    const backup = run('backup', join(dir, 'b.db'));
    expect(backup.status).toBe(0);
    expect(backup.stdout).toMatch(/integrity and ledger verified \(1 entries\)/);
    expect(verifyCopy(join(dir, 'b.db')).ok).toBe(true);
    const busy = run('restore', join(dir, 'b.db'));
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/in use; stop the bot first/);
    db.close();
    const restored = run('restore', join(dir, 'b.db'));
    expect(restored.status).toBe(0);
    expect(readdirSync(dir).some((f) => f.startsWith('sparks.db.before-restore-'))).toBe(true);
    const back = openDatabase(live);
    expect(new Ledger({ db: back }).reads.standing('g', 'u').balance).toBe(42);
    back.close();
    expect(existsSync(join(dir, 'b.db'))).toBe(true);
  });
});
