import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER } from '../../src/db/open.ts';

import { openDatabase } from '../../src/db/open.ts';
import { deployCommands } from '../../src/discord/deploy.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { FakeDiscord, Permissions, text } from '../fake-discord/index.ts';

const root = join(import.meta.dirname, '../..');
const MIGRATIONS = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('SHARD_COUNT=2', () => {
  it('runs one process per shard on one database: each guild served by its shard, once-only work on shard 0', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.stop());
    const dir = mkdtempSync(join(tmpdir(), 'sparks-shards-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const guilds = [0, 1].map((shard) => {
      const g = fake.createGuild({ name: `Guild ${shard}`, shard: [shard, 2] });
      const channel = fake.createChannel(g.id, { name: 'general' });
      const modRole = fake.createRole(g.id, {
        name: 'Mods',
        permissions: Permissions.ManageGuild,
        position: 5,
      });
      const mod = fake.addMember(g.id, { username: `mod${shard}`, roles: [modRole.id] }).userId;
      const member = fake.addMember(g.id, { username: `member${shard}` }).userId;
      return { id: g.id, channel: channel.id, mod, member };
    });
    for (const g of guilds)
      await deployCommands({
        token: fake.token,
        clientId: fake.applicationId,
        guildId: g.id,
        apiUrl: fake.apiBase,
      });
    const file = join(dir, 'sparks.db');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: fake.token,
        DISCORD_CLIENT_ID: fake.applicationId,
        DISCORD_API_URL: fake.apiBase,
        DATABASE_PATH: file,
        SHARD_COUNT: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await expect.poll(() => out, { timeout: 30_000 }).toContain('all shards ready');
    // Each shard's own "ready" line comes down its stdout pipe, which may trail the
    // manager's (on a busy machine): wait for both.
    await expect
      .poll(() => out.split('\n').filter((l) => l.includes('Sparks is ready')).length, { timeout: 30_000 })
      .toBe(2);
    const ready = out
      .split('\n')
      .filter((l) => l.includes('Sparks is ready'))
      .map((l) => JSON.parse(l) as { shards: number[]; primary: boolean; guilds: number });
    expect(ready.map((r) => [r.shards, r.primary, r.guilds]).sort()).toEqual([
      [[0], true, 1],
      [[1], false, 1],
    ]);
    // Both processes write to the one file; each award lands exactly once.
    for (const g of guilds) {
      for (let i = 0; i < 2; i++) {
        const reply = await fake
          .slash({
            guildId: g.id,
            channelId: g.channel,
            userId: g.mod,
            command: 'sparks-admin',
            subcommand: 'award',
            options: { member: g.member, amount: 10 + i, reason: 'shard test' },
          })
          .reply({ timeoutMs: 10_000 });
        expect(text(reply)).toContain('received');
      }
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const db = openDatabase(file);
    const ledger = new Ledger(db);
    expect(guilds.map((g) => ledger.standing(g.id, g.member).balance)).toEqual([21, 21]);
    expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM transfers').get()).toEqual({ n: 4 });
    expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM __drizzle_migrations').get()).toEqual({
      n: MIGRATIONS,
    });
    db.close();
  });
});
