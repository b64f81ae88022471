/**
 * The demo world with the web on, for `npm run demo:web` and `npm run screenshots`: the
 * fake Discord with a populated guild ("Sparks Lab": a few dozen members with Sparks from
 * awards over the last weeks and a reaction campaign, tier roles, a stocked shop, one
 * redemption), the real bot serving the web on 127.0.0.1 with secrets made at start, and
 * the fake's OAuth2 application registered for the site's callback.
 */
import { randomBytes } from 'node:crypto';
import { DAY_MS } from '../../core/clock.ts';
import { buttons, type OptionValue } from '../../../testkit/fake-discord/index.ts';
import { startWebWorld, type WebWorld } from '../../../testkit/web.ts';
import { until } from './acts/campaigns.ts';
import { starterRewards } from './acts/shop.ts';

export interface DemoWeb {
  world: WebWorld;
  /** The site's origin, e.g. http://127.0.0.1:3000 */
  url: string;
  /** The guild's leaderboard page. */
  boardUrl: string;
  /** Names to pick on the fake's authorize page. */
  logins: { admin: string; members: string[] };
  stop: () => Promise<void>;
}

/** Members beside the world's own Alice, Bob and Carol; a few write in Korean. */
const NAMES = [
  'Dana',
  'Eli',
  'Farah',
  'Gus',
  'Hana',
  'Ivan',
  'Jun',
  'Kai',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Vera',
  'Wes',
  'Yara',
  'Zoe',
  '김민준',
  '이서연',
  '박지호',
  '최유나',
  '정하준',
];

const REASONS = ['Helpful answer', 'Bug report', 'Meme contest', 'Event host', 'Translation', 'Fan art'];

/**
 * Starts and populates the world. `port` 0 (the default) picks a free one. Errors: whatever
 * the bot or the fake throw while starting, or a timeout waiting for the campaign's grants.
 */
export async function startDemoWeb(options: { port?: number } = {}): Promise<DemoWeb> {
  // Sparks earned weeks ago count all-time but not this week: the clock starts 40 days back.
  let offset = -40 * DAY_MS;
  const world = await startWebWorld({
    ...(options.port ? { port: options.port } : {}),
    clock: () => Date.now() + offset,
    env: {
      DISCORD_CLIENT_SECRET: randomBytes(24).toString('base64url'),
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    },
  });
  try {
    await populate(world, (days) => (offset = -days * DAY_MS));
  } catch (err) {
    await world.stop();
    throw err;
  }
  return {
    world,
    url: world.url,
    boardUrl: `${world.url}/g/${world.guildId}/leaderboard`,
    logins: { admin: 'Mod', members: ['Alice', 'Bob', 'Carol'] },
    stop: () => world.stop(),
  };
}

async function populate(w: WebWorld, daysAgo: (days: number) => void): Promise<void> {
  const { fake, guildId, users } = w;
  const run = async (user: string, path: string, options: Record<string, OptionValue> = {}) => {
    const handle = w.slash(user, path, options);
    await handle.final();
    return handle;
  };
  // The service `/sparks-admin award` calls, without a round trip per award (there are ~70).
  let awards = 0;
  const award = (userId: string, amount: number, reason: string) =>
    w.app.services.awards.award({
      guildId,
      moderatorId: users.mod,
      userId,
      amount,
      reason,
      key: `demo-web:${++awards}`,
    });

  await run(users.mod, 'sparks-admin config', { log_channel: w.logChannelId });
  const tiers = [
    ['Bronze', 300],
    ['Silver', 1000],
    ['Gold', 2500],
  ] as const;
  for (const [i, [name, lifetime]] of tiers.entries()) {
    const role = fake.createRole(guildId, { name, position: 2 + i });
    await run(users.mod, 'sparks-admin tier set', { role: role.id, lifetime });
  }
  const vip = fake.createRole(guildId, { name: 'VIP', position: 6 });
  const og = fake.createRole(guildId, { name: 'OG', position: 7 });

  const members = [
    users.alice,
    users.bob,
    users.carol,
    ...NAMES.map((name, i) => fake.addMember(guildId, { username: `member${i}`, globalName: name }).userId),
  ];
  // Deterministic, skewed amounts: a few members earn a lot, most a little.
  const amount = (i: number, round: number) => 20 + Math.round(1800 / (1 + ((i * 7 + round * 3) % 13)));
  for (const [round, days] of [
    [0, 40],
    [1, 20],
  ] as const) {
    daysAgo(days);
    for (const [i, member] of members.entries())
      if ((i + round) % 3 !== 2) award(member, amount(i, round), REASONS[(i + round) % REASONS.length]!);
  }
  daysAgo(0);
  award(users.alice, 1500, 'Best AMA question');
  award(users.bob, 900, 'Bug report');
  award(users.carol, 700, 'Meme contest');
  for (const [i, member] of members.slice(3, 12).entries()) award(member, 40 + 35 * i, 'Weekly helper');

  const post = fake.postMessage(w.channelId, {
    authorId: users.mod,
    content: 'Launch day! React with 🔥 to celebrate.',
  });
  await run(users.mod, 'sparks-admin campaign start', {
    message: `https://discord.com/channels/${guildId}/${w.channelId}/${post}`,
    emoji: '🔥',
    sparks: 50,
    budget: 5000,
    name: 'Launch day',
  });
  const reacting = members.filter((_, i) => i % 2 === 0);
  for (const member of reacting)
    fake.addReaction({ channelId: w.channelId, messageId: post, userId: member, emoji: '🔥' });
  await until(() => w.app.services.campaigns.activeInGuild(guildId)[0]?.claims === reacting.length);

  const { vipPass, ogBadge, whitelist } = starterRewards(vip.id, og.id);
  await run(users.mod, 'sparks-admin reward add', vipPass);
  await run(users.mod, 'sparks-admin reward add', { ...ogBadge, description: 'For the early crowd' });
  await run(users.mod, 'sparks-admin reward add', whitelist);
  await run(users.mod, 'sparks-admin reward add', {
    name: 'Custom emoji',
    cost: 1200,
    kind: 'manual',
    input_label: 'Describe your emoji',
    per_member_limit: 1,
  });
  const confirm = await run(users.alice, 'sparks redeem', { reward: 'VIP Pass' });
  const message = confirm.original();
  const button = message ? buttons(message).find((b) => b.label === 'Confirm') : undefined;
  if (!message?.id || !button?.customId) throw new Error('demo: no Confirm button on the redemption');
  await fake
    .clickButton({
      channelId: w.channelId,
      userId: users.alice,
      messageId: message.id,
      customId: button.customId,
    })
    .final();
  await w.membersIdle();
}
