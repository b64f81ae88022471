/**
 * Season ends and raffle draws are once-only work (issue 22): the process that leads runs
 * them for every guild, reaching a guild another shard serves over REST, while a process
 * that does not lead leaves them alone and its moderators' commands still end and draw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { auditLogPlugin } from '../../src/discord/plugins/audit-log.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import { rafflesPlugin } from '../../src/discord/plugins/raffles.ts';
import { seasonsPlugin } from '../../src/discord/plugins/seasons.ts';
import { candidates } from '../../src/raffles/draw.ts';
import { FakeDiscord, text, type GuildRecord } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { fakeClock } from '../helpers/db.ts';

const HOUR = 3_600_000;
/** A guild the bot is not in (Discord answers Unknown Guild). */
const GHOST = '123456789012345678';
const DAY = 24 * HOUR;

const plugins = () => [
  interactionsPlugin(),
  auditLogPlugin({ intervalMs: 100 }),
  seasonsPlugin({ maxTimerMs: 50 }),
  rafflesPlugin({ maxTimerMs: 50 }),
];

const clean = (w: BotWorld) =>
  expect(verifyLedger(w.app.services.db).checks.filter((c) => !c.ok)).toEqual([]);

/** Platform earnings (a season counts them by default) minted straight through the ledger. */
function earn(w: BotWorld, guildId: string, userId: string, amount: number, key: string): void {
  w.app.services.ledger.credit({
    guildId,
    userId,
    source: 'platform',
    kind: 'platform.trade',
    amount,
    key,
    actor: { type: 'system', id: 'test' },
  });
}

const balance = (w: BotWorld, guildId: string, userId: string) =>
  w.app.services.ledger.reads.standing(guildId, userId).balance;

