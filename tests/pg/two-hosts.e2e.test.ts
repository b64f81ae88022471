/**
 * Two "hosts" on one PostgreSQL (issue 22, "Done when"): two process trees, each the built
 * bot's `npm start` with SHARD_COUNT=2 and its own SHARD_LIST, against the fake Discord.
 * Each guild is served by exactly one host; the elected host is killed with SIGKILL (its
 * whole tree: manager and shard) and the other takes over the once-only work within 30 s:
 * the outbox delivery, and the schedules of the dead host's own guild — its campaign's end
 * falls due during the outage and the survivor ends it over REST, granting the reaction made
 * while nobody served that guild. The platform receives every event at least once and in
 * order per member; the killed host, back, leaves the ended campaign alone: no campaign is
 * reconciled twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { deployCommands } from '../../src/discord/deploy.ts';
import { FakeDiscord, Permissions, text, type SlashInput } from '../../testkit/fake-discord/index.ts';
import { SECRET_A } from '../helpers/platform.ts';
import { builtBotForFile, cleanupAfterEach, type Cleanups } from '../helpers/processes.ts';
import { freshDatabase } from '../testkit/postgres.ts';

const cleanups = cleanupAfterEach();
const build = builtBotForFile();
const root = join(import.meta.dirname, '../..');

interface Delivery {
  userId: string;
  outboxId: number;
  entryId: number;
  verified: boolean;
}

/** The platform's endpoint on 127.0.0.1: verifies and records each delivery. */
async function platformReceiver() {
  const webhook = new Webhook(SECRET_A);
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        webhook.verify(raw, headersOf(req.headers));
      } catch {
        verified = false;
      }
      const body = JSON.parse(raw) as { discord_user_id: string; entry_id: number };
      received.push({
        userId: body.discord_user_id,
        outboxId: Number(String(req.headers['webhook-id']).replace('outbox_', '')),
        entryId: body.entry_id,
        verified,
      });
      res.writeHead(200, { connection: 'close' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, received };
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
}

interface Host {
  name: string;
  child: ChildProcess;
  output: () => string;
  lines: (msg: string) => Record<string, unknown>[];
  /** SIGKILL to the whole process group: the manager and its shard processes die together. */
  kill: () => void;
  /** SIGTERM to the manager (it stops its shards gracefully); resolves with its exit code. */
  stop: () => Promise<number | null>;
}

