import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, secretsOf, type App } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import type { Plugin } from '../src/discord/plugins/plugin.ts';
import type { Clock } from '../src/core/clock.ts';
import { createLogger } from '../src/log.ts';
import { fixedLeadership } from '../src/ops/leadership.ts';
import { FakeDiscord, Permissions, type OptionValue } from './fake-discord/index.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface BotWorld {
  fake: FakeDiscord;
  app: App;
  config: Config;
  dir: string;
  guildId: string;
  channelId: string;
  logChannelId: string;
  /** Users by name: mod (Manage Server), alice, bob, carol (members), bot (another bot). */
  users: Record<'mod' | 'alice' | 'bob' | 'carol' | 'otherBot', string>;
  logs: LogLine[];
  /** Runs `/command [group] sub` as `user` and returns the interaction handle. */
  slash: (
    user: string,
    path: string,
    options?: Record<string, OptionValue>,
    extra?: { locale?: string; channelId?: string },
  ) => ReturnType<FakeDiscord['slash']>;
  /** Resolves once the running members plugin has applied every tier role noted so far. */
  membersIdle: () => Promise<void>;
  /** Stops the bot (keeping the fake and the database file for a restart). */
  stopBot: () => Promise<void>;
  /** Starts a new bot process-equivalent on the same database and fake Discord. */
  restartBot: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  clock?: Clock;
  plugins?: Plugin[];
  fake?: FakeDiscord;
  /** How long a stop waits for in-flight interactions (default: the app's 10 s). */
  shutdownGraceMs?: number;
  /**
   * The shards the bot connects (see AppOptions.shards); default all of one. The world's
   * guild is on the first of them; a test adds guilds on the others to the fake itself.
   */
  shards?: { ids: number[]; count: number };
  /**
   * Whether this bot leads the once-only work (default: it does, as the only process);
   * `false` makes a process that serves its guilds and leaves the schedules to another.
   */
  leader?: boolean;
}

/**
 * A fake Discord with one guild (a #general and a #sparks-log channel, a moderator, three
 * members and another bot), commands deployed, and the real bot logged in to it with a
 * fresh database file and a captured log.
 */
export async function startWorld(options: StartOptions = {}): Promise<BotWorld> {
  const fake = options.fake ?? (await FakeDiscord.start());
  const guild = fake.createGuild({
    name: 'Sparks Lab',
    ...(options.shards ? { shard: [options.shards.ids[0]!, options.shards.count] as [number, number] } : {}),
  });
  const channel = fake.createChannel(guild.id, { name: 'general' });
  const logChannel = fake.createChannel(guild.id, { name: 'sparks-log' });
  const modRole = fake.createRole(guild.id, {
    name: 'Mods',
    permissions: Permissions.ManageGuild,
    position: 5,
  });
  const add = (username: string, extra: { roles?: string[]; bot?: boolean } = {}) =>
    fake.addMember(guild.id, {
      username,
      globalName: username[0]!.toUpperCase() + username.slice(1),
      ...extra,
    }).userId;
  const users = {
    mod: add('mod', { roles: [modRole.id] }),
    alice: add('alice'),
    bob: add('bob'),
    carol: add('carol'),
    otherBot: add('otherbot', { bot: true }),
  };
  const dir = mkdtempSync(join(tmpdir(), 'sparks-e2e-'));
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_CLIENT_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiBase,
    DATABASE_PATH: join(dir, 'sparks.db'),
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  await deployCommands({
    token: fake.token,
    clientId: fake.applicationId,
    guildId: guild.id,
    apiUrl: fake.apiBase,
  });
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const makeApp = () =>
    createApp({
      config,
      clock: options.clock,
      plugins: options.plugins,
      shutdownGraceMs: options.shutdownGraceMs,
      shards: options.shards,
      ...(options.leader === false ? { leadership: fixedLeadership(false) } : {}),
      // The secrets the production logger scrubs: the token, webhook secrets, the API token.
      logger: createLogger({ level: 'debug', destination, secrets: secretsOf(config) }),
    });
  let app = makeApp();
  await app.start();
  let running = true;
  const world: BotWorld = {
    fake,
    get app() {
      return app;
    },
    config,
    dir,
    guildId: guild.id,
    channelId: channel.id,
    logChannelId: logChannel.id,
    users,
    logs,
    slash(user, path, opts = {}, extra = {}) {
      const [command = '', a, b] = path.split(' ');
      return fake.slash({
        guildId: guild.id,
        channelId: extra.channelId ?? channel.id,
        userId: user,
        command,
        ...(b ? { subcommandGroup: a, subcommand: b } : { subcommand: a }),
        options: opts,
        locale: extra.locale ?? 'en-US',
      });
    },
    membersIdle: () => app.provided.get('members').idle(),
    async stopBot() {
      if (running) await app.stop();
      running = false;
    },
    async restartBot() {
      if (running) await app.stop();
      app = makeApp();
      await app.start();
      running = true;
    },
    async stop() {
      if (running) await app.stop();
      running = false;
      if (!options.fake) await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
