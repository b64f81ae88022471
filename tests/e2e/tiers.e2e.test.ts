import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../src/audit.ts';
import { openDatabase } from '../../src/db/open.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { Permissions, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { seedRedemption } from '../helpers/members.ts';
import { sqliteOf } from '../helpers/engines.ts';

let w: BotWorld;
const roles = { bronze: '', silver: '', gold: '' };
const audit: AuditEvent[] = [];

beforeAll(async () => {
  w = await startWorld();
  roles.bronze = w.fake.createRole(w.guildId, { name: 'Bronze', position: 2 }).id;
  roles.silver = w.fake.createRole(w.guildId, { name: 'Silver', position: 3 }).id;
  roles.gold = w.fake.createRole(w.guildId, { name: 'Gold', position: 4 }).id;
});
afterAll(async () => {
  await w.stop();
});

const has = (userId: string, roleId: string) =>
  w.fake.memberRoles(w.guildId, userId)?.includes(roleId) ?? false;
const grantRow = (userId: string, roleId: string) =>
  (
    sqliteOf(w.app.services.db)
      .prepare('SELECT status FROM tier_grants WHERE guild_id = ? AND user_id = ? AND role_id = ?')
      .get(w.guildId, userId, roleId) as { status: string } | undefined
  )?.status;
const award = (member: string, amount: number) =>
  w.slash(w.users.mod, 'sparks-admin award', { member, amount, reason: 'tier test' }).reply();
const revoke = (member: string, amount: number) =>
  w.slash(w.users.mod, 'sparks-admin revoke', { member, amount, reason: 'tier test' }).reply();
const tierSet = (role: string, lifetime: number, locale = 'en-US') =>
  w.slash(w.users.mod, 'sparks-admin tier set', { role, lifetime }, { locale }).final();
/** Audit events recorded since the last call. */
function auditSince(): AuditEvent[] {
  audit.push(...w.app.services.audit.take(10_000));
  return audit.splice(0);
}

describe('/sparks-admin tier set refuses a role the bot cannot safely grant, naming the fix', () => {
  it.each([
    [
      'a role with Administrator',
      { position: 2, permissions: Permissions.Administrator },
      /powerful permissions \(Administrator\).*Server Settings → Roles/,
    ],
    [
      'a role with Manage Messages',
      { position: 2, permissions: Permissions.ManageMessages },
      /powerful permissions \(Manage Messages\)/,
    ],
    ['a role above the bot', { position: 99 }, /at or above my highest role.*drag the Sparks role above it/],
    [
      'a role managed by an integration',
      { position: 2, managed: true },
      /managed by an integration.*Create a normal role/,
    ],
  ] as const)('%s', async (_label, init, message) => {
    const role = w.fake.createRole(w.guildId, { name: 'unsafe', ...init });
    const reply = await tierSet(role.id, 100);
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/^That role is not safe to hand out: /);
    expect(text(reply)).toMatch(message);
    expect(w.app.services.tiers.list(w.guildId)).toEqual([]);
  });

  it('@everyone, the moderator role, a bot without Manage Roles, and a non-moderator', async () => {
    expect(text(await tierSet(w.guildId, 100))).toMatch(/managed by an integration \(or is @everyone\)/);
    const crew = w.fake.createRole(w.guildId, { name: 'Crew', position: 2 });
    w.app.services.settings.update(w.guildId, { moderatorRoleId: crew.id });
    expect(text(await tierSet(crew.id, 100))).toMatch(
      /^That tier cannot be saved: it is the moderator role, so every member reaching the tier would become a moderator/,
    );
    w.app.services.settings.update(w.guildId, { moderatorRoleId: null });
    const before = w.fake.botRole(w.guildId).permissions;
    w.fake.setBotRole(w.guildId, { permissions: Permissions.ViewChannel | Permissions.SendMessages });
    try {
      expect(text(await tierSet(roles.bronze, 100))).toMatch(/I do not have the Manage Roles permission/);
    } finally {
      w.fake.setBotRole(w.guildId, { permissions: before });
    }
    const member = await w
      .slash(w.users.alice, 'sparks-admin tier set', { role: roles.bronze, lifetime: 1 })
      .reply();
    expect(text(member)).toMatch(/Only moderators/);
    expect(w.app.services.tiers.list(w.guildId)).toEqual([]);
  });

  it('speaks Korean', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'high', position: 99 });
    expect(text(await tierSet(role.id, 100, 'ko'))).toMatch(
      /안전하지 않습니다: .*Sparks 역할을 그 위로 옮기세요/,
    );
  });
});

