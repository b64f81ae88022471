import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { accessibility, logIn, startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { sqliteOf } from '../helpers/engines.ts';

let browser: Browser;
let w: WebWorld;
let admin: Page;

const balance = (userId: string) => w.app.services.ledger.reads.standing(w.guildId, userId).balance;
const entries = () =>
  (sqliteOf(w.app.services.db).prepare('SELECT COUNT(*) AS n FROM transfers').get() as { n: number }).n;
const campaignCount = () => w.app.services.campaigns.list(w.guildId, 100).length;
const logTexts = () => w.fake.channelMessages(w.logChannelId).map((m) => text(m));
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  browser = await launchBrowser();
  w = await startWebWorld();
  w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
  admin = await openPage(browser, { locale: 'en-US' });
  // The dashboard's form asks for confirmation before ending a campaign: the moderator says yes.
  admin.on('dialog', (d) => void d.accept());
  await admin.goto(`${w.url}/g/${w.guildId}/leaderboard`);
  await logIn(admin, 'Mod');
  await admin.goto(`${w.url}/g/${w.guildId}/admin/campaigns`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the dashboard’s data pages, in a real browser', { timeout: 60_000 }, () => {
  it('starts a campaign on a message in #general, grants the reactors, and ends it with a summary in the log', async () => {
    expect(admin.url()).toBe(`${w.url}/g/${w.guildId}/admin/campaigns`);
    expect(await admin.getByText('No campaigns yet').count()).toBe(1);
    expect(await accessibility(admin)).toEqual([]);
    const messageId = w.fake.postMessage(w.channelId, { authorId: w.users.alice, content: 'Launch day!' });
    const link = `https://discord.com/channels/${w.guildId}/${w.channelId}/${messageId}`;

    // A bad emoji is refused with the bot's own words, and nothing is started or reacted.
    await admin.getByLabel('Message link').fill(link);
    await admin.getByLabel('Emoji').fill('not an emoji');
    await admin.getByLabel('Sparks per participant').fill('10');
    await admin.getByRole('button', { name: 'Start campaign' }).click();
    expect(await admin.getByRole('alert').innerText()).toContain(
      'The campaign cannot be started: emoji must be one emoji',
    );
    expect(campaignCount()).toBe(0);
    expect(w.fake.reactionUsers(messageId, '🔥')).toEqual([]);
    await admin.goBack();

    await admin.getByLabel('Message link').fill(link);
    await admin.getByLabel('Emoji').fill('🔥');
    await admin.getByLabel('Sparks per participant').fill('10');
    await admin.getByLabel('Name (optional)').fill('Launch');
    await admin.getByRole('button', { name: 'Start campaign' }).click();
    await admin.waitForURL(/started=\d+/);
    expect(await admin.getByRole('status').innerText()).toContain(
      'Campaign “Launch” started: the bot reacted with 🔥 on the message.',
    );
    expect(w.fake.reactionUsers(messageId, '🔥')).toEqual([w.fake.botUserId]);
    expect(await accessibility(admin)).toEqual([]);

    for (const userId of [w.users.alice, w.users.bob])
      w.fake.addReaction({ channelId: w.channelId, messageId, userId, emoji: '🔥' });
    await expect
      .poll(() => [balance(w.users.alice), balance(w.users.bob)], { timeout: 10_000 })
      .toEqual([10, 10]);
    await admin.reload();
    const row = admin.getByRole('row', { name: /Launch/ });
    expect(await row.innerText()).toMatch(/Active\s+10\s+2\s+20/);

    await admin.getByRole('button', { name: 'End campaign Launch' }).click();
    await admin.waitForURL(/ended=\d+/);
    expect(await admin.getByRole('status').innerText()).toContain(
      'Campaign “Launch” ended: 2 participants, 20 Sparks granted.',
    );
    expect(await admin.getByRole('row', { name: /Launch/ }).innerText()).toMatch(
      /Ended: ended by a moderator/,
    );
    await expect
      .poll(() => logTexts().some((t) => /Campaign ended/.test(t) && /Launch/.test(t)), { timeout: 15_000 })
      .toBe(true);
    // The start from the web is in the audit log as the slash command's is.
    expect(logTexts().some((t) => /Campaign started/.test(t) && /Launch/.test(t))).toBe(true);

    // A form posted without its CSRF token changes nothing.
    const forged = await admin.request.post(`${w.url}/g/${w.guildId}/admin/campaigns`, {
      form: { message: link, emoji: '🎉', sparks: '5' },
    });
    expect(forged.status()).toBe(403);
    expect(campaignCount()).toBe(1);
  });

  it('filters the ledger by member and kind, and the CSV holds exactly the filtered rows', async () => {
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 50, reason: 'help' })
      .reply();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.bob, amount: 80, reason: 'art' })
      .reply();
    await w
      .slash(w.users.mod, 'sparks-admin award', {
        member: w.users.alice,
        amount: 7,
        reason: 'more, "quoted"',
      })
      .reply();
    await admin.goto(`${w.url}/g/${w.guildId}/admin/ledger`);
    expect(await accessibility(admin)).toEqual([]);
    const body = admin.locator('table.ledger tbody tr');
    expect(await body.count()).toBe(entries());

    await admin.getByLabel('Member (user id)').fill(w.users.alice);
    await admin.getByLabel('Kind').selectOption('award');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/member=/);
    const rows = await body.allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/award.*Alice.*\b7\b.*more, "quoted"/s);
    expect(rows[1]).toMatch(/award.*Alice.*\b50\b.*help/s);
    const ids = await admin.locator('table.ledger tbody tr td:first-child').allInnerTexts();
    expect(await accessibility(admin)).toEqual([]);

    const href = await admin.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await admin.request.get(`${w.url}${href!}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(csv.headers()['content-disposition']).toMatch(
      /attachment; filename="sparks-ledger-\d+-[\d-]+\.csv"/,
    );
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'id,created_at,kind,from_account,to_account,member_id,amount,reason,actor,ref,closes_id',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([...ids].reverse());
    expect(lines[2]).toContain(
      `award,issuance:award,member:${w.users.alice},${w.users.alice},7,"more, ""quoted"""`,
    );

    // A date that is not a day is refused, naming the field.
    const bad = await admin.goto(`${w.url}/g/${w.guildId}/admin/ledger?from=2026-02-30`);
    expect(bad!.status()).toBe(400);
    expect(await admin.getByRole('alert').innerText()).toContain(
      '“from” is not valid: use a date as YYYY-MM-DD.',
    );
    const kept = await admin.goto(
      `${w.url}/g/${w.guildId}/admin/ledger?source=award&from=${today()}&to=${today()}`,
    );
    expect(kept!.status()).toBe(200);
    expect(await body.count()).toBe(3);
  });

  it('draws the analytics charts with the numbers of the ledger', async () => {
    await admin.goto(`${w.url}/g/${w.guildId}/admin/analytics`);
    expect(await accessibility(admin)).toEqual([]);
    // No redemptions yet: that section says so instead of drawing an empty chart.
    expect(await admin.locator('svg[role=img]').count()).toBe(5);
    expect(await admin.getByText('No redemptions in the last 30 days.').count()).toBe(1);
    const stat = (label: string) => admin.locator('.card', { hasText: label }).locator('.stat').innerText();
    expect(await stat('Issued (30 days)')).toBe('157');
    expect(await stat('Spent (30 days)')).toBe('0');
    const day = today().slice(5);
    const cells = async (table: string, label: string) =>
      (await admin.getByRole('table', { name: table }).getByRole('row', { name: label }).allInnerTexts())[0]!
        .split('\t')
        .map((s) => s.trim());
    expect(await cells('Sparks issued by source, against Sparks spent', day)).toEqual([
      day,
      '20',
      '137',
      '0',
      '0',
    ]);
    expect(await cells('Active earners per day', day)).toEqual([day, '2']);
    expect(await cells('Campaign participation', 'Launch')).toEqual(['Launch', '2']);
    expect(await cells('Referral funnel', 'Referrals registered')).toEqual(['Referrals registered', '0']);
    expect(
      await admin.getByRole('img', { name: 'Sparks issued by source, against Sparks spent' }).count(),
    ).toBe(1);
  });

  it('refuses every data page and action to a member who is not an admin', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(`${w.url}/g/${w.guildId}/leaderboard`);
    await logIn(page, 'Alice');
    const token = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const before = entries();
    for (const path of ['campaigns', 'ledger', 'ledger.csv', 'analytics']) {
      const response = await page.goto(`${w.url}/g/${w.guildId}/admin/${path}`);
      expect(response!.status(), path).toBe(403);
      expect(await page.getByRole('alert').innerText()).toContain('Only members with Manage Server');
    }
    expect(await accessibility(page)).toEqual([]);
    for (const path of ['campaigns', 'campaigns/end']) {
      const response = await page.request.post(`${w.url}/g/${w.guildId}/admin/${path}`, {
        form: {
          _csrf: token!,
          campaign: '1',
          message: 'https://discord.com/channels/1/2/3',
          emoji: '🔥',
          sparks: '5',
        },
      });
      expect(response.status(), path).toBe(403);
    }
    expect(entries()).toBe(before);
    expect(campaignCount()).toBe(1);
    expect((await page.goto(`${w.url}/g/not-a-guild/admin/ledger`))!.status()).toBe(404);
    await page.context().close();
  });
});