describe('the leader, serving only shard 0 of 2, in a guild shard 1 serves', () => {
  const clock = fakeClock();
  let w: BotWorld;
  let fake: FakeDiscord;
  let other: GuildRecord;
  let logChannel: string;
  const s = () => w.app.services;
  const names = ['dana', 'erin', 'finn', 'gus', 'hana', 'ivan', 'jo'] as const;
  const user = {} as Record<(typeof names)[number], string>;
  const role = {} as Record<'champion' | 'staff' | 'vip' | 'gate', string>;

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    other = fake.createGuild({ name: 'Elsewhere', shard: [1, 2] });
    logChannel = fake.createChannel(other.id, { name: 'sparks-log' }).id;
    role.champion = fake.createRole(other.id, { name: 'Champion', position: 1 }).id;
    role.staff = fake.createRole(other.id, { name: 'Staff', position: 1 }).id;
    role.vip = fake.createRole(other.id, { name: 'VIP', position: 2 }).id;
    role.gate = fake.createRole(other.id, { name: 'Verified', position: 1 }).id;
    for (const name of names) user[name] = fake.addMember(other.id, { username: name }).userId;
    fake.setMemberRoles(other.id, user.gus, [role.staff]);
    w = await startWorld({ fake, clock, plugins: plugins(), shards: { ids: [0], count: 2 } });
    s().settings.update(other.id, { logChannelId: logChannel, leaderboardExcludeRoleId: role.staff });
  });
  afterAll(async () => {
    await w?.stop();
    await fake?.stop();
  });

  const gatewayAsksOfOther = () => fake.memberRequests.filter((r) => r.guildIds.includes(other.id));

  it('ends a season there on time: pays, grants the role prize, announces, all over REST', async () => {
    expect(w.app.client.guilds.cache.has(other.id)).toBe(false);
    const { dana, erin, finn, gus } = user;
    // A season left in a guild that removed the bot: passed over quietly, pass after pass.
    const ghost = s().seasons.start({ guildId: GHOST, name: 'Ghost', ends: '7d', moderatorId: 'mod' });
    const season = s().seasons.start({ guildId: other.id, name: 'Far', ends: '7d', moderatorId: 'mod' });
    const prize = (rank: number, o: { sparks?: number; roleId?: string }) =>
      s().seasons.prize({
        guildId: other.id,
        season: 'Far',
        rankFrom: rank,
        rankTo: rank,
        moderatorId: 'mod',
        ...o,
      });
    prize(1, { sparks: 300, roleId: role.champion });
    prize(2, { sparks: 100 });
    clock.advance(1000);
    earn(w, other.id, gus, 90, 'e:gus'); // holds the excluded role
    earn(w, other.id, finn, 80, 'e:finn'); // leaves before the end
    earn(w, other.id, dana, 60, 'e:dana');
    earn(w, other.id, erin, 40, 'e:erin');
    fake.removeMember(other.id, finn);

    clock.advance(8 * DAY);
    const status = () => s().seasons.store.byId(season.id)!.status;
    await expect.poll(status, { timeout: 10_000 }).toBe('ended');
    expect(
      s()
        .seasons.store.results(season.id)
        .map((r) => [r.userId, r.rank, r.skipReason, r.sparks, r.roleStatus]),
    ).toEqual([
      [gus, null, 'excluded', null, 'none'],
      [finn, null, 'left', null, 'none'],
      [dana, 1, null, 300, 'granted'],
      [erin, 2, null, 100, 'none'],
    ]);
    expect([balance(w, other.id, dana), balance(w, other.id, erin)]).toEqual([360, 140]);
    expect(fake.memberRoles(other.id, dana)).toContain(role.champion);
    await expect
      .poll(() => fake.channelMessages(logChannel).some((m) => text(m).includes('Season ended')), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(gatewayAsksOfOther()).toEqual([]);
    expect(w.app.client.guilds.cache.has(other.id)).toBe(false);
    expect(s().seasons.store.byId(ghost.id)!.status).toBe('running');
    expect(w.logs.filter((l) => l.level >= 40 && /season/.test(l.msg))).toEqual([]);
    clean(w);
  });

  it('draws a raffle there at its end, passing over who left or lost the role, and grants the prize', async () => {
    const entrants = [user.hana, user.ivan, user.jo, user.dana];
    for (const u of entrants) fake.setMemberRoles(other.id, u, [role.gate]);
    for (const u of entrants) earn(w, other.id, u, 50, `r:${u}`);
    s().rewards.add(other.id, 'mod', { name: 'VIP pass', cost: 1000, kind: 'role', roleId: role.vip });
    const raffle = s().raffles.start({
      guildId: other.id,
      name: 'Far raffle',
      reward: 'VIP pass',
      winners: 1,
      entryCost: 10,
      maxEntriesPerMember: 1,
      ends: '1h',
      requiredRoleId: role.gate,
      moderatorId: 'mod',
    });
    for (const u of entrants)
      s().raffles.enter({
        guildId: other.id,
        raffle: 'Far raffle',
        userId: u,
        entries: 1,
        key: `enter:${u}`,
        memberRoleIds: [role.gate],
        joinedAt: null,
      });
    const before = Object.fromEntries(entrants.map((u) => [u, balance(w, other.id, u)]));
    // The seed's first candidate leaves, the second loses the required role: the third wins.
    const order = [...candidates(raffle.seed, s().raffles.entries(raffle.id))].map((c) => c.userId);
    fake.removeMember(other.id, order[0]!);
    fake.setMemberRoles(other.id, order[1]!, []);

    clock.advance(2 * HOUR);
    await expect.poll(() => s().raffles.get(raffle.id)!.status, { timeout: 10_000 }).toBe('drawn');
    expect(
      s()
        .raffles.draws(raffle.id)
        .map((d) => [d.userId, d.outcome]),
    ).toEqual([
      [order[0], 'left'],
      [order[1], 'lost_role'],
      [order[2], 'won'],
    ]);
    await expect.poll(() => fake.memberRoles(other.id, order[2]!)?.includes(role.vip)).toBe(true);
    // Entries are spent once, the prize not charged.
    expect(entrants.map((u) => before[u]! - balance(w, other.id, u))).toEqual(entrants.map(() => 0));
    expect(s().ledger.reads.account(other.id, { type: 'hold', ref: 'shop' })?.balance ?? 0).toBe(0);
    await expect
      .poll(() => fake.channelMessages(logChannel).some((m) => text(m).includes('Raffle drawn')), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(gatewayAsksOfOther()).toEqual([]);
    expect(w.app.client.guilds.cache.has(other.id)).toBe(false);
    clean(w);
  });
});