describe('tier roles', () => {
  it('while a guild has no tier roles, credited members are not planned one by one', async () => {
    expect(w.app.services.tiers.list(w.guildId)).toEqual([]);
    const erin = w.fake.addMember(w.guildId, { username: 'erin' }).userId;
    const plan = vi.spyOn(w.app.services.tiers, 'plan');
    try {
      await award(erin, 5);
      await w.membersIdle();
      expect(plan).not.toHaveBeenCalled();
      await tierSet(roles.gold, 5000);
      await w.membersIdle();
      plan.mockClear();
      await award(erin, 5);
      await w.membersIdle();
      expect(plan).toHaveBeenCalledWith(w.guildId, erin);
      await w.slash(w.users.mod, 'sparks-admin tier remove', { role: roles.gold }).reply();
    } finally {
      plan.mockRestore();
    }
    auditSince();
  });

  it('set, list and remove', async () => {
    const set = await tierSet(roles.bronze, 100);
    expect(text(set)).toBe(
      `✅ <@&${roles.bronze}> is now the tier for **100 lifetime Sparks**. 0 member(s) qualify now and get it shortly.`,
    );
    await tierSet(roles.gold, 5000);
    const list = await w.slash(w.users.mod, 'sparks-admin tier list').reply();
    expect(text(list)).toContain(
      `**100** lifetime Sparks → <@&${roles.bronze}> · granted to 0\n**5,000** lifetime Sparks → <@&${roles.gold}> · granted to 0`,
    );
    const removed = await w.slash(w.users.mod, 'sparks-admin tier remove', { role: roles.gold }).reply();
    expect(text(removed)).toMatch(/is no longer a tier role \(it needed 5,000 lifetime Sparks\)/);
    const again = await w.slash(w.users.mod, 'sparks-admin tier remove', { role: roles.gold }).reply();
    expect(text(again)).toBe(`<@&${roles.gold}> is not a tier role. See \`/sparks-admin tier list\`.`);
    const ko = await w.slash(w.users.mod, 'sparks-admin tier list', {}, { locale: 'ko' }).reply();
    expect(text(ko)).toContain(`누적 **100** Sparks → <@&${roles.bronze}> · 0명 지급`);
    auditSince();
  });

  it('crossing a threshold grants the role once, with an audit-log reason, and records it', async () => {
    await award(w.users.alice, 60);
    await w.membersIdle();
    expect(has(w.users.alice, roles.bronze)).toBe(false);
    await award(w.users.alice, 60);
    await w.membersIdle();
    expect(has(w.users.alice, roles.bronze)).toBe(true);
    expect(grantRow(w.users.alice, roles.bronze)).toBe('granted');
    expect(w.fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_add',
      targetId: w.users.alice,
      roleId: roles.bronze,
      reason: 'Sparks tier: reached 100 lifetime Sparks',
    });
    expect(auditSince().filter((e) => e.kind.startsWith('tier.'))).toEqual([
      expect.objectContaining({
        kind: 'tier.granted',
        userId: w.users.alice,
        fields: expect.objectContaining({ Role: `<@&${roles.bronze}>`, 'Lifetime earned': '120' }),
      }),
    ]);
    const balance = await w.slash(w.users.alice, 'sparks balance').final();
    expect(text(balance)).toMatch(new RegExp(`Tier\\s*<@&${roles.bronze}>`));
  });

  it('a role a moderator removes by hand is not granted again, while higher tiers still are', async () => {
    w.fake.setMemberRoles(w.guildId, w.users.alice, []);
    await award(w.users.alice, 50);
    await w.membersIdle();
    expect(has(w.users.alice, roles.bronze)).toBe(false);
    const set = await tierSet(roles.silver, 500);
    expect(text(set)).toContain('0 member(s) qualify now');
    await award(w.users.alice, 400); // lifetime 570
    await w.membersIdle();
    expect(w.fake.memberRoles(w.guildId, w.users.alice)).toEqual([roles.silver]);
    expect(
      w.fake.auditLog.filter((e) => e.targetId === w.users.alice && e.roleId === roles.bronze),
    ).toHaveLength(1);
  });

  it('spending never lowers a tier', async () => {
    await award(w.users.bob, 150);
    await w.membersIdle();
    expect(has(w.users.bob, roles.bronze)).toBe(true);
    seedRedemption(w, w.users.bob, { name: 'Sticker', kind: 'badge', cost: 120 }, 'fulfilled', 'bob-spend');
    await w.membersIdle();
    expect(w.app.services.ledger.reads.standing(w.guildId, w.users.bob)).toMatchObject({
      balance: 30,
      lifetimeEarned: 150,
    });
    expect(has(w.users.bob, roles.bronze)).toBe(true);
  });

  it('a revoke below a threshold removes the role; crossing it again grants it again', async () => {
    await award(w.users.carol, 120);
    await w.membersIdle();
    expect(has(w.users.carol, roles.bronze)).toBe(true);
    auditSince();
    await revoke(w.users.carol, 30);
    await w.membersIdle();
    expect(has(w.users.carol, roles.bronze)).toBe(false);
    expect(grantRow(w.users.carol, roles.bronze)).toBe('revoked');
    expect(w.fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_remove',
      targetId: w.users.carol,
      reason: 'Sparks tier: lifetime Sparks fell below 100',
    });
    expect(auditSince().map((e) => e.kind)).toContain('tier.removed');
    await award(w.users.carol, 20);
    await w.membersIdle();
    expect(has(w.users.carol, roles.bronze)).toBe(true);
    expect(grantRow(w.users.carol, roles.bronze)).toBe('granted');
  });

  it('setting a tier grants it to members who already qualify; a raised threshold takes it back', async () => {
    const set = await tierSet(roles.gold, 150);
    expect(text(set)).toContain('2 member(s) qualify now'); // alice 570, bob 150
    await w.membersIdle();
    expect(has(w.users.alice, roles.gold)).toBe(true);
    expect(has(w.users.bob, roles.gold)).toBe(true);
    const raised = await tierSet(roles.gold, 300);
    expect(text(raised)).toContain('now needs **300 lifetime Sparks** (was 150). 1 member(s) qualify.');
    expect(text(raised)).toContain('lose it');
    await w.membersIdle();
    expect(has(w.users.alice, roles.gold)).toBe(true);
    expect(has(w.users.bob, roles.gold)).toBe(false);
    await w.slash(w.users.mod, 'sparks-admin tier remove', { role: roles.gold }).reply();
  });

  it('members who crossed a threshold while the bot was offline get the role at start-up', async () => {
    await w.stopBot();
    const db = openDatabase(w.config.databasePath);
    new Ledger({ db }).credit({
      guildId: w.guildId,
      userId: w.users.bob,
      source: 'platform',
      kind: 'platform.trade',
      amount: 400,
      key: 'offline-trade',
      actor: { type: 'platform', id: 'evt_offline' },
      ref: 'event:evt_offline',
    });
    db.close();
    await w.restartBot();
    await w.membersIdle();
    expect(has(w.users.bob, roles.silver)).toBe(true);
  });

  it('a member who rejoins gets back the tiers they earned', async () => {
    w.fake.removeMember(w.guildId, w.users.carol);
    w.fake.addMember(w.guildId, { id: w.users.carol, username: 'carol' });
    await expect.poll(() => has(w.users.carol, roles.bronze)).toBe(true);
  });

  it('a role that became unsafe fails for good: logged, recorded, not recorded as granted', async () => {
    w.fake.updateRole(w.guildId, roles.silver, { position: 99 });
    auditSince();
    await award(w.users.carol, 500);
    await w.membersIdle();
    expect(has(w.users.carol, roles.silver)).toBe(false);
    expect(grantRow(w.users.carol, roles.silver)).toBeUndefined();
    expect(auditSince().filter((e) => e.kind === 'tier.failed')).toEqual([
      expect.objectContaining({ userId: w.users.carol, reason: 'role_too_high' }),
    ]);
    expect(w.logs.some((l) => l.msg === 'tier role cannot be changed; an admin must fix the role')).toBe(
      true,
    );
    // Fixing the role and setting the tier again catches her up.
    w.fake.updateRole(w.guildId, roles.silver, { position: 3 });
    await tierSet(roles.silver, 500);
    await w.membersIdle();
    expect(has(w.users.carol, roles.silver)).toBe(true);
    expect(verifyLedger(w.app.services.db).ok).toBe(true);
  });
});
