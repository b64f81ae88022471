import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { memberNames } from '../../src/discord/commands/sparks/leaderboard.ts';
import { syncRanked } from '../../src/discord/ranking.ts';
import {
  buttons,
  compareSnowflakes,
  expectNoUnexpectedRequests,
  text,
  type MessageView,
} from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { fakeClock } from '../helpers/db.ts';
import { credit, decodePng, rankedFlag, seedCampaign, seedRedemption } from '../helpers/members.ts';

const MINUTE = 60_000;

function click(
  w: BotWorld,
  userId: string,
  view: MessageView,
  label: 'Previous' | 'Next',
  extra: { locale?: string } = {},
) {
  const button = buttons(view).find(
    (b) => b.label === label || b.label === (label === 'Previous' ? '이전' : '다음'),
  );
  if (!button?.customId) throw new Error(`no ${label} button on the message`);
  return w.fake.clickButton({
    channelId: w.channelId,
    userId,
    messageId: view.id!,
    customId: button.customId,
    locale: extra.locale ?? 'en-US',
  });
}

const button = (view: MessageView, label: string) => buttons(view).find((b) => b.label === label);

describe('/sparks balance', () => {
  let w: BotWorld;
  const roles = { bronze: '', silver: '', gold: '' };
  beforeAll(async () => {
    w = await startWorld({ clock: fakeClock() });
    for (const [name, position] of [
      ['bronze', 2],
      ['silver', 3],
      ['gold', 4],
    ] as const) {
      roles[name] = w.fake.createRole(w.guildId, {
        name: name[0]!.toUpperCase() + name.slice(1),
        position,
      }).id;
    }
    const { tiers } = w.app.services;
    tiers.set(w.guildId, roles.bronze, 100, { moderatorRoleId: null });
    tiers.set(w.guildId, roles.silver, 1000, { moderatorRoleId: null });
    tiers.set(w.guildId, roles.gold, 5000, { moderatorRoleId: null });
    credit(w, w.users.alice, 1500, 'a1');
    seedRedemption(w, w.users.alice, { name: 'Early Bird', kind: 'badge', cost: 100 }, 'fulfilled', 'r1');
    seedRedemption(w, w.users.alice, { name: 'Early Bird', kind: 'badge', cost: 100 }, 'fulfilled', 'r2');
    seedRedemption(w, w.users.alice, { name: 'Golden Frame', kind: 'badge', cost: 50 }, 'refunded', 'r3');
    seedRedemption(w, w.users.alice, { name: 'Whitelist spot', kind: 'manual', cost: 30 }, 'fulfilled', 'r4');
    await w.membersIdle();
  });
  afterAll(async () => {
    await w.stop();
  });

  it('about oneself: balance, lifetime, rank, tier, Sparks to the next tier, badges and a PNG card, privately', async () => {
    const reply = await w.slash(w.users.alice, 'sparks balance').final();
    expect(reply.ephemeral).toBe(true);
    const body = text(reply);
    expect(body).toContain('Your Sparks');
    expect(body).toMatch(/Balance\s*1,270 Sparks/);
    expect(body).toMatch(/Lifetime earned\s*1,500 Sparks/);
    expect(body).toMatch(/Rank\s*#1/);
    expect(body).toMatch(new RegExp(`Tier\\s*<@&${roles.silver}>`));
    expect(body).toContain(`3,500 Sparks to <@&${roles.gold}>`);
    expect(body).toContain('🏅 Early Bird ×2');
    expect(body).not.toContain('Golden Frame'); // refunded
    expect(body).not.toContain('Whitelist spot'); // not a badge
    expect(reply.attachments).toHaveLength(1);
    const [card] = reply.attachments;
    expect(card!.filename).toBe('sparks-card.png');
    expect(await decodePng(card!.data)).toEqual({ width: 800, height: 300 });
    expect((reply.embeds[0]!.image as { url: string }).url).toContain('sparks-card.png');
    expectNoUnexpectedRequests(w.fake);
  });

  it('about another member: their facts, still visible only to the caller', async () => {
    const reply = await w.slash(w.users.bob, 'sparks balance', { member: w.users.alice }).final();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toContain('Sparks of Alice');
    expect(text(reply)).toMatch(/Balance\s*1,270 Sparks/);
    const empty = await w.slash(w.users.alice, 'sparks balance', { member: w.users.bob }).final();
    expect(text(empty)).toMatch(/Rank\s*not ranked/);
    expect(text(empty)).toContain('No tier yet');
    expect(text(empty)).toContain(`100 Sparks to <@&${roles.bronze}>`);
    expect(text(empty)).toContain('No badges yet');
  });

  it('answers in Korean, numbers formatted for the locale', async () => {
    const reply = await w.slash(w.users.alice, 'sparks balance', {}, { locale: 'ko' }).final();
    const body = text(reply);
    expect(body).toContain('내 Sparks');
    expect(body).toMatch(/잔액\s*1,270 Sparks/);
    expect(body).toMatch(/누적 적립\s*1,500 Sparks/);
    expect(body).toContain('1위');
    expect(body).toContain(`<@&${roles.gold}>까지 3,500 Sparks`);
    expect(body).toContain('배지');
    expect(reply.attachments).toHaveLength(1);
  });

  it('with images turned off for the guild, the same facts come without a card', async () => {
    w.app.services.settings.update(w.guildId, { imagesEnabled: false });
    try {
      const handle = w.slash(w.users.alice, 'sparks balance');
      const reply = await handle.final();
      expect(reply.attachments).toEqual([]);
      expect(reply.embeds[0]!.image).toBeUndefined();
      expect(text(reply)).toMatch(/Balance\s*1,270 Sparks/);
    } finally {
      w.app.services.settings.update(w.guildId, { imagesEnabled: true });
    }
  });
});

describe('/sparks history', () => {
  let w: BotWorld;
  const clock = fakeClock();
  beforeAll(async () => {
    w = await startWorld({ clock });
    const { services } = w.app;
    const campaign = seedCampaign(w, 'Launch AMA');
    credit(w, w.users.alice, 500, 'h1', { reason: 'Great AMA question' });
    clock.advance(MINUTE);
    const grant = credit(w, w.users.alice, 40, 'h2', {
      source: 'campaign',
      kind: 'campaign.grant',
      ref: `campaign:${campaign}`,
      reason: '',
    });
    clock.advance(MINUTE);
    credit(w, w.users.alice, 25, 'h3', {
      source: 'platform',
      kind: 'platform.trade',
      ref: 'event:evt_1',
      reason: '',
    });
    clock.advance(MINUTE);
    seedRedemption(w, w.users.alice, { name: 'Early Bird', kind: 'badge', cost: 100 }, 'fulfilled', 'h4');
    seedRedemption(w, w.users.alice, { name: 'Whitelist spot', kind: 'manual', cost: 60 }, 'refunded', 'h5');
    clock.advance(MINUTE);
    services.awards.revoke({
      guildId: w.guildId,
      moderatorId: w.users.mod,
      userId: w.users.alice,
      amount: 5,
      reason: 'duplicate **bold** claim',
      key: 'h6',
    });
    services.ledger.reverse(grant.transfer.id, {
      key: 'h7',
      actor: { type: 'system', id: 'campaign' },
      reason: 'unreacted',
    });
    for (let i = 1; i <= 25; i++) {
      clock.advance(1000);
      credit(w, w.users.bob, i, `bob${i}`, { reason: `entry ${i}` });
    }
    await w.membersIdle();
  });
  afterAll(async () => {
    await w.stop();
  });

  it('lists every entry newest first with amount, source, reason and a Discord timestamp, privately', async () => {
    const reply = await w.slash(w.users.alice, 'sparks history').final();
    expect(reply.ephemeral).toBe(true);
    const body = text(reply);
    expect(body).toContain('Your Sparks history');
    const lines = body.split('\n').filter((l) => l.startsWith('**'));
    expect(lines.map((l) => l.split(' · ')[0])).toEqual([
      '**−40**', // the campaign grant reversed
      '**−5**',
      '**+60**', // refund
      '**−60**',
      '**−100**',
      '**+25**',
      '**+40**',
      '**+500**',
    ]);
    expect(body).toContain('Correction of: Campaign “Launch AMA”');
    expect(body).toContain(`Revoked by <@${w.users.mod}>`);
    expect(body).toContain('Reason: duplicate \\*\\*bold\\*\\* claim'); // markdown escaped
    expect(body).toContain('Refund of “Whitelist spot”');
    expect(body).toContain('Redeemed “Whitelist spot”');
    expect(body).toContain('Redeemed “Early Bird”');
    expect(body).toContain('Trade on the platform');
    expect(body).toContain('Campaign “Launch AMA”');
    expect(body).toContain(`Award from <@${w.users.mod}>`);
    expect(body).toContain('Reason: Great AMA question');
    const unix = Math.floor(Date.UTC(2026, 10, 24, 12, 0, 0) / 1000);
    expect(body).toContain(`<t:${unix}:R>`);
    expect(reply.components).toEqual([]); // one page: no buttons
  });

  it('pages with Previous/Next, ten entries a page, to the end and back', async () => {
    const first = await w.slash(w.users.bob, 'sparks history').final();
    const deltas = (v: MessageView) =>
      text(v)
        .split('\n')
        .filter((l) => l.startsWith('**+'))
        .map((l) => Number(/\*\*\+(\d+)\*\*/.exec(l)![1]));
    expect(deltas(first)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(button(first, 'Previous')!.disabled).toBe(true);
    expect(text(first)).toContain('Page 1');
    const second = await click(w, w.users.bob, first, 'Next').final();
    expect(deltas(second)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    expect(text(second)).toContain('Page 2');
    const third = await click(w, w.users.bob, second, 'Next').final();
    expect(deltas(third)).toEqual([5, 4, 3, 2, 1]);
    expect(button(third, 'Next')!.disabled).toBe(true);
    // An entry arriving meanwhile does not shift the pages; page 1 then shows it.
    credit(w, w.users.bob, 26, 'bob26');
    const back = await click(w, w.users.bob, third, 'Previous').final();
    expect(deltas(back)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    const top = await click(w, w.users.bob, back, 'Previous').final();
    expect(deltas(top)).toEqual([26, 25, 24, 23, 22, 21, 20, 19, 18, 17]);
    expect(button(top, 'Previous')!.disabled).toBe(true);
  });

  it('past the end (a forged or replayed Next) says there is nothing more', async () => {
    const first = await w.slash(w.users.bob, 'sparks history').final();
    const next = button(first, 'Next')!.customId!;
    const forged = next.replace(/:2:o:\d+$/, ':9:o:1');
    const past = await w.fake
      .clickButton({
        channelId: w.channelId,
        userId: w.users.bob,
        messageId: first.id!,
        customId: forged,
        force: true,
      })
      .final();
    expect(text(past)).toContain('No more entries.');
    expect(button(past, 'Next')!.disabled).toBe(true);
  });

  it('a page left open too long is stale and says so', async () => {
    const first = await w.slash(w.users.bob, 'sparks history').final();
    clock.advance(16 * MINUTE);
    const stale = await click(w, w.users.bob, first, 'Next').reply();
    expect(stale.ephemeral).toBe(true);
    expect(text(stale)).toBe('These buttons have expired. Run the command again.');
  });

  it("another member's history: moderators only", async () => {
    const refused = await w.slash(w.users.bob, 'sparks history', { member: w.users.alice }).reply();
    expect(refused.ephemeral).toBe(true);
    expect(text(refused)).toMatch(/Only moderators can do that/);
    const allowed = await w.slash(w.users.mod, 'sparks history', { member: w.users.alice }).final();
    expect(allowed.ephemeral).toBe(true);
    expect(text(allowed)).toContain('Sparks history of Alice');
    expect(text(allowed)).toContain('Trade on the platform');
  });

  it('speaks Korean', async () => {
    const reply = await w.slash(w.users.alice, 'sparks history', {}, { locale: 'ko' }).final();
    expect(text(reply)).toContain('내 Sparks 내역');
    expect(text(reply)).toContain('“Whitelist spot” 환불');
    expect(text(reply)).toContain('플랫폼 거래');
    expect(text(reply)).toContain('1페이지 · 최신순');
    const page = await w.slash(w.users.bob, 'sparks history', {}, { locale: 'ko' }).final();
    expect(buttons(page).map((b) => b.label)).toEqual(['이전', '다음']);
  });

  it('keeps the ledger clean', () => {
    expect(verifyLedger(w.app.services.db).ok).toBe(true);
  });
});

describe('/sparks leaderboard', () => {
  let w: BotWorld;
  const clock = fakeClock();
  const extra: string[] = [];
  beforeAll(async () => {
    w = await startWorld({ clock });
    for (let i = 1; i <= 12; i++) {
      extra.push(
        w.fake.addMember(w.guildId, {
          username: `member${String(i).padStart(2, '0')}`,
          globalName: `회원 ${i}`,
        }).userId,
      );
    }
    credit(w, w.users.alice, 1000, 'alice');
    extra.forEach((id, i) => credit(w, id, 200 + i * 10, `m${i}`));
    // A tie: carol's account opened before bob's, so carol ranks first at 100 each.
    credit(w, w.users.carol, 50, 'carol1');
    credit(w, w.users.bob, 100, 'bob1');
    credit(w, w.users.carol, 50, 'carol2');
    await w.membersIdle();
  });
  afterAll(async () => {
    await w.stop();
  });

  it('shows ten a page, publicly, with the caller’s own rank even off the page, and a card of the page', async () => {
    const reply = await w.slash(w.users.bob, 'sparks leaderboard').final();
    expect(reply.ephemeral).toBe(false);
    const body = text(reply);
    expect(body).toContain('Sparks leaderboard');
    expect(body).toContain('All time · by balance');
    expect(body).toContain(`🥇 **1.** <@${w.users.alice}> — 1,000 Sparks`);
    expect(body).toContain(`🥈 **2.** <@${extra[11]}> — 310 Sparks`);
    expect(body).toContain(`**10.** <@${extra[3]}> — 230 Sparks`);
    expect(body).not.toContain(`<@${w.users.bob}> —`);
    expect(body).toContain('Your rank: **#15** · 100 Sparks');
    expect(body).toContain('Page 1 of 2 · 15 ranked');
    expect(button(reply, 'Previous')!.disabled).toBe(true);
    expect(button(reply, 'Next')!.disabled).toBe(false);
    expect(reply.attachments).toHaveLength(1);
    expect(await decodePng(reply.attachments[0]!.data)).toEqual({ width: 800, height: 640 });
    expect(reply.allowedMentions).toEqual({ parse: [] });
  });

  it('Next and Previous move between pages; ties go to the older account', async () => {
    const first = await w.slash(w.users.bob, 'sparks leaderboard').final();
    const second = await click(w, w.users.bob, first, 'Next').final();
    const body = text(second);
    expect(body).toContain(`**14.** <@${w.users.carol}> — 100 Sparks`);
    expect(body).toContain(`**15.** <@${w.users.bob}> — 100 Sparks`);
    expect(body).toContain('Page 2 of 2');
    expect(button(second, 'Next')!.disabled).toBe(true);
    // The card was replaced, not added to: five rows this time.
    expect(second.attachments).toHaveLength(1);
    expect(await decodePng(second.attachments[0]!.data)).toEqual({ width: 800, height: 104 + 5 * 48 + 56 });
    const back = await click(w, w.users.bob, second, 'Previous').final();
    expect(text(back)).toContain('Page 1 of 2');
  });

  it('someone else pressing the buttons is told they are not theirs, and the page stays', async () => {
    const mine = await w.slash(w.users.bob, 'sparks leaderboard').final();
    const foreign = await click(w, w.users.alice, mine, 'Next').reply();
    expect(foreign.ephemeral).toBe(true);
    expect(text(foreign)).toBe('These buttons belong to someone else. Run the command yourself.');
    expect(text(w.fake.message(mine.id!))).toContain('Page 1 of 2');
  });

  it('speaks Korean', async () => {
    const reply = await w.slash(w.users.bob, 'sparks leaderboard', {}, { locale: 'ko' }).final();
    expect(text(reply)).toContain('Sparks 순위표');
    expect(text(reply)).toContain('전체 기간 · 잔액 기준');
    expect(text(reply)).toContain('내 순위: **15위** · 100 Sparks');
    expect(text(reply)).toContain('2페이지 중 1페이지 · 15명');
    expect(buttons(reply).map((b) => b.label)).toEqual(['이전', '다음']);
  });

  it('card names of members the bot has not cached come from one gateway request', async () => {
    const guild = w.app.client.guilds.cache.get(w.guildId)!;
    for (const id of [extra[5]!, extra[6]!]) {
      guild.members.cache.delete(id);
      w.app.client.users.cache.delete(id); // else the fallback would find the same name
    }
    const names = await memberNames(guild, [extra[5]!, w.users.bob, extra[6]!]);
    expect([extra[5]!, w.users.bob, extra[6]!].map((id) => names.get(id))).toEqual([
      '회원 6',
      'Bob',
      '회원 7',
    ]);
  });

  it('a caller with no Sparks is "not ranked yet"; week and month count Sparks earned in them', async () => {
    const none = await w.slash(w.users.mod, 'sparks leaderboard').final();
    expect(text(none)).toContain('You are not ranked yet: earn Sparks to join.');
    clock.advance(7 * 24 * 60 * MINUTE); // Tuesday Dec 1: a new ISO week and a new month
    credit(w, w.users.bob, 5, 'bob-week');
    const week = await w.slash(w.users.bob, 'sparks leaderboard', { period: 'week' }).final();
    expect(text(week)).toContain('This week (since Nov 30)');
    expect(text(week)).toContain(`🥇 **1.** <@${w.users.bob}> — 5 Sparks`);
    expect(text(week)).toContain('Your rank: **#1** · 5 Sparks');
    expect(text(week)).toContain('Page 1 of 1 · 1 ranked');
    const month = await w.slash(w.users.alice, 'sparks leaderboard', { period: 'month' }).final();
    expect(text(month)).toContain('This month (December 2026)');
    expect(text(month)).toContain('You are not ranked yet');
  });

  it('a page of a week that has ended, or left open too long, is stale', async () => {
    const all = await w.slash(w.users.bob, 'sparks leaderboard').final();
    const next = button(all, 'Next')!.customId!;
    const lastWeek = next.replace(':all:all:', ':week:w2026-48:');
    const ended = await w.fake
      .clickButton({
        channelId: w.channelId,
        userId: w.users.bob,
        messageId: all.id!,
        customId: lastWeek,
        force: true,
      })
      .reply();
    expect(text(ended)).toBe('These buttons have expired. Run the command again.');
    clock.advance(16 * MINUTE);
    const stale = await click(w, w.users.bob, all, 'Next').reply();
    expect(stale.ephemeral).toBe(true);
    expect(text(stale)).toBe('These buttons have expired. Run the command again.');
    expect(text(w.fake.message(all.id!))).toContain('Page 1 of 2');
  });

  it('members who leave and members with the excluded role are not ranked', async () => {
    w.fake.removeMember(w.guildId, extra[11]!);
    await expect.poll(() => rankedFlag(w, extra[11]!)).toBe(0);
    const staff = w.fake.createRole(w.guildId, { name: 'Staff', position: 3 });
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: staff.id });
    w.fake.setMemberRoles(w.guildId, w.users.alice, [staff.id]);
    await expect.poll(() => rankedFlag(w, w.users.alice)).toBe(0);
    const reply = await w.slash(w.users.alice, 'sparks leaderboard').final();
    const body = text(reply);
    expect(body).not.toContain(`<@${w.users.alice}> —`);
    expect(body).not.toContain(`<@${extra[11]}>`);
    expect(body).toContain(`🥇 **1.** <@${extra[10]}> — 300 Sparks`);
    expect(body).toContain('You are not ranked: members with your role are left off leaderboards.');
    expect(body).toContain('13 ranked');
    const balance = await w.slash(w.users.alice, 'sparks balance').final();
    expect(text(balance)).toMatch(/Rank\s*not ranked \(not on leaderboards\)/);
    // Taking the role away ranks her again.
    w.fake.setMemberRoles(w.guildId, w.users.alice, []);
    await expect.poll(() => rankedFlag(w, w.users.alice)).toBe(1);
  });

  it('syncRanked fixes every flag from the member list when the excluded role changes', async () => {
    const vip = w.fake.createRole(w.guildId, { name: 'VIP', position: 2 });
    w.fake.setMemberRoles(w.guildId, extra[0]!, [vip.id]);
    w.fake.setMemberRoles(w.guildId, extra[1]!, [vip.id]);
    const guild = w.app.client.guilds.cache.get(w.guildId)!;
    // The bot has seen the role changes (while VIP was not excluded) before the setting changes.
    await expect.poll(() => guild.members.cache.get(extra[1]!)?.roles.cache.has(vip.id)).toBe(true);
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: vip.id });
    const result = await syncRanked(guild, w.app.services);
    expect(result.changed).toBe(2);
    expect(result.present.has(extra[11]!)).toBe(false);
    expect([rankedFlag(w, extra[0]!), rankedFlag(w, extra[1]!), rankedFlag(w, extra[2]!)]).toEqual([0, 0, 1]);
    const page = w.fake.requests.filter((r) => r.route === '/guilds/:guildId/members').at(-1)!;
    expect(page.query.limit).toBe('1000');
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: null });
    expect((await syncRanked(guild, w.app.services)).changed).toBe(2);
  });

  it('a page past the end (the board shrank meanwhile) shows the last page and says so', async () => {
    const first = await w.slash(w.users.bob, 'sparks leaderboard').final();
    expect(text(first)).toContain('Page 1 of 2');
    for (const id of extra.slice(0, 4)) w.fake.removeMember(w.guildId, id);
    await expect.poll(() => rankedFlag(w, extra[3]!)).toBe(0);
    const after = await click(w, w.users.bob, first, 'Next').final();
    expect(text(after)).toContain('That page no longer exists; here is the last one.');
    expect(text(after)).toContain('Page 1 of 1 · 10 ranked');
    expect(text(after)).toContain(`**9.** <@${w.users.bob}> — 105 Sparks`);
    expect(text(after)).toContain(`**10.** <@${w.users.carol}> — 100 Sparks`);
    expect(buttons(after)).toEqual([]);
  });

  it('with images turned off, no card', async () => {
    w.app.services.settings.update(w.guildId, { imagesEnabled: false });
    const reply = await w.slash(w.users.bob, 'sparks leaderboard').final();
    expect(reply.attachments).toEqual([]);
    expect(reply.embeds[0]!.image).toBeUndefined();
    expect(verifyLedger(w.app.services.db).ok).toBe(true);
    expectNoUnexpectedRequests(w.fake);
  });
});