describe('a bot that does not lead', () => {
  const clock = fakeClock();
  let w: BotWorld;
  const s = () => w.app.services;

  beforeAll(async () => {
    w = await startWorld({ clock, plugins: plugins(), leader: false });
    s().settings.update(w.guildId, { logChannelId: w.logChannelId });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('leaves a due season and a due raffle alone; the moderator’s end and draw still work', async () => {
    const { mod, alice, bob } = w.users;
    const started = await w.slash(mod, 'sparks-admin season start', { name: 'Idle', ends: '1d' }).final();
    expect(text(started)).toContain('Season started: Idle');
    await w
      .slash(mod, 'sparks-admin season prize', { season: 'Idle', rank_from: 1, rank_to: 1, sparks: 70 })
      .final();
    clock.advance(1000);
    earn(w, w.guildId, alice, 30, 'idle:alice');
    const badge = s().rewards.add(w.guildId, mod, { name: 'Lucky', cost: 10, kind: 'badge' });
    earn(w, w.guildId, bob, 20, 'idle:bob');
    const raffled = await w
      .slash(mod, 'sparks-admin raffle start', {
        name: 'Quiet',
        prize: `r:${badge.id}`,
        winners: 1,
        entry_cost: 5,
        max_entries_per_member: 1,
        ends: '1h',
      })
      .final();
    expect(text(raffled)).toContain('Raffle started: Quiet');
    expect(text(await w.slash(bob, 'sparks raffle', { raffle: 'Quiet', entries: 1 }).final())).toContain(
      'You now hold **1** of 1',
    );

    clock.advance(2 * DAY);
    const season = s().seasons.find(w.guildId, 'Idle');
    const raffle = s().raffles.find(w.guildId, 'Quiet');
    expect(
      s()
        .seasons.due()
        .map((x) => x.id),
    ).toEqual([season.id]);
    expect(
      s()
        .raffles.due()
        .map((x) => x.id),
    ).toEqual([raffle.id]);
    // Many scheduler periods (50 ms) and a command's round trip later, both are still due.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(text(await w.slash(alice, 'sparks season').final())).toContain('🏆 Idle');
    expect(s().seasons.store.byId(season.id)!.status).toBe('running');
    expect(s().raffles.get(raffle.id)).toMatchObject({ status: 'open', closedAt: null });
    expect(balance(w, w.guildId, alice)).toBe(30);

    const ended = await w.slash(mod, 'sparks-admin season end', { season: 'Idle' }).final();
    expect(text(ended)).toContain('**Idle** has ended');
    expect(
      s()
        .seasons.winners(season.id)
        .map((r) => [r.rank, r.userId]),
    ).toEqual([[1, alice]]);
    expect(balance(w, w.guildId, alice)).toBe(100);
    const drawn = await w.slash(mod, 'sparks-admin raffle draw', { raffle: 'Quiet' }).final();
    expect(text(drawn)).toContain(`Winners: <@${bob}>`);
    expect(s().raffles.get(raffle.id)!.status).toBe('drawn');
    expect(
      s()
        .redemptions.badges(w.guildId, bob)
        .map((b) => b.name),
    ).toEqual(['Lucky']);
    // The moderator's end announced the season here, where the guild is served.
    await expect
      .poll(() => w.fake.channelMessages(w.logChannelId).some((m) => text(m).includes('Season ended')), {
        timeout: 10_000,
      })
      .toBe(true);
    clean(w);
  });
});
