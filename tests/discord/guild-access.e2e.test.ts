/**
 * GuildAccess: the leader reaches a guild another shard serves over REST, without putting it
 * in its own gateway cache, and remembers a guild that removed the bot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GuildAccess } from '../../src/discord/guild-access.ts';
import { FakeDiscord } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';

let world: BotWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe('GuildAccess', () => {
  it('serves its own guilds from the cache and another shard’s over REST, uncached', async () => {
    const fake = await FakeDiscord.start();
    const other = fake.createGuild({ name: 'Elsewhere', shard: [1, 2] });
    const here = fake.addMember(other.id, { username: 'dana' }).userId;
    const gone = fake.addMember(other.id, { username: 'erin' }).userId;
    fake.removeMember(other.id, gone);
    world = await startWorld({ fake, shards: { ids: [0], count: 2 } });
    const { client } = world.app;
    const access = new GuildAccess(client);

    expect(access.serves(world.guildId)).toBe(true);
    expect(access.serves(other.id)).toBe(false);
    const before = fake.requests.length;
    expect(await access.guild(world.guildId)).toBe(client.guilds.cache.get(world.guildId));
    expect(fake.requests.length).toBe(before); // the cache answered

    const guild = await access.guild(other.id);
    expect(guild?.name).toBe('Elsewhere');
    expect(client.guilds.cache.has(other.id)).toBe(false);
    const members = await access.members(guild!, [here, gone]);
    expect([...members.keys()]).toEqual([here]);
    expect(await access.member(guild!, gone)).toBeNull();
    expect(fake.memberRequests.filter((r) => r.guildIds.includes(other.id))).toEqual([]); // no gateway
    expect(guild!.members.cache.size).toBe(0);

    // Kept a minute: a second look asks Discord nothing.
    const asked = fake.requests.length;
    expect(await access.guild(other.id)).toBe(guild);
    expect(fake.requests.length).toBe(asked);
  });

  it('answers null for a guild the bot is not in, and remembers it', async () => {
    world = await startWorld();
    const access = new GuildAccess(world.app.client);
    const unknown = '123456789012345678';
    expect(await access.guild(unknown)).toBeNull();
    const asked = world.fake.requests.length;
    expect(await access.guild(unknown)).toBeNull();
    expect(world.fake.requests.length).toBe(asked);
  });
});
