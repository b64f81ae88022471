import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { addReward, balanceOf, expectLedgerClean, fund, hasRole, redemptionsOf } from '../helpers/shop.ts';
import { sqliteOf } from '../helpers/engines.ts';

let browser: Browser;
let w: WebWorld;

beforeAll(async () => {
  [browser, w] = await Promise.all([launchBrowser(), startWebWorld()]);
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});
afterEach(() => {
  expectLedgerClean(w);
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});

let n = 0;
/** A fresh member (logged in as `name`), funded, and a fresh role reward for a safe role. */
async function scenario(options: { balance?: number; cost?: number } = {}) {
  n += 1;
  const name = `Shopper${n}`;
  const member = w.fake.addMember(w.guildId, { username: `shopper${n}`, globalName: name }).userId;
  if (options.balance !== 0) fund(w, member, options.balance ?? 1000);
  const role = w.fake.createRole(w.guildId, { name: `Web Perk ${n}`, position: 2 });
  const reward = await addReward(w, {
    name: `Web Perk ${n}`,
    cost: options.cost ?? 300,
    kind: 'role',
    role: role.id,
    description: 'A role from the web',
  });
  return { name, member, role, reward };
}

const shopUrl = () => `${w.url}/g/${w.guildId}/shop`;
const card = (page: Page, rewardName: string) => page.getByRole('article', { name: rewardName });

/** Opens the shop logged in as `name` and presses the reward's Redeem. */
async function openConfirm(page: Page, name: string, rewardName: string): Promise<void> {
  await page.goto(shopUrl());
  await logIn(page, name);
  await card(page, rewardName)
    .getByRole('button', { name: `Redeem ${rewardName}` })
    .click();
  await page.waitForURL(/\/redeem\??$/); // a GET form adds an empty query
}

