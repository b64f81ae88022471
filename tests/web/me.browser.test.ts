import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE, MEMBER } from '../../src/ledger/ledger.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { parseMilestones } from '../../src/streaks/milestones.ts';
import { seedRedemption } from '../helpers/members.ts';
import { sqliteOf } from '../helpers/engines.ts';

let browser: Browser;
let w: WebWorld | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const count = (world: WebWorld, table: string) =>
  (sqliteOf(world.app.services.db).prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Credits straight into the ledger, as a campaign or the platform would. */
function credit(
  world: WebWorld,
  userId: string,
  amount: number,
  key: string,
  kind: 'campaign.grant' | 'platform.trade',
) {
  const source = kind === 'campaign.grant' ? 'campaign' : 'platform';
  world.app.services.ledger.post({
    guildId: world.guildId,
    kind,
    from: ISSUANCE(source),
    to: MEMBER(userId),
    amount,
    key,
    actor: { type: source, id: 'test' },
  });
}

const historyRows = (page: Page) => page.locator('#history ~ table tbody tr');

/** Picks filters in the form and submits it, as a person would. */
async function filter(page: Page, o: { kind?: string; source?: string; from?: string; to?: string }) {
  const field = (label: string) => page.getByLabel(label, { exact: true });
  if (o.kind) await field('Kind').selectOption({ label: o.kind });
  if (o.source) await field('Source').selectOption({ label: o.source });
  if (o.from !== undefined) await field('From').fill(o.from);
  if (o.to !== undefined) await field('To').fill(o.to);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForLoadState();
}

describe('a member’s own page, in a real browser', () => {
  it('shows standing, tier progress, badges, the earnings chart and a filtered, paged history', async () => {
    w = await startWebWorld();
    const world = w;
    const bronze = w.fake.createRole(w.guildId, { name: 'Bronze', position: 2 }).id;
    const silver = w.fake.createRole(w.guildId, { name: 'Silver', position: 3 }).id;
    await w.slash(w.users.mod, 'sparks-admin tier set', { role: bronze, lifetime: 100 }).final();
    await w.slash(w.users.mod, 'sparks-admin tier set', { role: silver, lifetime: 500 }).final();
    const award = (amount: number, reason: string) =>
      world
        .slash(world.users.mod, 'sparks-admin award', { member: world.users.alice, amount, reason })
        .reply();
    await award(50, 'help in #support');
    await award(30, 'fan art');
    await w
      .slash(w.users.mod, 'sparks-admin revoke', { member: w.users.alice, amount: 10, reason: 'duplicate' })
      .reply();
    credit(w, w.users.alice, 40, 'camp-1', 'campaign.grant');
    for (let i = 0; i < 26; i++) credit(w, w.users.alice, 1, `trade-${i}`, 'platform.trade');
    seedRedemption(w, w.users.alice, { name: 'Early bird', kind: 'badge', cost: 20 }, 'fulfilled', 'r1');
    seedRedemption(w, w.users.alice, { name: 'Poster', kind: 'manual', cost: 15 }, 'refunded', 'r2');
    w.app.services.settings.update(w.guildId, { streakMilestones: parseMilestones('3:10') });
    const url = `${w.url}/g/${w.guildId}/me`;

    // Logged out: sent to log in with Discord, then back to the page.
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(url);
    await page.getByRole('button', { name: 'Log in as Alice' }).click();
    await page.waitForURL(url);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('My Sparks · Sparks Lab');
    const cards = await page.locator('.card').allInnerTexts();
    expect(cards[0]).toMatch(/Balance\s+116/);
    expect(cards[1]).toMatch(/Lifetime earned\s+136/);
    expect(cards[2]).toMatch(/Rank \(all time\)\s+#1/);
    expect(cards[3]).toMatch(/Tier 1 of 2/);
    const progress = page.getByRole('progressbar', { name: 'Progress to the next tier' });
    expect(await progress.getAttribute('max')).toBe('400');
    expect(await progress.getAttribute('value')).toBe('36');
    expect(await page.getByText('136 of 500 lifetime Sparks: 364 to go').count()).toBe(1);
    expect(cards[4]).toMatch(/Badges\s+🏅 Early bird/);
    // Earned today (the campaign and the trades; the awards do not count): a streak of one.
    expect(cards[5]).toMatch(
      /Streak\s+1 day\(s\) in a row\s+Best: 1 day\(s\)\s+Today counts already\.\s+Next bonus: 10 Sparks at 3 days\./,
    );

    // The chart: an image named by its title, described with every value, and the same
    // numbers as a table for screen readers.
    const chart = page.getByRole('img', { name: 'Where your Sparks came from' });
    expect(await chart.count()).toBe(1);
    expect(await page.locator('svg desc').textContent()).toContain(
      'Moderator awards: 70; Campaigns: 40; Trading: 26.',
    );
    expect(await page.locator('svg rect.bar').count()).toBe(3);
    const table = page.getByRole('table', { name: 'Where your Sparks came from' });
    expect(await table.getByRole('row').allInnerTexts()).toEqual([
      'Source\tSparks',
      'Moderator awards\t70',
      'Campaigns\t40',
      'Trading\t26',
    ]);
    expect(await accessibility(page)).toEqual([]);

    // The history, newest first, 25 a page.
    expect(await historyRows(page).count()).toBe(25);
    expect(await historyRows(page).first().innerText()).toMatch(/Refund of “Poster”.*\+15/s);
    await page.getByRole('link', { name: 'Older' }).click();
    expect(await historyRows(page).count()).toBe(8);
    expect(await historyRows(page).last().innerText()).toMatch(/Award from Mod\s+help in #support\s+\+50/);
    await page.getByRole('link', { name: 'Newer' }).click();
    expect(await historyRows(page).count()).toBe(25);

    await filter(page, { kind: 'Refunds' });
    expect(await historyRows(page).allInnerTexts()).toEqual([expect.stringMatching(/Refund of “Poster”/)]);
    await filter(page, { kind: 'Spent or taken back' });
    expect(await historyRows(page).allInnerTexts()).toEqual([
      expect.stringMatching(/Redeemed “Poster”.*−15/s),
      expect.stringMatching(/Redeemed “Early bird”.*−20/s),
      expect.stringMatching(/Revoked by Mod.*−10/s),
    ]);
    await filter(page, { kind: 'Earned', source: 'Awards and revokes' });
    expect(await historyRows(page).count()).toBe(2);
    await filter(page, { kind: 'Everything', source: 'Shop' });
    expect(await historyRows(page).count()).toBe(3);
    await filter(page, { source: 'Campaigns' });
    expect(await historyRows(page).allInnerTexts()).toEqual([expect.stringMatching(/Campaign.*\+40/s)]);
    // The platform's 26 entries page by the filter: the links keep it.
    await filter(page, { source: 'Platform' });
    expect(await historyRows(page).count()).toBe(25);
    await page.getByRole('link', { name: 'Older' }).click();
    expect(new URL(page.url()).searchParams.get('source')).toBe('platform');
    expect(await historyRows(page).allInnerTexts()).toEqual([expect.stringMatching(/Trade on the platform/)]);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await filter(page, { from: today, to: today });
    expect(await historyRows(page).count()).toBe(25);
    await filter(page, { from: tomorrow, to: '' });
    expect(await page.getByText('No entries match these filters.').count()).toBe(1);
    expect(await accessibility(page)).toEqual([]);

    // Values the form does not offer are refused with a page that says why.
    for (const [query, why] of [
      ['from=2025-02-30', '“From” must be a date written as YYYY-MM-DD'],
      ['to=yesterday', '“To” must be a date written as YYYY-MM-DD'],
      ['from=2025-03-02&to=2025-03-01', '“From” must not be after “To”'],
      ['kind=gifts', 'the kind must be one of the listed choices'],
      ['source=bank', 'the source must be one of the listed choices'],
      ['before=1&after=2', 'that history page link is broken'],
    ] as const) {
      const response = await page.goto(`${url}?${query}`);
      expect(response!.status(), query).toBe(400);
      expect(await page.getByRole('alert').innerText()).toBe(`That request was not valid: ${why}`);
    }
    expect(await accessibility(page)).toEqual([]);
    expect((await page.goto(`${w.url}/g/not-a-guild/me`))!.status()).toBe(404);
    await page.context().close();
  }, 60_000);

  it('speaks Korean', async () => {
    w = await startWebWorld();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 5, reason: 'hi' })
      .reply();
    const page = await openPage(browser, { locale: 'ko-KR' });
    await page.goto(`${w.url}/g/${w.guildId}/leaderboard`);
    await logIn(page, 'Alice');
    await page.getByRole('link', { name: '내 Sparks' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('내 Sparks · Sparks Lab');
    expect(await page.getByRole('img', { name: 'Sparks를 어디서 모았나요' }).count()).toBe(1);
    expect(await historyRows(page).first().innerText()).toMatch(/Mod 님의 지급/);
    // An award does not start a streak.
    expect(
      await page.locator('section', { has: page.getByRole('heading', { name: '연속 기록' }) }).innerText(),
    ).toMatch(/현재 연속 기록 없음/);
    expect(await accessibility(page)).toEqual([]);
    await page.context().close();
  });
});

describe('hiding from the web leaderboard', () => {
  it('on the web and with /sparks privacy: others see “A member (hidden)” at the same rank, the member sees themselves', async () => {
    w = await startWebWorld();
    const world = w;
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 50, reason: 'help' })
      .reply();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.bob, amount: 80, reason: 'art' })
      .reply();
    const board = `${w.url}/g/${w.guildId}/leaderboard`;
    const hiddenFlag = (userId: string) =>
      (
        sqliteOf(world.app.services.db)
          .prepare('SELECT leaderboard_hidden AS h FROM member_prefs WHERE guild_id = ? AND user_id = ?')
          .get(world.guildId, userId) as { h: number } | undefined
      )?.h;

    const alice = await openPage(browser, { locale: 'en-US' });
    await alice.goto(board);
    await logIn(alice, 'Alice');
    await alice.getByRole('link', { name: 'My Sparks' }).click();
    expect(await alice.getByLabel('Show my name and picture').isChecked()).toBe(true);

    // A post without the form's token, and one with a value the form does not offer,
    // change nothing.
    const forged = await alice.request.post(`${w.url}/g/${w.guildId}/me/privacy`, {
      form: { leaderboard: 'hidden' },
    });
    expect(forged.status()).toBe(403);
    const token = await alice.locator('input[name=_csrf]').first().inputValue();
    const odd = await alice.request.post(`${w.url}/g/${w.guildId}/me/privacy`, {
      form: { _csrf: token, leaderboard: 'maybe' },
    });
    expect(odd.status()).toBe(400);
    expect(await odd.text()).toContain('choose shown or hidden');
    expect(count(w, 'member_prefs')).toBe(0);

    await alice.getByLabel('Hide them: show “A member (hidden)”').check();
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.waitForURL(/done=hidden/);
    expect(await alice.getByRole('status').innerText()).toBe(
      'Saved: the web leaderboard no longer shows your name.',
    );
    expect(await alice.getByLabel('Hide them: show “A member (hidden)”').isChecked()).toBe(true);
    expect(hiddenFlag(w.users.alice)).toBe(1);
    expect(await accessibility(alice)).toEqual([]);

    const visitor = await openPage(browser, { locale: 'en-US' });
    await visitor.goto(board);
    const rows = visitor.getByRole('row');
    expect(await rows.nth(1).innerText()).toMatch(/1\s+Bob\s+80/);
    expect(await rows.nth(2).innerText()).toMatch(/2\s+A member \(hidden\)\s+50/);
    expect(await rows.nth(2).locator('img').count()).toBe(0);
    expect(await visitor.content()).not.toContain('Alice');
    expect(await accessibility(visitor)).toEqual([]);

    // Alice still sees herself, and why others do not.
    await alice.goto(board);
    expect(await alice.locator('tr.you').innerText()).toMatch(/2\s+Alice \(You\)\s+50/);
    expect(
      await alice.getByText('You are hidden from the web leaderboard. Change it on your page.').count(),
    ).toBe(1);
    expect(await accessibility(alice)).toEqual([]);

    // Bob hides with the slash command; Alice shows herself again with it.
    const state = await w.slash(w.users.bob, 'sparks privacy').reply();
    expect(state.ephemeral).toBe(true);
    expect(text(state)).toMatch(/The web leaderboard shows your name/);
    const hid = await w.slash(w.users.bob, 'sparks privacy', { leaderboard: 'hidden' }).reply();
    expect(hid.ephemeral).toBe(true);
    expect(text(hid)).toMatch(/shows “A member \(hidden\)” in your place/);
    expect(hiddenFlag(w.users.bob)).toBe(1);
    const shown = await w
      .slash(w.users.alice, 'sparks privacy', { leaderboard: 'shown' }, { locale: 'ko' })
      .reply();
    expect(text(shown)).toMatch(/다시 내 이름과 사진이 보입니다/);
    expect(hiddenFlag(w.users.alice)).toBe(0);
    await visitor.reload();
    expect(await rows.nth(1).innerText()).toMatch(/1\s+A member \(hidden\)\s+80/);
    expect(await rows.nth(2).innerText()).toMatch(/2\s+Alice\s+50/);
    expect(await visitor.content()).not.toContain('Bob');

    await alice.goto(`${w.url}/g/${w.guildId}/me`);
    expect(await alice.getByLabel('Show my name and picture').isChecked()).toBe(true);
    await alice.context().close();
    await visitor.context().close();
  }, 60_000);

  it('a guild that turns its web leaderboard off refuses anonymous visitors and admits its members', async () => {
    w = await startWebWorld();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 50, reason: 'help' })
      .reply();
    const off = await w.slash(w.users.mod, 'sparks-admin config', { web_leaderboard: false }).reply();
    expect(off.ephemeral).toBe(true);
    expect(text(off)).toMatch(/Web leaderboard\s+members only/);
    expect(w.app.services.settings.get(w.guildId).webLeaderboard).toBe(false);
    const board = `${w.url}/g/${w.guildId}/leaderboard`;

    const page = await openPage(browser, { locale: 'en-US' });
    const refused = await page.goto(board);
    expect(refused!.status()).toBe(403);
    expect(await page.getByRole('alert').innerText()).toBe(
      'This server does not show its leaderboard on the web.',
    );
    expect(await page.getByText('Alice').count()).toBe(0);
    expect(await accessibility(page)).toEqual([]);

    await page.goto(`${w.url}/`);
    await logIn(page, 'Alice');
    const admitted = await page.goto(board);
    expect(admitted!.status()).toBe(200);
    expect(await page.locator('tr.you').innerText()).toMatch(/1\s+Alice \(You\)\s+50/);

    const on = await w.slash(w.users.mod, 'sparks-admin config', { reset: 'web_leaderboard' }).reply();
    expect(text(on)).toMatch(/web_leaderboard is back to its default/);
    const anonymous = await openPage(browser, { locale: 'en-US' });
    expect((await anonymous.goto(board))!.status()).toBe(200);
    await page.context().close();
    await anonymous.context().close();
  });
});
