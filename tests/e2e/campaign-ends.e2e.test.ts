/**
 * Campaign end timers run on the process that leads the once-only work, for every guild's
 * campaigns as the database lists them: a guild another shard serves ends on time through
 * REST, a process that does not lead ends nothing on its own, and when the leader ends a
 * campaign another process serves, that process grants nothing more for it and drops it
 * from its index.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { auditLogPlugin } from '../../src/discord/plugins/audit-log.ts';
import { campaignsPlugin } from '../../src/discord/plugins/campaigns.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import { FakeDiscord, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { campaignKit, DAY, fastPlugins, FIRE } from '../helpers/campaigns.ts';
import { fakeClock } from '../helpers/db.ts';

const MINUTE = 60_000;

let worlds: BotWorld[] = [];
let fakes: FakeDiscord[] = [];
afterEach(async () => {
  // The bot that leads stops last, as a host would hand over.
  for (const w of worlds.reverse()) await w.stop();
  for (const f of fakes) await f.stop();
  worlds = [];
  fakes = [];
});

async function world(options: Parameters<typeof startWorld>[0]): Promise<BotWorld> {
  const w = await startWorld(options);
  worlds.push(w);
  return w;
}

/** Lines of a bot's log saying a campaign was reconciled. */
const reconciled = (w: BotWorld, campaignId: number) =>
  w.logs.filter((l) => l.msg === 'campaign reconciled' && l.campaignId === campaignId).length;

/** Waits a few of the scheduler's 50 ms passes, so a scheduler that ran would have acted. */
const severalPasses = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('campaign end timers on the leader', () => {
  it('ends a campaign in a guild another shard serves on time, reconciling its reactions over REST', async () => {
    const clock = fakeClock(Date.now());
    const fake = await FakeDiscord.start();
    fakes.push(fake);
    const other = fake.createGuild({ name: 'Elsewhere', shard: [1, 2] });
    const channel = fake.createChannel(other.id, { name: 'announcements' });
    const holder = fake.createRole(other.id, { name: 'Holder', position: 2 });
    const joined = new Date(Date.now() - 400 * DAY);
    const member = (username: string, roles: string[] = []) =>
      fake.addMember(other.id, { username, roles, joinedAt: joined }).userId;
    const [dana, erin, finn] = [member('dana', [holder.id]), member('erin', [holder.id]), member('finn')];
    const leaver = member('gwen', [holder.id]);
    const message = fake.postMessage(channel.id, {
      authorId: dana,
      content: 'React to earn!',
      silent: true,
      createdAt: new Date(Date.now() - DAY),
    });
    const w = await world({ fake, clock, plugins: fastPlugins(), shards: { ids: [0], count: 2 } });
    const { services, client } = w.app;
    expect(client.guilds.cache.has(other.id)).toBe(false);

    // Started by the process that serves that guild (another host): only the row is shared.
    const campaign = services.campaigns.start({
      guildId: other.id,
      channelId: channel.id,
      messageId: message,
      emoji: FIRE,
      sparks: 10,
      endsInMs: 30 * MINUTE,
      requiredRoleId: holder.id,
      defaultName: '#announcements 🔥',
      moderatorId: dana,
    });
    // Reactions in that guild never reach this bot's gateway: they are only on the message.
    for (const userId of [dana, erin, finn, leaver])
      fake.addReaction({ channelId: channel.id, messageId: message, userId, emoji: FIRE, silent: true });
    fake.removeMember(other.id, leaver);

    clock.advance(31 * MINUTE);
    await expect.poll(() => services.campaigns.byId(campaign.id)?.status, { timeout: 10_000 }).toBe('ended');
    const ended = services.campaigns.byId(campaign.id)!;
    expect(ended).toMatchObject({ endReason: 'time', claims: 2, granted: 20 });
    const balance = (userId: string) => services.ledger.reads.standing(other.id, userId).balance;
    // The holders are granted by the final reconciliation; finn lacks the role, gwen left.
    expect([dana, erin, finn, leaver].map(balance)).toEqual([10, 10, 0, 0]);
    expect(reconciled(w, campaign.id)).toBe(1);
    // Members were read over REST, never with the gateway's request for that guild.
    expect(fake.memberRequests.filter((r) => r.guildIds.includes(other.id))).toEqual([]);
    expect(
      fake.requests.some((r) => r.method === 'GET' && r.path === `/guilds/${other.id}/members/${dana}`),
    ).toBe(true);
    expect(client.guilds.cache.has(other.id)).toBe(false);
    expect(verifyLedger(services.db).ok).toBe(true);
  });

  it('a bot that does not lead leaves its due campaign running; a moderator can still end it', async () => {
    const clock = fakeClock(Date.now());
    const w = await world({ clock, plugins: fastPlugins(), leader: false });
    const k = campaignKit(w);
    w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
    const message = k.oldMessage();
    await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, ends_in: '30m', name: 'Half hour' });
    const c = k.campaignOn(message)!;
    const [onTime, missed] = k.members(2);
    k.react(message, onTime!);
    await k.roundTrip();
    expect(k.balance(onTime!)).toBe(10);
    k.react(message, missed!, FIRE, true);

    clock.advance(31 * MINUTE);
    await severalPasses();
    await k.roundTrip();
    expect(k.campaign(c.id).status).toBe('active');

    const reply = await w.slash(w.users.mod, 'sparks-admin campaign end', { campaign: 'Half hour' }).final();
    expect(text(reply)).toContain('Half hour');
    expect(k.campaign(c.id)).toMatchObject({ status: 'ended', endReason: 'moderator' });
    // The moderator's end reconciled first: the reaction the gateway never delivered counts.
    expect(k.balance(missed!)).toBe(10);
  });
});

