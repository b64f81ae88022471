import type { Transcript } from '../transcript.ts';

/** A moderator stocks the shop; a member redeems a role; redemptions that cannot work are refused or refunded. */
export async function shop(t: Transcript): Promise<void> {
  const { users, fake, guildId } = t.world;
  const vip = fake.createRole(guildId, { name: 'VIP', position: 3 });
  const og = fake.createRole(guildId, { name: 'OG', position: 4 });
  t.roles.set(vip.id, 'VIP').set(og.id, 'OG');

  t.heading('A moderator stocks the shop');
  await t.command(users.mod, 'sparks-admin reward add', {
    name: 'VIP Pass',
    cost: 500,
    kind: 'role',
    role: vip.id,
    duration: '7d',
    stock: 10,
    description: 'A week in the VIP lounge',
  });
  await t.command(users.mod, 'sparks-admin reward add', {
    name: 'OG Badge',
    cost: 300,
    kind: 'badge',
    role: og.id,
  });
  await t.command(users.mod, 'sparks-admin reward add', {
    name: 'Whitelist spot',
    cost: 400,
    kind: 'manual',
    input_kind: 'wallet',
    stock: 50,
  });

  t.heading('A member browses and redeems a role');
  await t.command(users.alice, 'sparks shop');
  const confirm = await t.command(users.alice, 'sparks redeem', { reward: 'vip pass' });
  await t.press(users.alice, confirm, 'Confirm');
  t.note(`@alice holds @VIP now: ${String(fake.memberRoles(guildId, users.alice)?.includes(vip.id))}`);

  t.heading('Refused: a role already held, and a role that moved above the bot');
  await t.command(users.alice, 'sparks redeem', { reward: 'VIP Pass' });
  const badge = await t.command(users.carol, 'sparks redeem', { reward: 'OG Badge' });
  t.note('meanwhile an admin drags @OG above the bot’s role');
  fake.updateRole(guildId, og.id, { position: 99 });
  await t.press(users.carol, badge, 'Confirm');
  await t.command(users.carol, 'sparks balance');
}