/** One host: the built bot's manager in its own process group, its output captured. */
function startHost(name: string, env: Record<string, string>, list: Cleanups): Host {
  const child = spawn(process.execPath, build().args, {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  child.stdout.on('data', (d: Buffer) => (all += d.toString()));
  child.stderr.on('data', (d: Buffer) => (all += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  list.push(killGroup);
  return {
    name,
    child,
    output: () => all,
    lines: (msg) =>
      all
        .split('\n')
        .filter((l) => l.includes(`"msg":"${msg}"`))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    kill: killGroup,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function ready(host: Host): Promise<void> {
  await expect.poll(host.output, { timeout: 45_000 }).toContain('all shards ready');
  await expect.poll(() => host.lines('Sparks is ready').length, { timeout: 20_000 }).toBe(1);
}

const LEADS = 'this process now leads the once-only work';

// Real processes: two managers and two shards loading the built bot, then one restart, on 2
// shared cores; the default per-test budget is for in-process tests.
const PROCESSES_TIMEOUT = 120_000;

describe('two hosts on one PostgreSQL (SHARD_COUNT=2, SHARD_LIST per host)', () => {
  it(
    'serves each guild once, hands the once-only work over after a SIGKILL, reconciles no campaign twice',
    async () => {
      const fake = await FakeDiscord.start();
      cleanups.push(() => fake.stop());
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
        return { id: g.id, channel: channel.id, mod, members };
      });
      for (const g of guilds)
        await deployCommands({
          token: fake.token,
          clientId: fake.applicationId,
          guildId: g.id,
          apiUrl: fake.apiBase,
        });
      const database = await freshDatabase();
      cleanups.push(() => database.drop());
      const platform = await platformReceiver();
      const env = {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: fake.token,
        DISCORD_CLIENT_ID: fake.applicationId,
        DISCORD_API_URL: fake.apiBase,
        DATABASE_URL: database.url,
        SHARD_COUNT: '2',
        PLATFORM_EVENTS_URL: platform.url,
        WEBHOOK_SECRET: SECRET_A,
      };
      const asMod = (
        g: (typeof guilds)[number],
        input: Omit<SlashInput, 'guildId' | 'channelId' | 'userId' | 'command'>,
      ) =>
        fake.slash({ guildId: g.id, channelId: g.channel, userId: g.mod, command: 'sparks-admin', ...input });
      const award = async (g: (typeof guilds)[number], member: string, amount: number) => {
        const reply = await asMod(g, {
          subcommand: 'award',
          options: { member, amount, reason: 'two hosts' },
        }).reply({ timeoutMs: 15_000 });
        expect(text(reply)).toContain('received');
      };

      // Both hosts start together: the migrations run once (the advisory lock), each serves its shard.
      const hosts = [
        startHost('A', { ...env, SHARD_LIST: '0' }, cleanups),
        startHost('B', { ...env, SHARD_LIST: '1' }, cleanups),
      ];
      await Promise.all(hosts.map(ready));
      const served = hosts.map((h) => h.lines('Sparks is ready')[0] as { shards: number[]; guilds: number });
      expect(served.map((r) => [r.shards, r.guilds])).toEqual([
        [[0], 1],
        [[1], 1],
      ]);
      await expect
        .poll(() => hosts.filter((h) => h.lines(LEADS).length > 0).length, { timeout: 15_000 })
        .toBe(1);
      const leader = hosts.find((h) => h.lines(LEADS).length > 0)!;
      const follower = hosts.find((h) => h !== leader)!;
      const leaderGuild = guilds[hosts.indexOf(leader)]!;
      const followerGuild = guilds[hosts.indexOf(follower)]!;

      // Awards in both guilds, each written by its own host; the leader delivers them all.
      for (const g of guilds) {
        await award(g, g.members[0]!, 10);
        await award(g, g.members[0]!, 5);
      }
      await expect
        .poll(() => new Set(platform.received.map((d) => d.entryId)).size, { timeout: 15_000 })
        .toBe(4);

      // A campaign in each guild, started by its host, one live reaction each.
      const messages = guilds.map((g) =>
        fake.postMessage(g.channel, { authorId: g.mod, content: 'React to earn!', silent: true }),
      );
      for (const [i, g] of guilds.entries()) {
        const reply = await asMod(g, {
          subcommandGroup: 'campaign',
          subcommand: 'start',
          options: { message: messages[i]!, emoji: '🔥', sparks: 7 },
        }).final({ timeoutMs: 15_000 });
        expect(JSON.stringify(reply)).toContain('🔥');
        fake.addReaction({
          channelId: g.channel,
          messageId: messages[i]!,
          userId: g.members[1]!,
          emoji: '🔥',
        });
      }
      const sql = async (text: string) => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          return (await client.query(text)).rows as Record<string, unknown>[];
        } finally {
          await client.end();
        }
      };
      const grants = async () =>
        Number((await sql(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'campaign.grant'`))[0]!.n);
      await expect.poll(grants, { timeout: 15_000 }).toBe(2);

      // The leader's whole tree dies at once: no shutdown, its lock goes with its connection.
      leader.kill();
      const killedAt = Date.now();
      // Its guild's members react while it is down (nobody serves that shard).
      const leaderIndex = guilds.indexOf(leaderGuild);
      fake.addReaction({
        channelId: leaderGuild.channel,
        messageId: messages[leaderIndex]!,
        userId: leaderGuild.members[2]!,
        emoji: '🔥',
        silent: true,
      });
      // The dead host's campaign falls due now, during the outage (as if started with an
      // ends_in that runs out while its host is down): its end is once-only work.
      const killedCampaign = leaderIndex + 1;
      await sql(`UPDATE campaigns SET ends_at = ${Date.now()} WHERE id = ${killedCampaign}`);
      // The survivor keeps serving its guild, and takes over the delivery.
      await award(followerGuild, followerGuild.members[2]!, 3);
      await expect.poll(() => follower.lines(LEADS).length, { timeout: 30_000 }).toBe(1);
      const tookOverMs = Date.now() - killedAt;
      expect(tookOverMs).toBeLessThan(30_000);
      // ... and the dead host's guild's schedule: the campaign ends on time, its reactions
      // read over REST (the offline one granted), from a host that does not serve that guild.
      const ended = async () =>
        (await sql(`SELECT status, end_reason FROM campaigns WHERE id = ${killedCampaign}`))[0];
      await expect.poll(ended, { timeout: 30_000 }).toEqual({ status: 'ended', end_reason: 'time' });
      const endedMs = Date.now() - killedAt;
      expect(endedMs).toBeLessThan(30_000);
      await expect.poll(grants, { timeout: 15_000 }).toBe(3);
      const credited = async () =>
        (
          await sql(
            `SELECT t.id, a.ref FROM transfers t JOIN accounts a ON a.id = t.credit_account_id
              WHERE a.type = 'member' ORDER BY t.id`,
          )
        ).map((r) => Number(r.id));
      await expect
        .poll(
          async () => {
            const delivered = new Set(platform.received.map((d) => d.entryId));
            return (await credited()).filter((id) => !delivered.has(id));
          },
          { timeout: 30_000 },
        )
        .toEqual([]);

      // The killed host comes back: its campaign has ended, so it reconciles nothing, and a
      // late reaction there grants nothing.
      const back = startHost(`${leader.name}'`, { ...env, SHARD_LIST: String(leaderIndex) }, cleanups);
      await ready(back);
      fake.addReaction({
        channelId: leaderGuild.channel,
        messageId: messages[leaderIndex]!,
        userId: leaderGuild.mod,
        emoji: '🔥',
      });
      await award(leaderGuild, leaderGuild.members[1]!, 1);
      expect(await grants()).toBe(3);
      await expect
        .poll(
          async () => {
            const delivered = new Set(platform.received.map((d) => d.entryId));
            return (await credited()).filter((id) => !delivered.has(id));
          },
          { timeout: 30_000 },
        )
        .toEqual([]);
      expect(await back.stop()).toBe(0);
      expect(await follower.stop()).toBe(0);

      // No campaign reconciled twice: each host reconciled its own guild's campaign once at
      // its start; the dead host's was reconciled once more, for its end, by the survivor
      // (granting the offline reaction), and not again by the host when it came back.
      const reconciledBy = (h: Host) => h.lines('campaign reconciled').map((l) => l.campaignId);
      expect(reconciledBy(leader)).toEqual([killedCampaign]);
      expect(reconciledBy(follower)).toEqual([3 - killedCampaign, killedCampaign]);
      expect(follower.lines('campaign reconciled')[1]).toMatchObject({
        campaignId: killedCampaign,
        granted: 1,
      });
      expect(reconciledBy(back)).toEqual([]);
      // Every delivery signed, and per member never back to an earlier outbox row.
      expect(platform.received.every((d) => d.verified)).toBe(true);
      const byMember = new Map<string, number[]>();
      for (const d of platform.received)
        byMember.set(d.userId, [...(byMember.get(d.userId) ?? []), d.outboxId]);
      for (const [member, ids] of byMember) expect(ids, member).toEqual([...ids].sort((a, b) => a - b));
      // Exactly once in the ledger: 4 + 2 awards, 3 grants; balances; the invariants.
      const balances = await sql(
        `SELECT ref, balance FROM accounts WHERE type = 'member' AND balance > 0 ORDER BY guild_id, ref`,
      );
      expect(balances.map((r) => Number(r.balance)).sort((a, b) => a - b)).toEqual([3, 7, 7, 8, 15, 15]);
      const db = openPgSync(database.url, { migrate: false });
      try {
        const report = verifyLedger(db);
        expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      } finally {
        db.close();
      }
      console.log(
        `two hosts: the survivor led ${tookOverMs} ms and ended the dead host's campaign ${endedMs} ms after the SIGKILL`,
      );
    },
    PROCESSES_TIMEOUT,
  );
});
