import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guild } from 'discord.js';
import { grantRole, removeRole } from '../../src/discord/roles.ts';
import { Permissions } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';

let w: BotWorld;
let guild: Guild;
beforeAll(async () => {
  w = await startWorld();
  guild = w.app.client.guilds.cache.get(w.guildId)!;
});
afterAll(async () => {
  await w.stop();
});

const ROLE_ROUTE = '/guilds/:g/members/:u/roles/:r';
const has = (userId: string, roleId: string) => w.fake.memberRoles(w.guildId, userId)?.includes(roleId);

describe('the safe role-grant path', () => {
  it('grants a safe role below the bot, with the audit-log reason', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Sparkler', position: 2 });
    expect(await grantRole(guild, w.users.alice, role.id, 'Sparks: tier reached')).toEqual({
      ok: true,
      alreadyDone: false,
    });
    expect(has(w.users.alice, role.id)).toBe(true);
    expect(w.fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_add',
      roleId: role.id,
      reason: 'Sparks: tier reached',
    });
    expect(await removeRole(guild, w.users.alice, role.id, 'expired')).toEqual({
      ok: true,
      alreadyDone: false,
    });
    expect(has(w.users.alice, role.id)).toBe(false);
  });

  it.each([
    ['a role above the bot', { position: 99 }, 'role_too_high'],
    ['a role with Administrator', { position: 2, permissions: Permissions.Administrator }, 'role_dangerous'],
    [
      'a role with Manage Messages',
      { position: 2, permissions: Permissions.ManageMessages },
      'role_dangerous',
    ],
    ['a role managed by an integration', { position: 2, managed: true }, 'role_managed'],
  ] as const)('refuses %s before calling Discord', async (_label, init, reason) => {
    const role = w.fake.createRole(w.guildId, { name: 'x', ...init });
    const before = w.fake.requests.filter((r) => r.method === 'PUT').length;
    const result = await grantRole(guild, w.users.bob, role.id, 'r');
    expect(result).toMatchObject({ ok: false, reason, permanent: true });
    expect(w.fake.requests.filter((r) => r.method === 'PUT').length).toBe(before);
    expect(has(w.users.bob, role.id)).toBe(false);
  });

  it('a deleted role and a member who left are told apart', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'gone', position: 2 });
    w.fake.deleteRole(w.guildId, role.id);
    expect(await grantRole(guild, w.users.bob, role.id, 'r')).toMatchObject({
      ok: false,
      reason: 'role_missing',
    });
    const kept = w.fake.createRole(w.guildId, { name: 'kept', position: 2 });
    const leaver = w.fake.addMember(w.guildId, { username: 'leaver' }).userId;
    w.fake.removeMember(w.guildId, leaver);
    expect(await grantRole(guild, leaver, kept.id, 'r')).toMatchObject({
      ok: false,
      reason: 'member_left',
      permanent: false,
    });
  });

  it('waits out a 429 and retries 5xx, then succeeds', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'busy', position: 2 });
    w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 429, retryAfter: 0.2 });
    w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 502, times: 2 });
    expect(await grantRole(guild, w.users.carol, role.id, 'r')).toEqual({ ok: true, alreadyDone: false });
    expect(has(w.users.carol, role.id)).toBe(true);
  });

  it('counts a grant that Discord applied before failing as granted (no double grant, no refund)', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'applied', position: 2 });
    w.fake.injectFault({
      method: 'PUT',
      route: ROLE_ROUTE,
      status: 500,
      times: 10,
      applyBeforeFailing: true,
    });
    expect(await grantRole(guild, w.users.bob, role.id, 'r')).toEqual({ ok: true, alreadyDone: true });
    w.fake.clearFaults();
    expect(has(w.users.bob, role.id)).toBe(true);
  });

  it('reports Discord unavailable when the change did not happen', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'down', position: 2 });
    w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 503, times: 10 });
    expect(await grantRole(guild, w.users.bob, role.id, 'r')).toMatchObject({
      ok: false,
      reason: 'discord_unavailable',
      permanent: false,
    });
    w.fake.clearFaults();
    expect(has(w.users.bob, role.id)).toBe(false);
  });
});
