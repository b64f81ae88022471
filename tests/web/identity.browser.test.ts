import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { referral, subscription, trade } from '../helpers/platform.ts';
import { accessibility, logIn, startWebWorld, submit, type WebWorld } from '../../testkit/web.ts';
import { balanceOf, fund } from '../../testkit/world.ts';

let browser: Browser;
let w: WebWorld;
let mod: Page;

const flagsUrl = (q = '') => `${w.url}/g/${w.guildId}/admin/flags${q}`;
const openFlags = () => w.app.services.flags.list(w.guildId).items;

beforeAll(async () => {
  browser = await launchBrowser();
  w = await startWebWorld();
  mod = await openPage(browser, { locale: 'en-US' });
  await mod.goto(`${w.url}/g/${w.guildId}/leaderboard`);
  await logIn(mod, 'Mod');
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the dashboard’s flagged members, in a real browser', () => {
  it('lists open flags with who raised them, flags and clears with a reason, and keeps the history', async () => {
    // One flag raised by the bot's own check, one by a moderator in Discord.
    w.app.services.flags.raise({
      guildId: w.guildId,
      userId: w.users.bob,
      source: 'auto:young_invitee',
      reason: 'Referred by someone; account 1 day old',
      raisedBy: null,
    });
    await w
      .slash(w.users.mod, 'sparks-admin flag', { member: w.users.carol, reason: 'wash trading' })
      .final();

    await mod.goto(`${w.url}/g/${w.guildId}/admin`);
    await mod.getByRole('main').getByRole('link', { name: 'Flags', exact: true }).first().click();
    expect(mod.url()).toBe(flagsUrl());
    expect(await accessibility(mod)).toEqual([]);
    expect(await mod.getByRole('row', { name: /Bob/ }).innerText()).toContain(
      'Automatic: a referral of a very new account',
    );
    expect(await mod.getByRole('row', { name: /Carol/ }).innerText()).toMatch(/Mod\s+wash trading/);

    // Flag Alice from the form.
    await mod.getByLabel(/^Member/).fill(w.users.alice);
    await mod.getByLabel(/^Reason/).fill('shared device');
    expect((await submit(mod, 'Flag')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Flagged Alice for review.');
    expect(openFlags().map((f) => f.userId)).toContain(w.users.alice);

    // Clear Bob's with a reason.
    const bobRow = mod.getByRole('row', { name: /Bob/ });
    await bobRow.getByLabel('Why clear it').fill('checked: real person');
    expect((await submit(mod, 'Clear the flag of Bob')).status()).toBe(303);
    expect(await mod.getByRole('status').innerText()).toBe('Cleared the flag of Bob.');
    expect(w.app.services.flags.isFlagged(w.guildId, w.users.bob)).toBe(false);
    expect(await mod.getByRole('row', { name: /Bob/ }).count()).toBe(0);

    // The history keeps it, with who cleared it and why.
    await mod.getByRole('link', { name: 'History' }).click();
    expect(await accessibility(mod)).toEqual([]);
    expect(await mod.getByRole('row', { name: /Bob/ }).innerText()).toMatch(/Mod: checked: real person/);
  });

  it('refuses a bot, a second flag and an empty reason with the bot’s words, writing nothing', async () => {
    const before = w.app.services.flags.list(w.guildId, { open: false }).total;
    const tryFlag = async (member: string, reason: string) => {
      await mod.goto(flagsUrl());
      await mod.getByLabel(/^Member/).fill(member);
      await mod.getByLabel(/^Reason/).fill(reason);
      const response = await submit(mod, 'Flag');
      return { status: response.status(), alert: await mod.getByRole('alert').innerText() };
    };
    expect(await tryFlag(w.users.otherBot, 'spam')).toEqual({
      status: 400,
      alert: expect.stringContaining('Bots cannot be flagged'),
    });
    expect(await tryFlag(w.users.carol, 'again')).toEqual({
      status: 400,
      alert: expect.stringContaining('already flagged'),
    });
    expect(await tryFlag(w.users.alice, '   ')).toMatchObject({ status: 400 });
    expect(w.app.services.flags.list(w.guildId, { open: false }).total).toBe(before);
  });

  it('is for admins only', async () => {
    const alice = await openPage(browser, { locale: 'en-US' });
    await alice.goto(`${w.url}/g/${w.guildId}/leaderboard`);
    await logIn(alice, 'Alice');
    const response = await alice.goto(flagsUrl());
    expect(response?.status()).toBe(403);
    await alice.close();
  });
});

describe('a flagged member in the web shop', () => {
  it('is refused in plain words, with nothing spent, and can redeem once cleared', async () => {
    const { alice } = w.users;
    const reward = w.app.services.rewards.add(w.guildId, w.users.mod, {
      name: 'Web sticker',
      cost: 20,
      kind: 'badge',
    });
    fund(w, alice, 50);
    if (w.app.services.flags.isFlagged(w.guildId, alice))
      w.app.services.flags.clear({
        guildId: w.guildId,
        userId: alice,
        moderatorId: w.users.mod,
        reason: 'reset',
      });
    w.app.services.flags.flag({
      guildId: w.guildId,
      userId: alice,
      targetIsBot: false,
      moderatorId: w.users.mod,
      reason: 'review',
    });
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(`${w.url}/g/${w.guildId}/shop`);
    await logIn(page, 'Alice');
    const refused = await page.goto(`${w.url}/g/${w.guildId}/shop/${reward.id}/redeem`);
    expect(refused?.status()).toBe(403);
    expect(await page.getByRole('alert').innerText()).toContain(
      'Your account is flagged for review by the moderators, so you cannot do that until they clear it. Nothing was spent.',
    );
    expect(balanceOf(w, alice)).toBe(50);
    w.app.services.flags.clear({ guildId: w.guildId, userId: alice, moderatorId: w.users.mod, reason: 'ok' });
    const open = await page.goto(`${w.url}/g/${w.guildId}/shop/${reward.id}/redeem`);
    expect(open?.status()).toBe(200);
    expect(await page.getByRole('button', { name: 'Confirm: spend 20 Sparks' }).count()).toBe(1);
    await page.context().close();
  });
});

describe('a member’s referrals on their page, in a real browser', () => {
  it('shows each invitee as pending or qualified with what it earned, named only when in this server', async () => {
    const apply = (body: object, id: string) => {
      const parsed = parseEvent({ ...body, guild_id: w.guildId }, w.guildId);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return w.app.services.platform.apply(id, parsed.event);
    };
    const old = (n: number) =>
      String((BigInt(Date.now() - 400 * 86_400_000 - DISCORD_EPOCH_MS) << 22n) + BigInt(n));
    const erin = w.fake.addMember(w.guildId, { id: old(1), username: 'erin', globalName: 'Erin' }).userId;
    const outsider = old(2);
    // Mod is the referrer here: already logged in.
    apply(referral(w.users.mod, erin), 'w-ref-1');
    apply(referral(w.users.mod, outsider), 'w-ref-2');
    apply(trade(erin, 150), 'w-t1'); // 150 USD: qualifies (100), Mod's 1 credited at once
    apply(trade(outsider, 40), 'w-t2');
    apply(subscription(outsider, 'basic', true), 'w-s1'); // Mod's 50 waits

    await mod.goto(`${w.url}/g/${w.guildId}/me`);
    expect(await mod.getByRole('heading', { name: 'Your referrals' }).count()).toBe(1);
    expect(await mod.getByRole('row', { name: /Erin/ }).innerText()).toMatch(/Erin\s+Qualified\s+1\s+0/);
    expect(await mod.getByRole('row', { name: /outside this server/ }).innerText()).toMatch(
      /An invitee outside this server\s+Pending: 40\.00 of 100\.00 USD traded, until .+\s+0\s+50/,
    );
    expect(await accessibility(mod)).toEqual([]);
  });
});
