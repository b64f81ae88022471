import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { addReward, balanceOf, expectLedgerClean, fund } from '../helpers/shop.ts';

let browser: Browser;
let w: WebWorld;
const s = () => w.app.services;

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

describe('seasons and raffles on the web, in a real browser', () => {
  it('shows the season board with its prizes, and the hall of fame once it ended', async () => {
    const season = s().seasons.start({
      guildId: w.guildId,
      name: 'Autumn',
      ends: '7d',
      moderatorId: w.users.mod,
    });
    s().seasons.prize({
      guildId: w.guildId,
      season: 'Autumn',
      rankFrom: 1,
      rankTo: 1,
      sparks: 300,
      badge: 'Leaf',
      moderatorId: w.users.mod,
    });
    s().ledger.credit({
      guildId: w.guildId,
      userId: w.users.alice,
      source: 'platform',
      kind: 'platform.trade',
      amount: 40,
      key: 't1',
      actor: { type: 'platform', id: 'p' },
    });
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await page.goto(`${w.url}/g/${w.guildId}/season`);
    await logIn(page, 'Alice');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Season · Autumn');
    const text = await page.locator('main').innerText();
    expect(text).toContain('Your rank: #1 with 40 Sparks');
    expect(text).toMatch(/#1\s+300 Sparks · badge “Leaf”/);
    expect(await accessibility(page)).toEqual([]);
    s().seasons.requestEnd(w.guildId, 'Autumn');
    const standings = {
      standings: (_g: string, ids: readonly string[]) =>
        Promise.resolve(new Map(ids.map((id) => [id, 'present' as const]))),
    };
    await s().seasons.finish(season.id, {
      standings,
      roles: { grant: () => Promise.resolve({ ok: true }), holds: () => Promise.resolve(true) },
    });
    await page.goto(`${w.url}/g/${w.guildId}/halloffame`);
    const fame = await page.locator('main').innerText();
    expect(fame).toContain('Autumn');
    expect(fame).toMatch(/1\s+Alice\s+40\s+300 Sparks · badge “Leaf”/);
    expect(await accessibility(page)).toEqual([]);
    expect(balanceOf(w, w.users.alice)).toBe(340);
  });

  it('a member enters a raffle from the raffles page; its limit holds; the dashboard lists it', async () => {
    const reward = await addReward(w, { name: 'Web ticket', cost: 50, kind: 'badge' });
    const raffle = s().raffles.start({
      guildId: w.guildId,
      name: 'Web raffle',
      reward: reward.name,
      winners: 1,
      entryCost: 10,
      maxEntriesPerMember: 2,
      ends: '7d',
      moderatorId: w.users.mod,
    });
    fund(w, w.users.bob, 100);
    const page = await openPage(browser, { locale: 'en-US' });
    page.setDefaultTimeout(10_000);
    await page.goto(`${w.url}/g/${w.guildId}/raffles`);
    await logIn(page, 'Bob');
    const card = page.locator('section', { hasText: 'Web raffle' });
    expect(await card.innerText()).toContain(raffle.commitment);
    await card.getByLabel('Entries').fill('2');
    await card.getByRole('button', { name: 'Enter' }).click();
    await page.waitForURL(/entered=/);
    expect(await page.locator('main').innerText()).toContain('You now hold 2 entries in Web raffle.');
    expect(balanceOf(w, w.users.bob)).toBe(80);
    expect(await accessibility(page)).toEqual([]);
    await page.locator('section', { hasText: 'Web raffle' }).getByLabel('Entries').fill('1');
    await page.locator('section', { hasText: 'Web raffle' }).getByRole('button', { name: 'Enter' }).click();
    expect(await page.locator('main').innerText()).toContain(
      'at most 2 entries in this raffle and already hold 2',
    );
    expect(balanceOf(w, w.users.bob)).toBe(80);

    const admin = await openPage(browser, { locale: 'en-US' });
    admin.setDefaultTimeout(10_000);
    await admin.goto(`${w.url}/g/${w.guildId}/leaderboard`);
    await logIn(admin, 'Mod');
    await admin.goto(`${w.url}/g/${w.guildId}/admin/raffles`);
    expect(await admin.locator('main').innerText()).toContain(raffle.commitment);
    expect(await accessibility(admin)).toEqual([]);
    await admin.goto(`${w.url}/g/${w.guildId}/admin/seasons`);
    expect(await admin.locator('main').innerText()).toContain('Autumn');
    expect(await accessibility(admin)).toEqual([]);
  });
});
