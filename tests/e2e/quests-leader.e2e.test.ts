/**
 * Quest schedules run in the process that leads the once-only work, for every guild: a
 * guild another shard serves is reached over REST (no gateway member request), and a
 * process that does not lead leaves due quests to the leader while its moderators' quest
 * commands still work; with two processes on one database, the leader on the other shard
 * ends and announces the serving process's quest, and the moderator's end after it is a no-op.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyLedger } from '../../src/db/verify.ts';
import { FakeDiscord, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { fakeClock } from '../helpers/db.ts';
import { DAY, questKit, questPlugins } from '../helpers/quests.ts';

const HOUR = 3_600_000;
let w: BotWorld | undefined;
/** A second process on the same database, when a test starts one (stopped first). */
let leader: BotWorld | undefined;
/** A fake Discord the test made itself (stopped after the bots). */
let ownFake: FakeDiscord | undefined;
afterEach(async () => {
  const errors = [...(leader?.logs ?? []), ...(w?.logs ?? [])].filter((l) => l.level >= 50);
  await leader?.stop();
  await w?.stop();
  await ownFake?.stop();
  leader = undefined;
  w = undefined;
  ownFake = undefined;
  expect(errors).toEqual([]);
});

describe('the leader runs quest schedules in a guild another shard serves', () => {
  it('opens a scheduled quest and ends a published one over REST: Sparks, reward role, DM and log', async () => {
    const clock = fakeClock();
    const fake = (ownFake = await FakeDiscord.start());
    const other = fake.createGuild({ name: 'Elsewhere', shard: [1, 2] });
    const general = fake.createChannel(other.id, { name: 'general' });
    const log = fake.createChannel(other.id, { name: 'sparks-log' });
    const member = fake.createRole(other.id, { name: 'Member', position: 1 });
    const reward = fake.createRole(other.id, { name: 'Raider', position: 2 });
    const joined = new Date(clock() - 400 * DAY);
    const dana = fake.addMember(other.id, { username: 'dana', roles: [member.id], joinedAt: joined }).userId;
    const erin = fake.addMember(other.id, { username: 'erin', joinedAt: joined }).userId;
    const fran = fake.addMember(other.id, { username: 'fran', joinedAt: joined }).userId;
    const old = (content: string) =>
      fake.postMessage(general.id, {
        authorId: fran,
        content,
        silent: true,
        createdAt: new Date(clock() - DAY),
      });
    const raidPost = old('The raid starts soon');
    const drivePost = old('Sign the drive');

    w = await startWorld({ fake, clock, plugins: questPlugins(), shards: { ids: [0], count: 2 } });
    const { services, client } = w.app;
    expect(client.guilds.cache.has(other.id)).toBe(false);
    services.settings.update(other.id, { logChannelId: log.id });

    // Quests another process's moderator made (the database is shared); this process never
    // sees the guild's gateway, so reactions reach it only by reconciliation over REST.
    const make = (name: string, fields: Record<string, unknown>, messageId: string) => {
      const q = services.quests.create({ guildId: other.id, name, moderatorId: fran, sparks: 25, ...fields });
      services.quests.addStep(other.id, String(q.id), {
        kind: 'reaction',
        channelId: general.id,
        messageId,
        emoji: '🔥',
      });
      return services.quests.publish(other.id, name, fran);
    };
    const raid = make(
      'Weekend raid',
      { startsIn: '1h', endsIn: '5h', rewardRoleId: reward.id, requiredRoleId: member.id },
      raidPost,
    );
    const drive = make('Signature drive', { endsIn: '2h' }, drivePost);
    expect([raid.status, drive.status]).toEqual(['scheduled', 'published']);
    // Reactions made before the start (the raid) and before the end (the drive).
    for (const userId of [dana, erin])
      fake.addReaction({ channelId: general.id, messageId: raidPost, userId, emoji: '🔥', silent: true });
    fake.addReaction({
      channelId: general.id,
      messageId: drivePost,
      userId: erin,
      emoji: '🔥',
      silent: true,
    });
    const balance = (userId: string) => services.ledger.reads.standing(other.id, userId).balance;

    clock.advance(HOUR + 1000);
    await expect.poll(() => services.quests.byId(raid.id)!.status).toBe('published');
    // Only Dana has the required role: she is paid, gets the reward role and a DM.
    await expect.poll(() => balance(dana)).toBe(25);
    await expect.poll(() => fake.memberRoles(other.id, dana)?.includes(reward.id)).toBe(true);
    await expect.poll(() => fake.dms(dana).some((m) => text(m).includes('**Weekend raid**'))).toBe(true);
    expect(balance(erin)).toBe(0);
    expect(fake.memberRoles(other.id, erin)).not.toContain(reward.id);

    clock.advance(HOUR);
    await expect.poll(() => services.quests.byId(drive.id)!.status).toBe('ended');
    expect(services.quests.byId(drive.id)).toMatchObject({ endReason: 'time', completions: 1 });
    // The reaction the bot never saw counted at the end.
    expect(balance(erin)).toBe(25);
    const logged = () => fake.channelMessages(log.id).map((m) => text(m));
    await expect
      .poll(() => logged().some((t) => t.includes('Quest ended') && t.includes('Signature drive')))
      .toBe(true);
    await expect
      .poll(() => logged().some((t) => t.includes('Quest published') && t.includes('Weekend raid')))
      .toBe(true);

    // All of it without the gateway: no member request for the guild, nothing in the cache.
    expect(fake.memberRequests.filter((r) => r.guildIds.includes(other.id))).toEqual([]);
    expect(client.guilds.cache.has(other.id)).toBe(false);
    expect(verifyLedger(services.db).checks.filter((c) => !c.ok)).toEqual([]);
    expect(w.logs.filter((l) => l.level >= 40)).toEqual([]);
  });
});