describe('two processes on one database: the leader ends what the other serves', () => {
  /**
   * Bot `leader` serves shard 0 and leads; bot `follower` serves shard 1, does not lead, and
   * opens the leader's database file. Each has its own guild (on its own shard).
   */
  async function twoBots(followerPlugins = fastPlugins(), env: Record<string, string> = {}) {
    const clock = fakeClock(Date.now());
    const fake = await FakeDiscord.start();
    fakes.push(fake);
    const leader = await world({ fake, clock, plugins: fastPlugins(), shards: { ids: [0], count: 2 } });
    const follower = await world({
      fake,
      clock,
      plugins: followerPlugins,
      shards: { ids: [1], count: 2 },
      leader: false,
      env: { ...env, DATABASE_PATH: leader.config.databasePath },
    });
    expect(leader.app.client.guilds.cache.has(follower.guildId)).toBe(false);
    return { clock, fake, leader, follower, k: campaignKit(follower) };
  }

  it('ends the other process’s timed campaign once; a reaction there afterwards grants nothing', async () => {
    const { clock, leader, follower, k } = await twoBots();
    const message = k.oldMessage();
    await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, ends_in: '30m', name: 'Half hour' });
    const c = k.campaignOn(message)!;
    // The follower reconciled it at its start (no reactions yet).
    await expect.poll(() => reconciled(follower, c.id)).toBe(1);
    const [live, missed, late] = k.members(3);
    k.react(message, live!);
    await k.roundTrip();
    expect(k.balance(live!)).toBe(10);
    k.react(message, missed!, FIRE, true);

    clock.advance(31 * MINUTE);
    await expect.poll(() => k.campaign(c.id).status, { timeout: 10_000 }).toBe('ended');
    expect(k.campaign(c.id).endReason).toBe('time');
    // The leader's final reconciliation, over REST (it does not serve that guild).
    expect(reconciled(leader, c.id)).toBe(1);
    expect(k.balance(missed!)).toBe(10);

    // A reaction in the follower's guild after the end: its gateway delivers it, nothing is granted.
    k.react(message, late!);
    await k.roundTrip();
    expect(k.balance(late!)).toBe(0);
    // The follower's index learns the campaign ended (its reload from the database).
    await expect
      .poll(() => follower.app.services.campaigns.allActive().some((x) => x.id === c.id), { timeout: 10_000 })
      .toBe(false);
    // A moderator's end there now: a no-op, and no second reconciliation anywhere.
    const again = await follower.app.provided.get('campaigns').end(c.id, 'moderator', follower.users.mod);
    expect(again.ended).toBe(false);
    expect([reconciled(leader, c.id), reconciled(follower, c.id)]).toEqual([1, 1]);
    expect(k.campaign(c.id)).toMatchObject({ endReason: 'time', claims: 2, granted: 20 });
    expect(verifyLedger(leader.app.services.db).ok).toBe(true);
  });

  for (const writer of ['inline', 'thread'] as const) {
    it(`a grant queued from a stale index is refused at commit and drops the campaign (${writer})`, async () => {
      // The follower reloads its index only every minute: only the refusal can tell it.
      const { leader, follower, k } = await twoBots(
        [
          interactionsPlugin(),
          auditLogPlugin({ intervalMs: 150 }),
          campaignsPlugin({ maxTimerMs: 50, refreshMs: 60_000 }),
        ],
        { GRANT_WRITER: writer },
      );
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 7, name: 'Open ended' });
      const c = k.campaignOn(message)!;
      const [before, after] = k.members(2);
      k.react(message, before!);
      await k.roundTrip();
      expect(k.balance(before!)).toBe(7);

      // Ended in the leader's process (a dashboard on that host): the follower is not told.
      const result = await leader.app.provided.get('campaigns').end(c.id, 'moderator', leader.users.mod);
      expect(result.ended).toBe(true);
      expect(follower.app.services.campaigns.allActive().some((x) => x.id === c.id)).toBe(true);
      expect(reconciled(leader, c.id)).toBe(1);
      // A moderator's end on the follower meanwhile reads the database: no second
      // reconciliation, and nothing to end.
      await expect.poll(() => reconciled(follower, c.id)).toBe(1); // its start's
      const again = await follower.app.provided.get('campaigns').end(c.id, 'moderator', follower.users.mod);
      expect(again.ended).toBe(false);
      expect(reconciled(follower, c.id)).toBe(1);

      k.react(message, after!);
      await k.roundTrip();
      expect(k.balance(after!)).toBe(0);
      expect(follower.app.services.campaigns.allActive().some((x) => x.id === c.id)).toBe(false);
      expect(k.campaign(c.id)).toMatchObject({ status: 'ended', claims: 1, granted: 7 });
      expect(verifyLedger(leader.app.services.db).ok).toBe(true);
    });
  }
});
