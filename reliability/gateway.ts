/**
 * Scenario 3 — gateway delivery is at least once: reaction events replayed as exact
 * duplicates, a burst delivered again after a RESUME, add → remove → add, bots reacting,
 * and two bot processes (two apps on one database file, both connected to the same fake
 * Discord, so both receive every event) consuming the same stream. Credits must equal
 * the unique (campaign, member) keys, and the ledger must verify clean.
 */
import { Writable } from 'node:stream';
import { GatewayDispatchEvents, type GatewayMessageReactionAddDispatchData } from 'discord.js';
import { createApp, type App } from '../src/app.ts';
import { createLogger } from '../src/log.ts';
import type { DispatchRecord } from '../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld, type LogLine } from '../testkit/bot.ts';
import { errorLogs, verifyProblems } from './bot-kit.ts';
import { random, type ScenarioResult } from './support.ts';
import { sqliteOf } from '../tests/helpers/engines.ts';

export interface GatewayScale {
  members: number;
  seed: number;
}

const DAY = 86_400_000;

async function until(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function gatewayDelivery(scale: GatewayScale): Promise<ScenarioResult> {
  const rnd = random(scale.seed);
  const w: BotWorld = await startWorld();
  let second: App | undefined;
  const secondLogs: LogLine[] = [];
  const failures: string[] = [];
  let figure = '';
  try {
    const campaigns = [
      { emoji: '🔥', sparks: 10 },
      { emoji: '🎉', sparks: 7 },
    ].map((c) => ({
      ...c,
      message: w.fake.postMessage(w.channelId, {
        authorId: w.users.alice,
        content: `campaign ${c.emoji}`,
        silent: true,
        createdAt: new Date(Date.now() - 30 * DAY),
      }),
    }));
    const started: { emoji: string; sparks: number; message: string; id: number }[] = [];
    for (const c of campaigns) {
      const link = `https://discord.com/channels/${w.guildId}/${w.channelId}/${c.message}`;
      await w
        .slash(w.users.mod, 'sparks-admin campaign start', {
          message: link,
          emoji: c.emoji,
          sparks: c.sparks,
        })
        .final();
      const row = w.app.services.campaigns.activeInGuild(w.guildId).find((x) => x.messageId === c.message);
      if (!row) throw new Error(`campaign ${c.emoji} did not start`);
      started.push({ ...c, id: row.id });
    }

    // A second bot process on the same database file and the same Discord: it receives
    // every event the first one does.
    second = createApp({
      config: w.config,
      logger: createLogger({
        level: 'debug',
        destination: new Writable({
          write(chunk: Buffer, _e, done) {
            for (const l of chunk.toString().split('\n')) if (l) secondLogs.push(JSON.parse(l) as LogLine);
            done();
          },
        }),
        secrets: [w.fake.token],
      }),
    });
    await second.start();
    const apps = [w.app, second];
    const seen = apps.map(() => ({ events: 0, users: new Set<string>() }));
    apps.forEach((app, i) =>
      app.client.ws.on(
        GatewayDispatchEvents.MessageReactionAdd,
        (d: GatewayMessageReactionAddDispatchData) => {
          seen[i]!.events++;
          seen[i]!.users.add(d.user_id);
        },
      ),
    );

    const expected = started.map(() => new Set<string>());
    const members = Array.from(
      { length: scale.members },
      (_, i) =>
        w.fake.addMember(w.guildId, { username: `r${i}`, joinedAt: new Date(Date.now() - 400 * DAY) }).userId,
    );
    const react = (c: number, user: string, bot = false) => {
      if (!bot) expected[c]!.add(user);
      return w.fake.addReaction({
        channelId: w.channelId,
        messageId: started[c]!.message,
        userId: user,
        emoji: started[c]!.emoji,
      });
    };
    const unreact = (c: number, user: string) =>
      w.fake.removeReaction({
        channelId: w.channelId,
        messageId: started[c]!.message,
        userId: user,
        emoji: started[c]!.emoji,
      });
    const settle = async (label: string) => {
      const probe = w.fake.addMember(w.guildId, { username: `probe-${label}` }).userId;
      react(0, probe);
      await until(`both bots to see ${label}`, () => seen.every((s) => s.users.has(probe)));
      await Promise.all(apps.map((a) => a.services.campaigns.idle()));
      await until(
        `the ${label} probe's grant`,
        () => w.app.services.ledger.reads.standing(w.guildId, probe).balance > 0,
      );
    };

    let sent = 0;
    const count = (records: DispatchRecord[]) => ((sent += records.length), records);
    // 1. Every member reacts to one or both campaigns, in a seeded order.
    const first: DispatchRecord[] = [];
    for (const m of rnd.shuffle(members)) {
      const pickC = rnd.int(3); // 0: first, 1: second, 2: both
      if (pickC !== 1) first.push(...count(react(0, m)));
      if (pickC !== 0) first.push(...count(react(1, m)));
    }
    // 2. Exact duplicates of a seeded third of them, twice.
    const dupes = first.filter(() => rnd.next() < 1 / 3);
    count(w.fake.replayDispatch(dupes));
    count(w.fake.replayDispatch(dupes));
    // 3. add → remove → add.
    const togglers = members.filter(() => rnd.next() < 0.2);
    for (const m of togglers) {
      unreact(0, m);
      count(react(0, m));
    }
    // 4. Bots never earn.
    count(react(0, w.users.otherBot, true));
    count(react(1, w.users.otherBot, true));
    await settle('before-drop');

    // 5. The connection drops; a burst arrives meanwhile (buffered, replayed on RESUME),
    // then Discord delivers the whole burst again after the RESUME.
    const since = w.fake.gatewayLog.length;
    const dropped = w.fake.dropGatewayConnection();
    const late = Array.from(
      { length: Math.max(4, Math.floor(scale.members / 4)) },
      (_, i) =>
        w.fake.addMember(w.guildId, { username: `late${i}`, joinedAt: new Date(Date.now() - 400 * DAY) })
          .userId,
    );
    const burst: DispatchRecord[] = [];
    for (const m of late) burst.push(...count(react(rnd.int(2), m)));
    for (const m of members.slice(0, 5)) burst.push(...count(react(0, m))); // already granted
    await until(
      'both sessions to resume',
      () => w.fake.gatewayLog.slice(since).filter((e) => e.kind === 'resumed').length >= dropped,
    );
    count(w.fake.replayDispatch(burst));
    await settle('after-resume');

    // Credits equal the unique (campaign, member) keys.
    const db = sqliteOf(w.app.services.db);
    const keys = expected.reduce((n, s) => n + s.size, 0);
    const grants = (
      db.prepare(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'campaign.grant'`).get() as { n: number }
    ).n;
    started.forEach((c, i) => {
      const row = w.app.services.campaigns.byId(c.id)!;
      const n = (
        db
          .prepare(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'campaign.grant' AND ref = ?`)
          .get(`campaign:${c.id}`) as { n: number }
      ).n;
      if (n !== expected[i]!.size || row.claims !== n)
        failures.push(`campaign ${c.emoji}: ${n} grants, ${row.claims} claims, ${expected[i]!.size} keys`);
    });
    const everyone = new Set(expected.flatMap((s) => [...s]));
    for (const m of everyone) {
      const want = started.reduce((n, c, i) => n + (expected[i]!.has(m) ? c.sparks : 0), 0);
      const got = w.app.services.ledger.reads.standing(w.guildId, m).balance;
      if (got !== want) failures.push(`member ${m}: ${got} Sparks, expected ${want}`);
    }
    if (w.app.services.ledger.reads.standing(w.guildId, w.users.otherBot).balance !== 0)
      failures.push('a bot earned');
    const problems = verifyProblems(w);
    if (problems) failures.push(problems);
    const errors = [...errorLogs(w), ...secondLogs.filter((l) => l.level >= 50)];
    if (errors.length) failures.push(`${errors.length} error logs: ${errors[0]!.msg}`);
    // Which process wins each race is up to the scheduler; both must have applied the stream.
    const stats = apps.map((a) => a.services.campaigns.stats);
    if (stats.some((st) => st.granted + st.skipped === 0))
      failures.push('one bot applied no reaction at all');
    figure = `${sent} reaction deliveries (consumers saw ${seen.map((s) => s.events).join('+')}) → ${grants} credits for ${keys} unique keys; bots 1/2 granted ${stats.map((st) => st.granted).join('/')}, skipped ${stats.map((st) => st.skipped).join('/')} as duplicates`;
  } catch (e) {
    failures.push((e as Error).message);
  } finally {
    await second?.stop();
    await w.stop();
  }
  return {
    scenario: 'gateway: duplicates, RESUME burst, 2 consumers',
    runs: scale.members,
    figure: failures.length
      ? `${failures.slice(0, 3).join('; ')}${figure ? ` — ${figure}` : ''}`
      : `${figure}; verify clean`,
    pass: failures.length === 0,
  };
}
