import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Permissions } from '../../../../testkit/fake-discord/index.ts';
import type { Transcript } from '../transcript.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const DEMO_OUTPUT = join(ROOT, 'demo-output');

/**
 * Tier roles granted once (and a moderator's removal respected), the leaderboard, history
 * and a balance card in Korean, written to demo-output/ for a look.
 */
export async function members(t: Transcript): Promise<void> {
  const { users, fake, guildId } = t.world;
  const roles = fake.state.requireGuild(guildId).roles;
  const bronze = fake.createRole(guildId, { name: 'Bronze', position: 2 }).id;
  const silver = fake.createRole(guildId, { name: 'Silver', position: 3 }).id;
  const admin = fake.createRole(guildId, {
    name: 'Admins',
    position: 4,
    permissions: Permissions.Administrator,
  }).id;
  const minjun = fake.addMember(guildId, { username: 'minjun', globalName: '김민준', locale: 'ko' }).userId;
  t.extraNames.set(minjun, 'minjun');
  const rolesOf = (userId: string) =>
    (fake.memberRoles(guildId, userId) ?? []).map((id) => `@${roles.get(id)?.name ?? id}`).join(', ') ||
    'none';

  t.heading('Tier roles by lifetime Sparks');
  await t.command(users.mod, 'sparks-admin tier set', { role: admin, lifetime: 100 });
  await t.command(users.mod, 'sparks-admin tier set', { role: bronze, lifetime: 500 });
  await t.command(users.mod, 'sparks-admin tier set', { role: silver, lifetime: 1000 });
  await t.world.membersIdle();
  t.note(
    `roles now: @alice ${rolesOf(users.alice)}; @bob ${rolesOf(users.bob)}; @carol ${rolesOf(users.carol)}`,
  );
  fake.setMemberRoles(guildId, users.bob, []);
  t.note('a moderator removes @Bronze from @bob by hand');
  await t.command(users.mod, 'sparks-admin award', {
    member: users.bob,
    amount: 100,
    reason: 'Helpful answer',
  });
  await t.world.membersIdle();
  t.note(`@bob's roles: ${rolesOf(users.bob)} (the bot does not fight the moderator)`);
  await t.command(users.mod, 'sparks-admin award', {
    member: users.carol,
    amount: 300,
    reason: 'Event host',
  });
  await t.command(users.mod, 'sparks-admin award', { member: minjun, amount: 650, reason: '번역 기여' });
  await t.world.membersIdle();
  t.note(`@carol crossed 1,000 lifetime Sparks: ${rolesOf(users.carol)}; @minjun: ${rolesOf(minjun)}`);
  await t.command(users.mod, 'sparks-admin tier list');

  t.heading('Leaderboard and history');
  const board = await t.command(users.bob, 'sparks leaderboard');
  await t.command(users.carol, 'sparks leaderboard', { period: 'week' }, { locale: 'ko' });
  await t.command(users.alice, 'sparks history');

  t.heading('Balance card');
  const balance = await t.command(minjun, 'sparks balance', {}, { locale: 'ko' });
  mkdirSync(DEMO_OUTPUT, { recursive: true });
  for (const [handle, file] of [
    [balance, 'balance-card.png'],
    [board, 'leaderboard-card.png'],
  ] as const) {
    const png = (await handle.final()).attachments[0];
    if (!png) throw new Error(`no card attached for ${file}`);
    const path = join(DEMO_OUTPUT, file);
    writeFileSync(path, png.data);
    t.note(`card written to ${relative(process.cwd(), path) || path}`);
  }
}
