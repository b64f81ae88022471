import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase, startPostgres } from '../testkit/postgres.ts';

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function refuses(url: string): Promise<boolean> {
  try {
    await query(url, 'SELECT 1');
    return false;
  } catch {
    return true;
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the test PostgreSQL server', () => {
  it('is PostgreSQL 18 on loopback, and gives each caller a database of its own', async () => {
    const a = await freshDatabase();
    const b = await freshDatabase();
    try {
      expect(a.name).not.toBe(b.name);
      const [row] = await query<{ version: string; addr: string; listen: string; db: string }>(
        a.url,
        `SELECT current_setting('server_version') AS version, host(inet_server_addr()) AS addr,
                current_setting('listen_addresses') AS listen, current_database() AS db`,
      );
      expect(row).toMatchObject({ addr: '127.0.0.1', listen: '127.0.0.1', db: a.name });
      expect(row!.version).toMatch(/^18\./);
      await query(a.url, 'CREATE TABLE only_here (x int)');
      expect(await query(b.url, `SELECT to_regclass('only_here') AS t`)).toEqual([{ t: null }]);
    } finally {
      await a.drop();
      await b.drop();
    }
    const names = await query<{ datname: string }>(
      a.url.replace(`/${a.name}`, '/postgres'),
      'SELECT datname FROM pg_database',
    );
    expect(names.map((n) => n.datname)).not.toContain(a.name);
  });

  it('refuses a wrong password', async () => {
    const db = await freshDatabase();
    try {
      const u = new URL(db.url);
      u.password = 'wrong';
      await expect(query(u.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await db.drop();
    }
  });

  it('stop() shuts the server down and removes its data folder', async () => {
    const server = await startPostgres();
    expect(existsSync(join(server.dataDir, 'PG_VERSION'))).toBe(true);
    expect(await refuses(server.url)).toBe(false);
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
    expect(await refuses(server.url)).toBe(true);
    await server.stop();
  });

  it('goes away by itself when the process that started it is SIGKILLed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-child.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const started = await new Promise<{ url: string; dataDir: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
        });
        child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
      expect(await refuses(started.url)).toBe(false);
      child.kill('SIGKILL');
      await exited;
      await until(async () => (await refuses(started.url)) && !existsSync(started.dataDir), 15_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
