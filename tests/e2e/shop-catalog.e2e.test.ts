import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Permissions, buttons, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { addReward, captureAudit, click, expectLedgerClean, fund, redeem } from '../helpers/shop.ts';
import type { AuditEvent } from '../../src/audit.ts';

let w: BotWorld;
let audit: AuditEvent[];
beforeAll(async () => {
  w = await startWorld();
  audit = captureAudit(w);
});
afterEach(() => {
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
  expectLedgerClean(w);
});
afterAll(async () => {
  await w?.stop();
});

const admin = (sub: string, options: Record<string, string | number | boolean>, locale?: string) =>
  w.slash(w.users.mod, `sparks-admin reward ${sub}`, options, locale ? { locale } : {}).final();

describe('setting up the shop', () => {
  it('registers the reward group and the shop commands with Korean descriptions', () => {
    const [sparks, adminCommand] = ['sparks', 'sparks-admin'].map((name) =>
      w.fake.registeredCommands(w.guildId).find((c) => c.name === name)!,
    );
    const subs = (c: typeof sparks) => (c!.options as { name: string }[]).map((o) => o.name);
    expect(subs(sparks)).toEqual(expect.arrayContaining(['shop', 'redeem']));
    expect(subs(adminCommand)).toEqual(expect.arrayContaining(['reward', 'redemptions']));
    const group = (
      adminCommand!.options as { name: string; options: { name: string; options: { name: string }[] }[] }[]
    ).find((o) => o.name === 'reward')!;
    expect(group.options.map((o) => o.name)).toEqual(['add', 'edit', 'remove']);
    expect(group.options[0]!.options.map((o) => o.name)).toEqual([
      'name',
      'cost',
      'kind',
      'role',
      'description',
      'stock',
      'per_member_limit',
      'duration',
      'input_label',
      'input_kind',
      'required_role',
      'min_member_days',
      'min_account_days',
      'verified_wallet',
      'requires_wallet',
    ]);
  });

  it('adds a timed role reward, parsing the duration, and records it for the audit log', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'VIP', position: 3 });
    const reply = await admin('add', {
      name: 'VIP Pass',
      cost: 500,
      kind: 'role',
      role: role.id,
      duration: '1d 12h',
      stock: 10,
      per_member_limit: 1,
      description: 'Lounge access',
    });
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toContain('Added **VIP Pass** to the shop.');
    expect(text(reply)).toContain(`🎭 Role <@&${role.id}> for 1d 12h`);
    expect(text(reply)).toContain('📦 10 left');
    expect(w.app.services.rewards.find(w.guildId, 'vip pass')).toMatchObject({
      cost: 500,
      durationSeconds: 129_600,
      stock: 10,
      perMemberLimit: 1,
    });
    expect(audit.at(-1)).toMatchObject({
      kind: 'config',
      actorId: w.users.mod,
      fields: { Reward: 'VIP Pass' },
    });
  });

  it.each([
    [
      'Administrator',
      { permissions: Permissions.Administrator, position: 2 },
      /carries Administrator\. Remove those permissions/,
    ],
    [
      'Manage Messages',
      { permissions: Permissions.ManageMessages, position: 2 },
      /carries Manage Messages\./,
    ],
    [
      'a role above the bot',
      { position: 99 },
      /is above my highest role\. In Server Settings → Roles, drag my role above it/,
    ],
    ['an integration role', { position: 2, managed: true }, /is managed by an integration/],
  ] as const)('refuses a role with %s, naming the fix, and saves nothing', async (_label, init, says) => {
    const role = w.fake.createRole(w.guildId, { name: `Unsafe ${_label}`, ...init });
    const reply = await admin('add', { name: `Unsafe ${_label}`, cost: 10, kind: 'role', role: role.id });
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/^That role is not safe to hand out: /);
    expect(text(reply)).toMatch(says);
    expect(() => w.app.services.rewards.find(w.guildId, `Unsafe ${_label}`)).toThrow();
  });

  it('refuses a role when the bot lacks Manage Roles', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Fine', position: 2 });
    const saved = w.fake.botRole(w.guildId).permissions;
    w.fake.setBotRole(w.guildId, { permissions: Permissions.ViewChannel | Permissions.SendMessages });
    try {
      const reply = await admin('add', { name: 'Fine', cost: 10, kind: 'role', role: role.id });
      expect(text(reply)).toMatch(/I need the Manage Roles permission/);
    } finally {
      w.fake.setBotRole(w.guildId, { permissions: saved });
    }
  });

  it.each([
    [{ name: 'No role', cost: 10, kind: 'role' }, 'a role reward needs a `role`.'],
    [
      { name: 'Bad time', cost: 10, kind: 'role', role: 'ROLE', duration: 'soon' },
      'the duration must look like 30m',
    ],
    [
      { name: 'Timed badge', cost: 10, kind: 'badge', duration: '7d' },
      '`duration` only applies to role rewards.',
    ],
    [
      { name: 'Asks', cost: 10, kind: 'badge', input_label: 'Wallet' },
      '`input_label` and `input_kind` only apply to manual rewards.',
    ],
    [{ name: 'VIP PASS', cost: 10, kind: 'badge' }, 'a reward named “VIP PASS” already exists.'],
  ])('refuses %o with a clear reason', async (options, says) => {
    const role = w.fake.createRole(w.guildId, { name: 'r', position: 2 });
    const reply = await admin('add', { ...options, ...('role' in options ? { role: role.id } : {}) });
    expect(text(reply)).toContain('That reward cannot be saved: ');
    expect(text(reply)).toContain(says);
  });

  it('refuses a dangerous role at edit time too, and refuses changing the role of timed grants still running', async () => {
    const vip = w.app.services.rewards.find(w.guildId, 'VIP Pass');
    const admins = w.fake.createRole(w.guildId, {
      name: 'Admins',
      position: 2,
      permissions: Permissions.BanMembers,
    });
    expect(text(await admin('edit', { reward: 'VIP Pass', role: admins.id }))).toMatch(/carries Ban Members/);
    fund(w, w.users.carol, 600);
    expect(await redeem(w, w.users.carol, 'VIP Pass')).toContain('Redeemed **VIP Pass**');
    const other = w.fake.createRole(w.guildId, { name: 'Other', position: 2 });
    expect(text(await admin('edit', { reward: `r:${vip.id}`, role: other.id }))).toMatch(
      /1 member\(s\) still hold the current role on a timer/,
    );
    expect(w.app.services.rewards.get(vip.id)!.roleId).toBe(vip.roleId);
  });

  it('edits only the fields given, clears one with `clear`, and finds the reward by its typed name', async () => {
    await addReward(w, {
      name: 'Sticker pack',
      cost: 40,
      kind: 'badge',
      stock: 3,
      description: 'Limited run',
    });
    const edited = await admin('edit', { reward: 'sticker PACK', cost: 45, clear: 'stock' });
    expect(text(edited)).toContain('Updated **Sticker pack**.');
    expect(w.app.services.rewards.find(w.guildId, 'Sticker pack')).toMatchObject({
      cost: 45,
      stock: null,
      description: 'Limited run',
    });
    expect(text(await admin('edit', { reward: 'Sticker pack' }))).toBe(
      'Nothing to change: give at least one field to edit.',
    );
    expect(text(await admin('edit', { reward: 'No such thing', cost: 1 }))).toBe(
      'No reward matches “No such thing”. See `/sparks shop`.',
    );
  });

  it('removes a reward but keeps its history; the name can be used again', async () => {
    fund(w, w.users.bob, 100);
    const old = await addReward(w, { name: 'Coffee', cost: 20, kind: 'badge' });
    expect(await redeem(w, w.users.bob, 'Coffee')).toContain('the badge is on your profile');
    const removed = await admin('remove', { reward: 'coffee' });
    expect(text(removed)).toContain('Removed **Coffee** from the shop.');
    expect(w.app.services.rewards.get(old.id)!.removedAt).not.toBeNull();
    expect(w.app.services.redemptions.badges(w.guildId, w.users.bob)).toMatchObject([
      { name: 'Coffee', count: 1 },
    ]);
    const again = await addReward(w, { name: 'Coffee', cost: 25, kind: 'badge' });
    expect(again.id).not.toBe(old.id);
  });

  it('speaks Korean to a Korean moderator', async () => {
    const reply = await admin('add', { name: '한정판', cost: 10, kind: 'role' }, 'ko');
    expect(text(reply)).toBe('보상을 저장할 수 없습니다: 역할 보상에는 `role`이 필요합니다.');
  });
});

