import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../src/http/web/pages/admin.ts';
import { launchBrowser } from '../../testkit/browser.ts';
import { Permissions, text } from '../../testkit/fake-discord/index.ts';
import { accessibility, startWebWorld, submit, type WebWorld } from '../../testkit/web.ts';
import { loggedIn as logInAs } from '../helpers/web.ts';
import { balanceOf, click, fund, openConfirmation } from '../../testkit/world.ts';
import { sqliteOf } from '../helpers/engines.ts';

let browser: Browser;
let w: WebWorld;
let mod: Page;
let alice: Page;

const admin = (path = '') => `${w.url}/g/${w.guildId}/admin${path}`;
const csrfOf = (page: Page) => page.locator('input[name=_csrf]').first().inputValue();
const rewardNames = () => w.app.services.rewards.list(w.guildId).map((r) => r.name);
/** Everything the dashboard could write: rewards, ledger entries, tiers and settings. */
const written = () => ({
  rewards: w.app.services.rewards.list(w.guildId),
  entries: sqliteOf(w.app.services.db).prepare('SELECT COUNT(*) AS n FROM transfers').get(),
  tiers: w.app.services.tiers.list(w.guildId),
  settings: w.app.services.settings.get(w.guildId),
});

const loggedIn = (name: string) => logInAs(browser, w, name);

