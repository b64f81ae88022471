import type { Transcript } from '../transcript.ts';

/**
 * The three rewards every demo stocks first, as `/sparks-admin reward add` options: a
 * timed role, a badge, a manual reward asking for a wallet.
 */
export function starterRewards(
  vipRoleId: string,
  ogRoleId: string,
): Record<'vipPass' | 'ogBadge' | 'whitelist', Record<string, string | number>> {
  return {
    vipPass: {
      name: 'VIP Pass',
      cost: 500,
      kind: 'role',
      role: vipRoleId,
      duration: '7d',
      stock: 10,
      description: 'A week in the VIP lounge',
    },
    ogBadge: { name: 'OG Badge', cost: 300, kind: 'badge', role: ogRoleId },
    whitelist: { name: 'Whitelist spot', cost: 400, kind: 'manual', input_kind: 'wallet', stock: 50 },
  };
}

/** A moderator stocks the shop; a member redeems a role; redemptions that cannot work are refused or refunded. */
export async function shop(t: Transcript): Promise<void> {
  const { users, fake, guildId } = t.world;
  const vip = fake.createRole(guildId, { name: 'VIP', position: 3 });
  const og = fake.createRole(guildId, { name: 'OG', position: 4 });
  t.roles.set(vip.id, 'VIP').set(og.id, 'OG');

  t.heading('A moderator stocks the shop');
  for (const options of Object.values(starterRewards(vip.id, og.id)))
    await t.command(users.mod, 'sparks-admin reward add', options);

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
