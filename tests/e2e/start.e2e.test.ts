import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployCommands } from '../../src/discord/deploy.ts';
import { FakeDiscord } from '../../testkit/fake-discord/index.ts';
import { decodePng } from '../helpers/members.ts';
import { builtBotForFile, cleanupAfterEach, spawnBot } from '../helpers/processes.ts';

const cleanups = cleanupAfterEach();
const build = builtBotForFile();

interface Run {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

/** `npm start`'s command (node on the built dist/index.js) with exactly the given environment. */
function start(env: Record<string, string>): Run {
  const bot = spawnBot(build().args, { PATH: process.env.PATH ?? '', ...env }, cleanups);
  return { code: bot.exited, stdout: bot.stdout, stderr: bot.stderr, kill: (s) => bot.child.kill(s) };
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sparks.db');
}

describe('npm start', () => {
  it('runs one ASCII-only bundle, so V8 keeps its source one byte per character', () => {
    // A single non-ASCII character (a Korean word in a regex literal) doubled the 4 MB
    // source held in the heap; strings are escaped by esbuild, regex literals are not.
    for (const file of ['index.js', 'worker.js', 'writer-worker.js']) {
      const bytes = readFileSync(join(dirname(build().entry), file));
      expect(bytes.length).toBeGreaterThan(file === 'index.js' ? 1_000_000 : 1_000);
      expect([file, bytes.findIndex((b) => b > 0x7f)]).toEqual([file, -1]);
    }
  });

  it('without DISCORD_TOKEN prints one line naming it and exits 1', async () => {
    const run = start({ DISCORD_CLIENT_ID: '100000000000000001', DATABASE_PATH: tempDb() });
    expect(await run.code).toBe(1);
    expect(run.stderr().trim()).toBe(
      'Configuration error: DISCORD_TOKEN is required but not set (see .env.example)',
    );
  });

  it('with a malformed token prints one line and exits 1', async () => {
    const run = start({
      DISCORD_TOKEN: 'hunter2',
      DISCORD_CLIENT_ID: '100000000000000001',
      DATABASE_PATH: tempDb(),
    });
    expect(await run.code).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([
      'Configuration error: DISCORD_TOKEN is not a bot token (expected three dot-separated parts)',
    ]);
  });

  it('with a token Discord rejects prints one line and exits 1', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.stop());
    const wrong = fake.token.slice(0, -4) + 'AAAA';
    const run = start({
      DISCORD_TOKEN: wrong,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiBase,
      DATABASE_PATH: tempDb(),
      LOG_LEVEL: 'silent',
    });
    expect(await run.code).toBe(1);
    expect(run.stderr().trim()).toBe(
      'Discord rejected DISCORD_TOKEN (401 Unauthorized): check the bot token in your environment',
    );
    expect(run.stderr() + run.stdout()).not.toContain(wrong);
  });

  it('logs in to any Discord-compatible server at DISCORD_API_URL, answers with a card, and stops cleanly on SIGTERM', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.stop());
    const guild = fake.createGuild({ name: 'Lab' });
    const channel = fake.createChannel(guild.id, { name: 'general' });
    const member = fake.addMember(guild.id, { username: 'ada' }).userId;
    await deployCommands({
      token: fake.token,
      clientId: fake.applicationId,
      guildId: guild.id,
      apiUrl: fake.apiBase,
    });
    const run = start({
      DISCORD_TOKEN: fake.token,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiBase,
      DATABASE_PATH: tempDb(),
    });
    await expect.poll(() => run.stdout(), { timeout: 15_000 }).toContain('Sparks is ready');
    const ready = run
      .stdout()
      .split('\n')
      .find((l) => l.includes('Sparks is ready'))!;
    expect(JSON.parse(ready)).toMatchObject({ level: 30, guilds: 1 });
    expect(run.stdout()).not.toContain(fake.token);
    // The built card worker (dist/cards/worker.js) draws the balance card.
    const reply = await fake
      .slash({
        guildId: guild.id,
        channelId: channel.id,
        userId: member,
        command: 'sparks',
        subcommand: 'balance',
      })
      .final();
    expect(reply.attachments.map((a) => a.filename)).toEqual(['sparks-card.png']);
    expect(await decodePng(reply.attachments[0]!.data)).toEqual({ width: 800, height: 300 });
    run.kill('SIGTERM');
    expect(await run.code).toBe(0);
    expect(run.stdout()).toContain('Sparks stopped');
  });
});