describe('a process that does not lead', () => {
  it('leaves due quests alone while its moderators publish and end quests', async () => {
    const clock = fakeClock();
    w = await startWorld({ clock, plugins: questPlugins(), leader: false });
    const world = w;
    const k = questKit(world, clock);
    const { services } = world.app;
    const reward = world.fake.createRole(world.guildId, { name: 'Finisher', position: 2 });

    await k.admin('create', { name: 'Later', sparks: 5, starts_in: '1h' });
    await k.admin('step', { quest: 'Later', kind: 'quiz', prompt: 'Ready?', answers: 'yes' });
    expect(await k.admin('publish', { quest: 'Later' })).toMatch(/is scheduled/);
    await k.admin('create', { name: 'Short', sparks: 7, ends_in: '2h', role: reward.id });
    const post = k.oldMessage('React for Short');
    await k.admin('step', { quest: 'Short', kind: 'reaction', message: k.link(post), emoji: '🔥' });
    expect(await k.admin('publish', { quest: 'Short' })).toContain('Short');
    expect(k.quest('Short').status).toBe('published');

    // A reaction counts here (the listeners run in every process); the reward role and the
    // DM are the leader's announcer's, so they wait.
    const [ann] = k.members(1);
    k.react(post, ann!);
    await expect.poll(() => k.balance(ann!)).toBe(7);

    clock.advance(3 * HOUR);
    // Many schedule passes' worth of time (the timer is 50 ms): neither quest moves.
    await sleep(500);
    await k.roundTrip();
    expect(k.quest('Later').status).toBe('scheduled');
    expect(k.quest('Short').status).toBe('published');
    expect(services.quests.due().toOpen.map((q) => q.name)).toEqual(['Later']);
    expect(world.fake.memberRoles(world.guildId, ann!)).not.toContain(reward.id);
    expect(k.dmText(ann!)).toEqual([]);
    expect(services.quests.unannounced().map((c) => c.userId)).toEqual([ann]);

    // The moderator's end works here: reactions reconciled first, then ended once.
    const [late] = k.members(1);
    k.react(post, late!, true);
    expect(await k.admin('end', { quest: 'Short' })).toContain('**Short** has ended: 2 completion(s)');
    expect(k.balance(late!)).toBe(7);
    expect(k.quest('Short').endReason).toBe('moderator');
    expect(await k.admin('end', { quest: 'Short' })).toContain('had already ended');
    expect(k.quest('Later').status).toBe('scheduled');
  });
});

describe('two processes on one database', () => {
  it('the leader on the other shard ends and announces a quest of a guild it does not serve, once', async () => {
    const clock = fakeClock();
    w = await startWorld({ clock, plugins: questPlugins(), shards: { ids: [0], count: 2 }, leader: false });
    const here = w;
    leader = await startWorld({
      fake: here.fake,
      clock,
      plugins: questPlugins(),
      shards: { ids: [1], count: 2 },
      env: { DATABASE_PATH: here.config.databasePath },
    });
    const there = leader;
    expect(there.app.client.guilds.cache.has(here.guildId)).toBe(false);
    const k = questKit(here, clock);
    here.app.services.settings.update(here.guildId, { logChannelId: here.logChannelId });
    const reward = here.fake.createRole(here.guildId, { name: 'Relay runner', position: 2 });

    // The moderator and the member are on the serving process; the leader is not.
    await k.admin('create', { name: 'Relay', sparks: 9, ends_in: '2h', role: reward.id });
    const post = k.oldMessage('Pass the baton');
    await k.admin('step', { quest: 'Relay', kind: 'reaction', message: k.link(post), emoji: '🔥' });
    await k.admin('publish', { quest: 'Relay' });
    const [gia] = k.members(1);
    k.react(post, gia!);
    await expect.poll(() => k.balance(gia!)).toBe(9);
    // The leader's announcer grants the reward role and DMs, over REST.
    await expect.poll(() => here.fake.memberRoles(here.guildId, gia!)?.includes(reward.id)).toBe(true);
    await expect.poll(() => k.dmText(gia!).filter((m) => m.includes('**Relay**')).length).toBe(1);

    // A reaction the serving process missed; the leader's end reconciles it, over REST.
    const [hal] = k.members(1);
    k.react(post, hal!, true);
    clock.advance(2 * HOUR + 1000);
    await expect.poll(() => k.quest('Relay').status).toBe('ended');
    expect(k.quest('Relay')).toMatchObject({ endReason: 'time', completions: 2 });
    expect(k.balance(hal!)).toBe(9);
    // The moderator's end, after the leader's: a no-op.
    expect(await k.admin('end', { quest: 'Relay' })).toContain('had already ended');
    const ended = () =>
      here.fake.channelMessages(here.logChannelId).filter((m) => text(m).includes('Quest ended'));
    await expect.poll(() => ended().length).toBe(1);
    await expect.poll(() => here.fake.memberRoles(here.guildId, hal!)?.includes(reward.id)).toBe(true);
    await there.app.services.quests.idle();
    await k.roundTrip();
    expect(ended()).toHaveLength(1);
    expect(k.dmText(gia!).filter((m) => m.includes('**Relay**'))).toHaveLength(1);
    expect(verifyLedger(here.app.services.db).checks.filter((c) => !c.ok)).toEqual([]);
  });
});