describe('the shop on the web, in a real browser', () => {
  it('an anonymous visitor browses, logs in to redeem, and the role is granted in Discord', async () => {
    const s = await scenario();
    sqliteOf(w.app.services.db)
      .prepare('UPDATE rewards SET image_url = ? WHERE id = ?')
      .run('https://images.example.com/perk.png', s.reward.id);
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await page.goto(shopUrl());
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Shop · Sparks Lab');
    const item = card(page, s.reward.name);
    const facts = await item.innerText();
    expect(facts).toContain('A role from the web');
    expect(facts).toMatch(/Cost\s+300 Sparks/);
    expect(facts).toContain(`The role @Web Perk ${n}`);
    expect(facts).toMatch(/Stock\s+Unlimited/);
    expect(facts).not.toContain('afford');
    expect(await item.getByRole('img', { name: `Picture of ${s.reward.name}` }).getAttribute('src')).toBe(
      'https://images.example.com/perk.png',
    );
    expect(await page.getByText('Log in to see what you can afford').count()).toBe(1);
    expect(await accessibility(page)).toEqual([]);

    // Redeem sends the visitor to log in, then back to the confirmation.
    await item.getByRole('button', { name: `Redeem ${s.reward.name}` }).click();
    await page.getByRole('button', { name: `Log in as ${s.name}` }).click();
    // Its image is on a host this browser cannot reach: the page never fires `load`.
    await page.waitForURL(new RegExp(`/shop/${s.reward.id}/redeem\\??$`), { waitUntil: 'domcontentloaded' });
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Redeem ${s.reward.name}?`);
    const confirm = await page.locator('.confirm').innerText();
    expect(confirm).toMatch(/Your balance\s+1,000 Sparks/);
    expect(confirm).toMatch(/Balance after\s+700 Sparks/);
    expect(await accessibility(page)).toEqual([]);
    expect(balanceOf(w, s.member)).toBe(1000); // the confirmation holds nothing

    await page.getByRole('button', { name: 'Confirm: spend 300 Sparks' }).click();
    await page.waitForURL(/\/shop\/redemptions\/\d+$/, { waitUntil: 'domcontentloaded' });
    expect(await page.getByRole('status').innerText()).toBe(
      `Done: you now have the role @Web Perk ${n} in Sparks Lab.`,
    );
    expect(await page.getByText('Your balance: 700 Sparks').count()).toBe(1);
    expect(await accessibility(page)).toEqual([]);
    expect(hasRole(w, s.member, s.role.id)).toBe(true);
    expect(balanceOf(w, s.member)).toBe(700);
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([{ userId: s.member, status: 'fulfilled' }]);
    // The bot's own grant path: its audit-log reason names the redemption.
    expect(w.fake.auditLog.at(-1)).toMatchObject({ action: 'member_role_add', roleId: s.role.id });

    await page.getByRole('link', { name: 'Back to the shop' }).click();
    await page.waitForURL(shopUrl(), { waitUntil: 'domcontentloaded' });
    expect(await page.getByText('Your balance: 700 Sparks').count()).toBe(1);
    await page.context().close();
  });

  it('a role above the bot is refused by Discord: the page says the Sparks were refunded and why', async () => {
    const s = await scenario();
    w.fake.updateRole(w.guildId, s.role.id, { position: 99 });
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await openConfirm(page, s.name, s.reward.name);
    await page.getByRole('button', { name: 'Confirm: spend 300 Sparks' }).click();
    await page.waitForURL(/\/shop\/redemptions\/\d+$/);
    expect(await page.getByRole('status').innerText()).toBe(
      `Your 300 Sparks were refunded: ${s.reward.name} could not be completed because the reward’s role sits above mine, so Discord does not let me give it; the moderators have been told.`,
    );
    expect(await page.getByText('Your balance: 1,000 Sparks').count()).toBe(1);
    expect(balanceOf(w, s.member)).toBe(1000);
    expect(hasRole(w, s.member, s.role.id)).toBe(false);
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([
      { status: 'refunded', failureCode: 'role_too_high' },
    ]);
    await page.context().close();
  });

  it('a manual reward asks for its input, validated as in Discord, and goes to the moderators’ queue', async () => {
    const { name, member } = await scenario();
    const reward = await addReward(w, {
      name: `Whitelist ${n}`,
      cost: 250,
      kind: 'manual',
      input_kind: 'evm_address',
    });
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await openConfirm(page, name, reward.name);
    expect(await page.getByText('A moderator handles this reward').count()).toBe(1);
    const field = page.getByLabel('EVM wallet address');
    await field.fill('0x1234');
    await page.getByRole('button', { name: 'Confirm: spend 250 Sparks' }).click();
    expect(await page.getByRole('alert').innerText()).toBe(
      '“EVM wallet address” was not accepted: an EVM address is 0x followed by 40 hexadecimal characters. Nothing was spent; press Confirm to try again.',
    );
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.inputValue()).toBe('0x1234');
    expect(await accessibility(page)).toEqual([]);
    expect(redemptionsOf(w, reward.id)).toEqual([]);
    expect(balanceOf(w, member)).toBe(1000);

    const wallet = `0x${'ab'.repeat(20)}`;
    await field.fill(wallet);
    await page.getByRole('button', { name: 'Confirm: spend 250 Sparks' }).click();
    await page.waitForURL(/\/shop\/redemptions\/\d+$/);
    expect(await page.getByRole('status').innerText()).toContain(
      `${reward.name} is in the moderators’ queue. Your 250 Sparks are held`,
    );
    expect(await page.getByText(`You entered: ${wallet}`).count()).toBe(1);
    expect(balanceOf(w, member)).toBe(750);
    const queue = w.app.services.redemptions.pendingManual(w.guildId, { offset: 0, limit: 100 });
    expect(queue.items.filter((r) => r.rewardId === reward.id)).toMatchObject([
      { userId: member, status: 'pending_manual', input: wallet },
    ]);
    await page.context().close();
  });

  it('a member short of Sparks sees it in the shop and is refused in plain words, nothing held', async () => {
    const s = await scenario({ balance: 100 });
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await page.goto(shopUrl());
    await logIn(page, s.name);
    expect(await page.getByText('Your balance: 100 Sparks').count()).toBe(1);
    expect(await card(page, s.reward.name).innerText()).toContain('200 Sparks short');
    const response = page.waitForResponse((r) => r.url().includes('/redeem'));
    await card(page, s.reward.name)
      .getByRole('button', { name: `Redeem ${s.reward.name}` })
      .click();
    expect((await response).status()).toBe(409);
    expect(await page.getByRole('alert').innerText()).toBe('Not enough Sparks: 100 available, 300 needed.');
    expect(await accessibility(page)).toEqual([]);
    expect(redemptionsOf(w, s.reward.id)).toEqual([]);
    expect(balanceOf(w, s.member)).toBe(100);

    // A reward behind a role the member lacks: the bot's refusal names the role, not its id.
    const vip = w.fake.createRole(w.guildId, { name: `VIP ${n}`, position: 2 });
    const gated = await addReward(w, { name: `Lounge ${n}`, cost: 50, kind: 'badge', required_role: vip.id });
    await page.goto(shopUrl());
    expect(await card(page, gated.name).innerText()).toMatch(new RegExp(`Requires\\s+The role @VIP ${n}`));
    const refused = await page.goto(`${shopUrl()}/${gated.id}/redeem`);
    expect(refused!.status()).toBe(403);
    expect(await page.getByRole('alert').innerText()).toBe(`You need the @VIP ${n} role for that.`);
    expect(redemptionsOf(w, gated.id)).toEqual([]);
    await page.context().close();
  });

  it('a double submit redeems once; a changed price and a forged form charge nothing', async () => {
    const s = await scenario();
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await openConfirm(page, s.name, s.reward.name);
    const form = page.locator('form[method=post][action$="/redeem"]');
    const fields = {
      _csrf: await form.locator('input[name=_csrf]').inputValue(),
      cost: await form.locator('input[name=cost]').inputValue(),
      key: await form.locator('input[name=key]').inputValue(),
    };
    const action = `${w.url}${await form.getAttribute('action')}`;

    // Without the CSRF token: refused, nothing written.
    const forged = await page.request.post(action, { form: { cost: fields.cost, key: fields.key } });
    expect(forged.status()).toBe(403);
    expect(redemptionsOf(w, s.reward.id)).toEqual([]);

    const [first, second] = await Promise.all(
      [1, 2].map(() => page.request.post(action, { form: fields, maxRedirects: 0 })),
    );
    expect([first!.status(), second!.status()]).toEqual([303, 303]);
    expect(second!.headers().location).toBe(first!.headers().location);
    expect(redemptionsOf(w, s.reward.id)).toHaveLength(1);
    const puts = w.fake.requests.filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/roles/${s.role.id}`) && r.status === 204,
    );
    expect(puts).toHaveLength(1);
    expect(balanceOf(w, s.member)).toBe(700);
    await page.goto(`${w.url}${first!.headers().location}`);
    expect(await page.getByRole('status').innerText()).toContain(`you now have the role @Web Perk ${n}`);

    // A moderator changes the price while a confirmation is open: the old price is not charged.
    const other = await scenario();
    const page2 = await openPage(browser, { locale: 'en-US' });
    await openConfirm(page2, other.name, other.reward.name);
    await w.slash(w.users.mod, 'sparks-admin reward edit', { reward: other.reward.name, cost: 400 }).final();
    await page2.getByRole('button', { name: 'Confirm: spend 300 Sparks' }).click();
    expect(await page2.getByRole('heading', { level: 1 }).innerText()).toBe('The price changed');
    expect(await page2.getByRole('alert').innerText()).toBe(
      `The price of ${other.reward.name} changed from 300 to 400 Sparks since you opened the confirmation. Nothing was charged.`,
    );
    expect(redemptionsOf(w, other.reward.id)).toEqual([]);
    expect(balanceOf(w, other.member)).toBe(1000);
    await page2.getByRole('link', { name: 'See the new price' }).click();
    expect(await page2.getByRole('button', { name: 'Confirm: spend 400 Sparks' }).count()).toBe(1);
    await page.context().close();
    await page2.context().close();
  });

  it('speaks Korean, and refuses a guild id that is not a snowflake', async () => {
    const s = await scenario();
    const page = await openPage(browser, { locale: 'ko-KR' });
    await page.goto(shopUrl());
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('상점 · Sparks Lab');
    const facts = await card(page, s.reward.name).innerText();
    expect(facts).toMatch(/비용\s+300 Sparks/);
    expect(facts).toContain(`@Web Perk ${n} 역할`);
    expect(
      await card(page, s.reward.name)
        .getByRole('button', { name: `교환 ${s.reward.name}` })
        .count(),
    ).toBe(1);
    expect(await accessibility(page)).toEqual([]);
    const bad = await page.goto(`${w.url}/g/not-a-guild/shop`);
    expect(bad!.status()).toBe(404);
    expect(await page.getByRole('alert').innerText()).toBe(
      '이 서버는 Sparks를 쓰지 않거나, 이 서버의 멤버가 아닙니다.',
    );
    await page.context().close();
  });
});