describe('ranked flags kept true to Discord', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.stop();
  });

  it('a first credit to a member holding the excluded role leaves them unranked after commit', async () => {
    const staff = w.fake.createRole(w.guildId, { name: 'Staff', position: 3 });
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: staff.id });
    w.fake.setMemberRoles(w.guildId, w.users.carol, [staff.id]);
    await expect
      .poll(() =>
        w.app.client.guilds.cache.get(w.guildId)!.members.cache.get(w.users.carol)?.roles.cache.has(staff.id),
      )
      .toBe(true);
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.carol, amount: 10, reason: 'x' })
      .reply();
    await w.membersIdle();
    expect(rankedFlag(w, w.users.carol)).toBe(0);
  });

  it('first credits to many members the bot has not cached are checked over the gateway, 100 per request', async () => {
    const staff = w.fake.createRole(w.guildId, { name: 'Staff 2', position: 4 });
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: staff.id });
    const ids = Array.from(
      { length: 150 },
      (_, i) =>
        w.fake.addMember(w.guildId, { username: `uncached${i}`, roles: i % 10 === 0 ? [staff.id] : [] })
          .userId,
    );
    const gone = w.fake.addMember(w.guildId, { username: 'gone' }).userId;
    await expect.poll(() => w.app.client.guilds.cache.get(w.guildId)!.members.cache.has(gone)).toBe(true);
    w.fake.removeMember(w.guildId, gone);
    const cache = w.app.client.guilds.cache.get(w.guildId)!.members.cache;
    await expect.poll(() => cache.has(gone)).toBe(false);
    for (const id of ids) cache.delete(id);
    w.fake.requests.length = 0;
    for (const id of [...ids, gone]) credit(w, id, 5, `uncached-${id}`);
    await w.membersIdle();
    expect(ids.map((id) => rankedFlag(w, id))).toEqual(ids.map((_, i) => (i % 10 === 0 ? 0 : 1)));
    expect(rankedFlag(w, gone)).toBe(0);
    expect(
      w.fake.requests.filter((r) => r.method === 'GET' && r.route === '/guilds/:guildId/members/:userId'),
    ).toEqual([]);
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: null });
  });

  it('syncRanked reads every page of a guild larger than one page, then collects the garbage a moment later', async () => {
    const vip = w.fake.createRole(w.guildId, { name: 'VIP 3', position: 2 });
    const before = w.fake.state.guilds.get(w.guildId)!.members.size;
    const added = Array.from(
      { length: 2_100 },
      (_, i) =>
        w.fake.addMember(w.guildId, {
          username: `big${i}`,
          roles: i % 7 === 0 ? [vip.id] : [],
          bot: i % 500 === 1,
        }).userId,
    );
    // Accounts on both sides of each page boundary, and at the very end.
    const sorted = [...w.fake.state.guilds.get(w.guildId)!.members.keys()].sort(compareSnowflakes);
    const probes = [0, 999, 1000, 1001, 1999, 2000, sorted.length - 1]
      .map((i) => sorted[i]!)
      .filter((id) => added.includes(id));
    expect(probes.length).toBeGreaterThanOrEqual(5);
    for (const id of probes) credit(w, id, 5, `big-${id}`);
    await w.membersIdle();
    w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: vip.id });
    const gc = vi.fn();
    vi.stubGlobal('gc', gc);
    w.fake.requests.length = 0;
    try {
      const result = await syncRanked(w.app.client.guilds.cache.get(w.guildId)!, w.app.services);
      expect(result.members).toBe(before + added.length);
      // Not while the caller still holds the member set: once no more work came for 1 s.
      expect(gc).not.toHaveBeenCalled();
      await expect.poll(() => gc.mock.calls.length, { timeout: 3000 }).toBe(1);
    } finally {
      vi.unstubAllGlobals();
      w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: null });
    }
    const pages = w.fake.requests.filter((r) => r.route === '/guilds/:guildId/members');
    expect(pages.map((r) => r.query.after ?? null)).toEqual([null, sorted[999], sorted[1999]]);
    for (const id of probes) {
      const i = added.indexOf(id);
      expect([id, rankedFlag(w, id)]).toEqual([id, i % 7 === 0 || i % 500 === 1 ? 0 : 1]);
    }
  });

  it('changes while the bot was offline are fixed at start-up', async () => {
    credit(w, w.users.alice, 10, 'a');
    credit(w, w.users.bob, 10, 'b');
    await w.membersIdle();
    await w.stopBot();
    w.fake.removeMember(w.guildId, w.users.alice);
    w.fake.setMemberRoles(w.guildId, w.users.carol, []);
    await w.restartBot();
    await w.membersIdle();
    expect(rankedFlag(w, w.users.alice)).toBe(0);
    expect(rankedFlag(w, w.users.bob)).toBe(1);
    expect(rankedFlag(w, w.users.carol)).toBe(1);
    // Rejoining ranks her again.
    w.fake.addMember(w.guildId, { id: w.users.alice, username: 'alice' });
    await expect.poll(() => rankedFlag(w, w.users.alice)).toBe(1);
  });
});