beforeAll(async () => {
  browser = await launchBrowser();
  w = await startWebWorld();
  mod = await loggedIn('Mod');
  alice = await loggedIn('Alice');
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the admin dashboard, in a real browser', () => {
  it('links every section from its home, accessibly', async () => {
    await mod.goto(admin());
    expect(await mod.getByRole('heading', { level: 1 }).innerText()).toBe('Dashboard');
    for (const section of [
      'Shop',
      'Redemptions',
      'Award',
      'Tier roles',
      'Settings',
      'Campaigns',
      'Ledger',
      'Analytics',
    ])
      expect(
        await mod.getByRole('main').getByRole('link', { name: section, exact: true }).count(),
      ).toBeGreaterThan(0);
    expect(
      await mod
        .getByRole('main')
        .getByRole('link', { name: 'Ledger', exact: true })
        .first()
        .getAttribute('href'),
    ).toBe(`/g/${w.guildId}/admin/ledger`);
    expect(await accessibility(mod)).toEqual([]);
  });

  it('adds a reward that members then see in /sparks shop, edits and removes it', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Supporter', position: 2 });
    await mod.goto(admin('/shop'));
    expect(await accessibility(mod)).toEqual([]);
    await mod.getByLabel(/^Name/).fill('Supporter role');
    await mod.getByLabel(/^Cost/).fill('120');
    await mod.getByLabel(/^Kind/).selectOption('role');
    await mod.getByLabel(/^Role role/).selectOption(role.id);
    await mod.getByLabel(/^Description/).fill('A shiny role for a week');
    await mod.getByLabel(/^Stock/).fill('5');
    await mod.getByLabel(/^Duration/).fill('7d');
    await mod.getByLabel(/^Image URL/).fill('https://example.com/supporter.png');
    expect((await submit(mod, 'Add a reward')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Added “Supporter role” to the shop.');
    expect(await mod.getByRole('row', { name: /Supporter role/ }).innerText()).toMatch(
      /Supporter role\s+120\s+Role/,
    );
    const reward = w.app.services.rewards.find(w.guildId, 'Supporter role');
    expect(reward).toMatchObject({
      cost: 120,
      kind: 'role',
      roleId: role.id,
      stock: 5,
      durationSeconds: 7 * 86_400,
      imageUrl: 'https://example.com/supporter.png',
      createdBy: w.users.mod,
    });
    expect(text(await w.slash(w.users.alice, 'sparks shop').reply())).toMatch(/Supporter role.*120/);

    await mod.getByRole('link', { name: 'Edit “Supporter role”' }).click();
    expect(await accessibility(mod)).toEqual([]);
    expect(await mod.getByLabel(/^Duration/).inputValue()).toBe('7d');
    await mod.getByLabel(/^Cost/).fill('150');
    expect((await submit(mod, 'Save')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Saved “Supporter role”.');
    expect(w.app.services.rewards.get(reward.id)).toMatchObject({ cost: 150, stock: 5, roleId: role.id });

    mod.once('dialog', (d) => void d.accept());
    await mod.getByRole('button', { name: 'Remove “Supporter role”' }).click();
    await mod.waitForURL(/done=removed/);
    expect(rewardNames()).not.toContain('Supporter role');
    expect(text(await w.slash(w.users.alice, 'sparks shop').reply())).not.toContain('Supporter role');
  });

  it('refuses what the command refuses, with a localized 400 page, and writes nothing', async () => {
    const admins = w.fake.createRole(w.guildId, {
      name: 'Admins',
      position: 2,
      permissions: Permissions.Administrator,
    });
    const high = w.fake.createRole(w.guildId, { name: 'Owners', position: 99 });
    w.app.services.rewards.add(w.guildId, w.users.mod, { name: 'Taken', cost: 10, kind: 'badge' });
    const before = written();
    const tryAdd = async (fill: () => Promise<void>) => {
      await mod.goto(admin('/shop'));
      await mod.getByLabel(/^Name/).fill('Fresh');
      await mod.getByLabel(/^Cost/).fill('50');
      await fill();
      const response = await submit(mod, 'Add a reward');
      return { status: response.status(), alert: await mod.getByRole('alert').innerText() };
    };
    expect(
      await tryAdd(() =>
        mod
          .getByLabel(/^Role role/)
          .selectOption(admins.id)
          .then(() => undefined),
      ),
    ).toEqual({
      status: 400,
      alert: expect.stringMatching(/not safe to hand out.*Administrator/),
    });
    expect(
      await tryAdd(() =>
        mod
          .getByLabel(/^Role role/)
          .selectOption(high.id)
          .then(() => undefined),
      ),
    ).toEqual({
      status: 400,
      alert: expect.stringMatching(/not safe to hand out.*above/),
    });
    expect(
      await tryAdd(async () => {
        await mod.getByLabel(/^Name/).fill('taken');
        await mod.getByLabel(/^Kind/).selectOption('badge');
      }),
    ).toEqual({ status: 400, alert: expect.stringMatching(/a reward named “taken” already exists/i) });
    expect(await accessibility(mod)).toEqual([]);

    // Values a browser's own checks would stop, posted as a script would.
    await mod.goto(admin('/shop'));
    const _csrf = await csrfOf(mod);
    const post = (form: Record<string, string>) =>
      mod.request.post(admin('/shop'), { form: { _csrf, ...form } });
    const cases: [Record<string, string>, RegExp][] = [
      [{ name: 'A', cost: '0', kind: 'badge' }, /`?cost`? must be a whole number from 1 to/],
      [{ name: 'A', cost: '10', kind: 'badge', stock: '-1' }, /stock`? must be a whole number from 0 to/],
      [{ name: 'A', cost: '10', kind: 'badge', per_member_limit: '1.5' }, /per_member_limit/],
      [
        { name: 'A', cost: '10', kind: 'role', duration: 'forever', role: admins.id },
        /duration must look like/,
      ],
      [{ name: 'A', cost: '10', kind: 'badge', image_url: 'http://example.com/a.png' }, /https:\/\//],
      [
        { name: 'A', cost: '10', kind: 'badge', image_url: `https://example.com/${'a'.repeat(500)}` },
        /https:\/\//,
      ],
      [{ name: 'A', cost: '10', kind: 'potion' }, /kind is not valid/],
    ];
    for (const [form, message] of cases) {
      const response = await post(form);
      expect(response.status(), JSON.stringify(form)).toBe(400);
      expect(await response.text()).toMatch(message);
    }
    expect(written()).toEqual(before);
    expect((await mod.request.get(`${w.url}/g/not-a-guild/admin`)).status()).toBe(404);
  });

  it('fulfils and rejects manual redemptions from the queue, the member told and refunded', async () => {
    w.app.services.rewards.add(w.guildId, w.users.mod, {
      name: 'Sticker pack',
      cost: 30,
      kind: 'manual',
      inputLabel: 'Postal code',
    });
    fund(w, w.users.bob, 100);
    const redeem = async () => {
      const c = await openConfirmation(w, w.users.bob, 'Sticker pack');
      const modal = await click(w, w.users.bob, c.messageId, c.confirmId).modal();
      await w.fake
        .submitModal({
          channelId: w.channelId,
          userId: w.users.bob,
          customId: String(modal.custom_id),
          fields: { value: '04524' },
        })
        .reply();
    };
    await redeem();
    await redeem();
    const pending = w.app.services.redemptions.pendingManual(w.guildId, { offset: 0, limit: 10 }).items;
    expect(pending).toHaveLength(2);
    expect(balanceOf(w, w.users.bob)).toBe(40);

    await mod.goto(admin('/redemptions'));
    expect(await accessibility(mod)).toEqual([]);
    const [first, second] = pending;
    expect(await mod.getByRole('row', { name: new RegExp(`#${first!.id}\\b`) }).innerText()).toMatch(
      /Bob\s+Sticker pack.*04524/s,
    );
    expect((await submit(mod, `Fulfil #${first!.id}`)).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Fulfilled “Sticker pack”. The member was told.');
    expect(w.app.services.redemptions.get(first!.id)?.status).toBe('fulfilled');
    await expect.poll(() => w.fake.dms(w.users.bob).map(text).join('\n')).toMatch(/Sticker pack/);

    mod.once('dialog', (d) => void d.accept());
    await mod.getByRole('button', { name: `Reject #${second!.id}` }).click();
    await mod.waitForURL(/done=rejected/);
    expect(w.app.services.redemptions.get(second!.id)?.status).toBe('refunded');
    expect(balanceOf(w, w.users.bob)).toBe(70);
    expect(await mod.getByText('No manual redemption is waiting.').count()).toBe(1);

    // A second press (another moderator's, an old tab) is told it was already handled.
    const _csrf = await csrfOf(mod);
    const again = await mod.request.post(admin(`/redemptions/${first!.id}/reject`), { form: { _csrf } });
    expect(again.status()).toBe(404);
    expect(await again.text()).toContain('does not exist or was already handled');
    expect(balanceOf(w, w.users.bob)).toBe(70);
  });

  it('sets the log channel, then awards with a reason: the balance and the audit log show it', async () => {
    await mod.goto(admin('/settings'));
    expect(await accessibility(mod)).toEqual([]);
    expect(await mod.getByLabel(/^Trade: Sparks per 100 USD/).inputValue()).toBe('10');
    await mod.getByLabel(/^Log channel/).selectOption(w.logChannelId);
    expect((await submit(mod, 'Save')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Settings saved.');
    expect(w.app.services.settings.get(w.guildId).logChannelId).toBe(w.logChannelId);
    // Streak milestones: a bad list is refused with nothing written; a good one reads back as saved.
    await mod.getByLabel(/^Streak milestones/).fill('3:10, 7');
    expect((await submit(mod, 'Save')).status()).toBe(400);
    expect(await mod.getByRole('alert').innerText()).toContain('streak_milestones was not accepted at “7”');
    expect(w.app.services.settings.get(w.guildId).streakMilestones).toEqual([]);
    await mod.goto(admin('/settings'));
    await mod.getByLabel(/^Streak milestones/).fill('7:50 3:10');
    expect((await submit(mod, 'Save')).status()).toBe(303);
    expect(await mod.getByLabel(/^Streak milestones/).inputValue()).toBe('3:10, 7:50');
    expect(w.app.services.settings.get(w.guildId).streakMilestones).toEqual([
      { days: 3, sparks: 10 },
      { days: 7, sparks: 50 },
    ]);

    const start = balanceOf(w, w.users.alice);
    await mod.goto(admin('/award'));
    expect(await accessibility(mod)).toEqual([]);
    const form = mod.getByRole('group', { name: 'Award Sparks' });
    await form.getByLabel(/^Member/).fill(w.users.alice);
    await form.getByLabel(/^Amount/).fill('40');
    await form.getByLabel(/^Reason/).fill('great answer in #help');
    expect((await submit(mod, 'Award')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Awarded the Sparks to Alice.');
    expect(balanceOf(w, w.users.alice)).toBe(start + 40);
    await expect
      .poll(() => w.fake.channelMessages(w.logChannelId).map(text).join('\n'), { timeout: 10_000 })
      .toMatch(/great answer in #help/);
    const log = w.fake.channelMessages(w.logChannelId).map(text).join('\n');
    expect(log).toContain(`<@${w.users.mod}>`);
    expect(log).toContain('40');

    // The command's refusals: a self-award, then the daily limit.
    const refusal = async (member: string, amount: string) => {
      await mod.goto(admin('/award'));
      const f = mod.getByRole('group', { name: 'Award Sparks' });
      await f.getByLabel(/^Member/).fill(member);
      await f.getByLabel(/^Amount/).fill(amount);
      await f.getByLabel(/^Reason/).fill('again');
      const response = await submit(mod, 'Award');
      return { status: response.status(), alert: await mod.getByRole('alert').innerText() };
    };
    expect(await refusal(w.users.mod, '5')).toEqual({
      status: 400,
      alert: expect.stringContaining('You cannot award or revoke Sparks for yourself'),
    });
    w.app.services.settings.update(w.guildId, { dailyAwardLimit: 50 });
    const before = written();
    expect((await refusal(w.users.alice, '20')).status).toBe(400);
    expect(written()).toEqual(before);
    w.app.services.settings.update(w.guildId, { dailyAwardLimit: null });

    const revoke = mod.getByRole('group', { name: 'Revoke Sparks' });
    await mod.goto(admin('/award'));
    await revoke.getByLabel(/^Member/).fill(w.users.alice);
    await revoke.getByLabel(/^Amount/).fill('15');
    await revoke.getByLabel(/^Reason/).fill('duplicate award');
    expect((await submit(mod, 'Revoke')).status()).toBe(303);
    expect(balanceOf(w, w.users.alice)).toBe(start + 25);
  });

  it('sets and removes a tier role through the same checks as the command', async () => {
    const bronze = w.fake.createRole(w.guildId, { name: 'Bronze', position: 2 });
    const boss = w.fake.createRole(w.guildId, {
      name: 'Boss',
      position: 2,
      permissions: Permissions.BanMembers,
    });
    await mod.goto(admin('/tiers'));
    await mod.getByLabel(/^Tier role/).selectOption(bronze.id);
    await mod.getByLabel(/^Lifetime Sparks/).fill('100');
    expect((await submit(mod, 'Set a tier')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Saved the tier for Bronze.');
    expect(w.app.services.tiers.list(w.guildId)).toEqual([{ roleId: bronze.id, threshold: 100 }]);
    expect(await accessibility(mod)).toEqual([]);

    await mod.getByLabel(/^Tier role/).selectOption(boss.id);
    await mod.getByLabel(/^Lifetime Sparks/).fill('500');
    const refused = await submit(mod, 'Set a tier');
    expect(refused.status()).toBe(400);
    expect(await mod.getByRole('alert').innerText()).toMatch(/not safe to hand out.*Ban Members/);

    await mod.goto(admin('/tiers'));
    expect((await submit(mod, 'Stop granting Bronze')).status()).toBe(303);
    expect(w.app.services.tiers.list(w.guildId)).toEqual([]);
  });

  it('speaks Korean when the admin switches language', async () => {
    await mod.goto(admin('/shop'));
    await mod.getByRole('button', { name: '한국어' }).click();
    await mod.waitForURL(admin('/shop'));
    expect(await mod.locator('html').getAttribute('lang')).toBe('ko');
    expect(await mod.getByRole('heading', { level: 1 }).innerText()).toBe('상점');
    expect(await mod.getByRole('heading', { name: '보상 추가' }).count()).toBe(1);
    expect(await accessibility(mod)).toEqual([]);
    await mod.getByRole('button', { name: 'English' }).click();
    await mod.waitForURL(admin('/shop'));
  });

  it('gives a non-admin 403 on every page and every post, and writes nothing', async () => {
    const reward = w.app.services.rewards.add(w.guildId, w.users.mod, {
      name: 'Probe',
      cost: 5,
      kind: 'badge',
    });
    await alice.goto(`${w.url}/g/${w.guildId}/leaderboard`);
    const _csrf = await csrfOf(alice);
    const before = written();
    expect(ADMIN_ROUTES.length).toBeGreaterThanOrEqual(15);
    for (const route of ADMIN_ROUTES) {
      const url = admin(route.path.replace(':rewardId', String(reward.id)).replace(':redemptionId', '1'));
      const response =
        route.method === 'GET'
          ? await alice.request.get(url)
          : await alice.request.post(url, {
              form: {
                _csrf,
                name: 'Hacked',
                cost: '1',
                kind: 'badge',
                member: w.users.alice,
                amount: '1000',
                reason: 'x',
                key: randomUUID(),
              },
            });
      expect(response.status(), `${route.method} ${route.path}`).toBe(403);
      expect(await response.text()).toContain('Only members with Manage Server or the moderator role');
    }
    expect(written()).toEqual(before);
    await alice.goto(admin());
    expect(await alice.getByRole('alert').innerText()).toContain('Only members with Manage Server');
    expect(await accessibility(alice)).toEqual([]);
  });

  it('refuses a post without this visitor’s CSRF token, and writes nothing', async () => {
    await mod.goto(admin('/award'));
    const before = written();
    const form = { member: w.users.alice, amount: '5', reason: 'forged', key: randomUUID() };
    const extras: Record<string, string>[] = [{}, { _csrf: 'forged-token' }];
    for (const extra of extras) {
      const response = await mod.request.post(admin('/award'), { form: { ...form, ...extra } });
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain('This form expired or did not come from this site');
    }
    expect(written()).toEqual(before);
  });
});
