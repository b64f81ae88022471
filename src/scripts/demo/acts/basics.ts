import type { Transcript } from '../transcript.ts';

/** A moderator awards Sparks; members check balances, in English and Korean; a refusal. */
export async function basics(t: Transcript): Promise<void> {
  const { users } = t.world;
  t.heading('Moderator awards');
  await t.command(users.mod, 'sparks-admin award', {
    member: users.alice,
    amount: 1500,
    reason: 'Best AMA question',
  });
  await t.command(users.mod, 'sparks-admin award', { member: users.bob, amount: 800, reason: 'Bug report' });
  await t.command(users.mod, 'sparks-admin award', {
    member: users.carol,
    amount: 800,
    reason: 'Meme contest',
  });
  t.heading('Members check their Sparks');
  await t.command(users.alice, 'sparks balance');
  await t.command(users.bob, 'sparks balance', {}, { locale: 'ko' });
  t.heading('Guard rails');
  await t.command(users.alice, 'sparks-admin award', {
    member: users.alice,
    amount: 1000000,
    reason: 'trust me',
  });
  await t.command(users.mod, 'sparks-admin revoke', {
    member: users.bob,
    amount: 5000,
    reason: 'duplicate reward',
  });
}