describe('the shop and the redeem picker', () => {
  it('lists rewards with cost, stock, limits and what the member can afford, in pages', async () => {
    for (let i = 1; i <= 6; i++) await addReward(w, { name: `Emoji ${i}`, cost: 100 * i, kind: 'badge' });
    const dana = w.fake.addMember(w.guildId, { username: 'dana' }).userId;
    fund(w, dana, 250);
    const handle = w.slash(dana, 'sparks shop');
    const page1 = await handle.reply();
    expect(page1.ephemeral).toBe(true);
    const body = text(page1);
    expect(body).toContain('Your balance: **250 Sparks**');
    expect(body).toMatch(/Sticker pack — 45 Sparks[\s\S]*Limited run[\s\S]*✅ You can afford it/);
    expect(body).toMatch(/Emoji 3 — 300 Sparks\n🏅 Badge on your profile\n🔒 50 Sparks short/);
    expect(body).toContain('Page 1 of 2');
    const next = buttons(page1).find((b) => b.label === 'Next')!;
    expect(buttons(page1).find((b) => b.label === 'Previous')!.disabled).toBe(true);
    const forged = `shop-page:${w.users.alice}:1:next`;
    const foreign = await click(w, dana, handle.originalMessageId!, forged, true).reply();
    expect(text(foreign)).toMatch(/These buttons belong to someone else/);
    const page2 = await click(w, dana, handle.originalMessageId!, next.customId!).final();
    expect(text(page2)).toContain('Page 2 of 2');
    expect(text(page2)).toMatch(/VIP Pass — 500 Sparks[\s\S]*📦 9 left\nLimit 1 per member \(you: 0\)/);
    expect(text(page2)).not.toContain('Sticker pack');
  });

  it('autocomplete offers names that match, the affordable ones first, at most 25', async () => {
    const eve = w.fake.addMember(w.guildId, { username: 'eve' }).userId;
    fund(w, eve, 250);
    const choices = await w.fake
      .autocomplete({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: eve,
        command: 'sparks',
        subcommand: 'redeem',
        options: { reward: 'emoji' },
        focused: 'reward',
      })
      .choices();
    expect(choices.map((c) => c.name)).toEqual([
      'Emoji 1 — 100 Sparks',
      'Emoji 2 — 200 Sparks',
      'Emoji 3 — 300 Sparks (you need 50 more)',
      'Emoji 4 — 400 Sparks (you need 150 more)',
      'Emoji 5 — 500 Sparks (you need 250 more)',
      'Emoji 6 — 600 Sparks (you need 350 more)',
    ]);
    const all = await w.fake
      .autocomplete({
        channelId: w.channelId,
        userId: eve,
        command: 'sparks',
        subcommand: 'redeem',
        options: { reward: '' },
        focused: 'reward',
      })
      .choices();
    expect(all.length).toBeLessThanOrEqual(25);
    expect(all.findIndex((c) => c.name.includes('more'))).toBeGreaterThan(
      all.findLastIndex((c) => !c.name.includes('more')),
    );
    // The picked value redeems the reward it names.
    const picked = choices[0]!.value;
    const confirm = await w.slash(eve, 'sparks redeem', { reward: String(picked) }).reply();
    expect(text(confirm)).toContain('Redeem Emoji 1?');
  });

  it('refuses a redemption the member cannot make before showing a confirmation', async () => {
    const members = w.fake.createRole(w.guildId, { name: 'Members', position: 2 });
    await addReward(w, { name: 'Members lounge', cost: 10, kind: 'badge', required_role: members.id });
    fund(w, w.users.alice, 100);
    const refused = await w.slash(w.users.alice, 'sparks redeem', { reward: 'Members lounge' }).reply();
    expect(text(refused)).toBe(`You need the <@&${members.id}> role for that.`);
    expect(refused.allowedMentions).toEqual({ parse: [] });
    await addReward(w, { name: 'Once only', cost: 10, kind: 'badge', per_member_limit: 1 });
    expect(await redeem(w, w.users.alice, 'Once only')).toContain('Redeemed **Once only**');
    const twice = await w.slash(w.users.alice, 'sparks redeem', { reward: 'Once only' }).reply();
    expect(text(twice)).toBe('You already redeemed Once only the maximum 1 time(s).');
    const unknown = await w.slash(w.users.alice, 'sparks redeem', { reward: 'Moon' }).reply();
    expect(text(unknown)).toBe('No reward matches “Moon”. See `/sparks shop`.');
  });

  it('Cancel spends nothing; a confirmation whose price changed is refused as stale', async () => {
    await addReward(w, { name: 'Hat', cost: 30, kind: 'badge' });
    fund(w, w.users.bob, 100);
    const before = w.app.services.ledger.reads.standing(w.guildId, w.users.bob).balance;
    const firstHandle = w.slash(w.users.bob, 'sparks redeem', { reward: 'Hat' });
    const first = await firstHandle.reply();
    const cancel = buttons(first).find((b) => b.label === 'Cancel')!;
    const cancelled = await click(w, w.users.bob, firstHandle.originalMessageId!, cancel.customId!).final();
    expect(text(cancelled)).toBe('Cancelled. Nothing was spent.');
    expect(buttons(cancelled)).toEqual([]);
    const handle = w.slash(w.users.bob, 'sparks redeem', { reward: 'Hat' });
    const second = await handle.reply();
    await admin('edit', { reward: 'Hat', cost: 35 });
    const confirm = buttons(second).find((b) => b.label === 'Confirm')!;
    const stale = await click(w, w.users.bob, handle.originalMessageId!, confirm.customId!).final();
    expect(text(stale)).toBe('These buttons have expired. Run the command again.');
    expect(w.app.services.ledger.reads.standing(w.guildId, w.users.bob).balance).toBe(before);
  });

  it('a Korean member gets the confirmation and the outcome in Korean', async () => {
    fund(w, w.users.carol, 100);
    const handle = w.slash(w.users.carol, 'sparks redeem', { reward: 'Hat' }, { locale: 'ko' });
    const reply = await handle.reply();
    expect(text(reply)).toContain('Hat을(를) 교환할까요?');
    expect(buttons(reply).map((b) => b.label)).toEqual(['확인', '취소']);
    const done = await w.fake
      .clickButton({
        channelId: w.channelId,
        userId: w.users.carol,
        messageId: handle.originalMessageId!,
        customId: buttons(reply)[0]!.customId!,
        locale: 'ko',
      })
      .final();
    expect(text(done)).toContain('**Hat**을(를) 35 Sparks로 교환했습니다');
  });
});
