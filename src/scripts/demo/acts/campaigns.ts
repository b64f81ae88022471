import type { Transcript } from '../transcript.ts';

/** A moderator runs a reaction campaign: start, members react, list, end; the log channel shows it. */
export async function campaigns(t: Transcript): Promise<void> {
  const { world } = t;
  const { users, fake } = world;
  const services = () => world.app.services;
  t.heading('Reaction campaign');
  const logBefore = fake.channelMessages(world.logChannelId).length;
  await t.command(users.mod, 'sparks-admin config', { log_channel: world.logChannelId });
  const post = fake.postMessage(world.channelId, {
    authorId: users.mod,
    content: 'Launch day! React with 🔥 to celebrate.',
  });
  t.note(`@mod posted "Launch day! React with 🔥 to celebrate." (message ${post})`);
  await t.command(users.mod, 'sparks-admin campaign start', {
    message: `https://discord.com/channels/${world.guildId}/${world.channelId}/${post}`,
    emoji: '🔥',
    sparks: 50,
    budget: 1000,
    name: 'Launch day',
  });
  for (const name of ['alice', 'bob', 'carol', 'otherBot'] as const) {
    fake.addReaction({ channelId: world.channelId, messageId: post, userId: users[name], emoji: '🔥' });
    t.print(`» ${t.name(users[name])} reacts 🔥 to the launch post`);
  }
  fake.addReaction({ channelId: world.channelId, messageId: post, userId: users.alice, emoji: '🔥' });
  t.print(`» @alice reacts 🔥 again (still earns once)`);
  await until(() => services().campaigns.activeInGuild(world.guildId)[0]?.claims === 3);
  t.note('bots never earn: @otherBot got nothing');
  await t.command(users.mod, 'sparks-admin campaign list');
  await t.command(users.mod, 'sparks-admin campaign end', { campaign: 'launch day' });
  await until(() =>
    fake
      .channelMessages(world.logChannelId)
      .some((m) => m.embeds.some((e) => e.title === '🏁 Campaign ended')),
  );
  t.heading('The #sparks-log channel');
  for (const message of fake.channelMessages(world.logChannelId).slice(logBefore)) t.message(message);
}

/** Resolves once `condition` holds (polled every 20 ms); throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('demo: timed out waiting for the bot');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
