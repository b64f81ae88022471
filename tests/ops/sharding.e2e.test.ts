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

  it('two shard processes run each campaign once: one reconciliation after a restart, one grant per member', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.stop());
    const dir = mkdtempSync(join(tmpdir(), 'sparks-shards-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sparks.db');
    const guilds = [0, 1].map((shard) => {
      const g = fake.createGuild({ name: `Guild ${shard}`, shard: [shard, 2] });
      const channel = fake.createChannel(g.id, { name: 'general' });
      const modRole = fake.createRole(g.id, {
        name: 'Mods',
        permissions: Permissions.ManageGuild,
        position: 5,
      });
      const mod = fake.addMember(g.id, { username: `mod${shard}`, roles: [modRole.id] }).userId;
      const members = [0, 1, 2].map((i) => fake.addMember(g.id, { username: `m${shard}-${i}` }).userId);
      const message = fake.postMessage(channel.id, {
        authorId: mod,
        content: 'React to earn!',
        silent: true,
      });
      return { id: g.id, channel: channel.id, mod, members, message };
    });
    for (const g of guilds)
      await deployCommands({
        token: fake.token,
        clientId: fake.applicationId,
        guildId: g.id,
        apiUrl: fake.apiBase,
      });
    const env = {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: fake.token,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiBase,
      DATABASE_PATH: file,
      SHARD_COUNT: '2',
    };
    const run = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const state = { out: '' };
      child.stdout.on('data', (d: Buffer) => (state.out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (state.out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      cleanups.push(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      return { child, state, exited };
    };
    const lines = (out: string, msg: string) =>
      out
        .split('\n')
        .filter((l) => l.includes(`"msg":"${msg}"`))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    const first = run();
    await expect.poll(() => first.state.out, { timeout: 30_000 }).toContain('all shards ready');
    for (const g of guilds) {
      const reply = await fake
        .slash({
          guildId: g.id,
          channelId: g.channel,
          userId: g.mod,
          command: 'sparks-admin',
          subcommandGroup: 'campaign',
          subcommand: 'start',
          options: { message: g.message, emoji: '🔥', sparks: 10 },
        })
        .final({ timeoutMs: 10_000 });
      expect(JSON.stringify(reply)).toContain('🔥');
    }
    // Live: one reaction per guild, and an exact duplicate of the first.
    const live = fake.addReaction({
      channelId: guilds[0]!.channel,
      messageId: guilds[0]!.message,
      userId: guilds[0]!.members[0]!,
      emoji: '🔥',
    });
    fake.replayDispatch(live);
    fake.addReaction({
      channelId: guilds[1]!.channel,
      messageId: guilds[1]!.message,
      userId: guilds[1]!.members[0]!,
      emoji: '🔥',
    });
    const granted = () => {
      const db = openDatabase(file);
      try {
        return (
          db.sqlite.prepare(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'campaign.grant'`).get() as {
            n: number;
          }
        ).n;
      } finally {
        db.close();
      }
    };
    await expect.poll(granted, { timeout: 10_000 }).toBe(2);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Offline: two more members react in each guild.
    for (const g of guilds) {
      for (const m of g.members.slice(1))
        fake.addReaction({
          channelId: g.channel,
          messageId: g.message,
          userId: m,
          emoji: '🔥',
          silent: true,
        });
    }
    const second = run();
    await expect.poll(() => second.state.out, { timeout: 30_000 }).toContain('all shards ready');
    await expect
      .poll(() => lines(second.state.out, 'campaign reconciled').length, { timeout: 15_000 })
      .toBe(2);
    const reconciled = lines(second.state.out, 'campaign reconciled')
      .map((l) => l.campaignId)
      .sort();
    expect(reconciled).toEqual([1, 2]);
    await expect.poll(granted, { timeout: 10_000 }).toBe(6);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const db = openDatabase(file);
    const ledger = new Ledger(db);
    for (const g of guilds)
      expect(g.members.map((m) => ledger.standing(g.id, m).balance)).toEqual([10, 10, 10]);
    db.close();
  });
});
