/**
 * Streaks end to end (issue 20, "a 7-day streak with one freeze spent pays its milestone
 * once"): the real bot against the fake Discord and signed platform webhooks, the world's
 * clock moved a day at a time. A member trades on seven days with one missed day between,
 * covered by a streak freeze bought in the shop; the milestones pay once, and neither the
 * timer's fold run again, a fold redone from nothing, nor a restart pays anything more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import { shopPlugin } from '../../src/discord/plugins/shop.ts';
import { streaksPlugin } from '../../src/discord/plugins/streaks.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { addReward, balanceOf, fund } from '../../testkit/world.ts';
import { fakeClock } from '../helpers/db.ts';
import { postEvent, SECRET_A, TOKEN, trade } from '../helpers/platform.ts';
import { redeem } from '../helpers/shop.ts';
import { sqliteOf } from '../helpers/engines.ts';

// Monday 2026-11-02, 10:00 UTC: day 1 of the streak.
const clock = fakeClock(Date.UTC(2026, 10, 2, 10));
let w: BotWorld;
const s = () => w.app.services;
const bonuses = (userId: string) =>
  s()
    .ledger.reads.history(w.guildId, userId, { limit: 100 })
    .entries.filter((e) => e.counterpartyType === 'issuance' && e.counterpartyRef === 'streak')
    .map((e) => [e.reason, e.delta]);
const journal = () => sqliteOf(s().db).prepare('SELECT COUNT(*) AS n FROM transfers').get() as { n: number };
const balanceText = async (userId: string) => text(await w.slash(userId, 'sparks balance').final());

/** The member trades 50 USD on the platform now (5 Sparks at the default rate). */
async function tradeNow(userId: string) {
  const reply = await postEvent(w.app.http!.url, trade(userId, 50, { guild_id: w.guildId }));
  expect(reply.status).toBe(200);
}

/** Waits for the bot's own timer to fold everything (the plugin runs every 50 ms here). */
async function folded() {
  await expect.poll(() => s().streaks.behind(), { timeout: 5000, interval: 20 }).toBe(false);
}

beforeAll(async () => {
  w = await startWorld({
    clock,
    plugins: [interactionsPlugin(), shopPlugin(), streaksPlugin({ intervalMs: 50 })],
    env: {
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_SECRET: SECRET_A,
      PLATFORM_API_TOKEN: TOKEN,
    },
  });
  // The card is tested elsewhere; the text carries every fact.
  s().settings.update(w.guildId, { imagesEnabled: false });
});
afterAll(async () => {
  await w?.stop();
});

describe('a 7-day streak with one freeze spent', () => {
  it('takes its milestones from /sparks-admin config, refusing a bad list with nothing written', async () => {
    const bad = text(
      await w.slash(w.users.mod, 'sparks-admin config', { streak_milestones: '3:10, 7:x' }).final(),
    );
    expect(bad).toContain('`streak_milestones` was not accepted at “7:x”');
    expect(s().settings.get(w.guildId).streakMilestones).toEqual([]);
    const ok = text(
      await w.slash(w.users.mod, 'sparks-admin config', { streak_milestones: '7:50 3:10' }).final(),
    );
    expect(ok).toContain('Settings saved.');
    expect(ok).toContain('3 days: 10 Sparks');
    expect(ok).toContain('7 days: 50 Sparks');
  });

  it('sells a streak freeze, which cannot hand out a role', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Frosty', position: 1 });
    const refused = text(
      await w
        .slash(w.users.mod, 'sparks-admin reward add', {
          name: 'Bad Freeze',
          cost: 20,
          kind: 'streak_freeze',
          role: role.id,
        })
        .final(),
    );
    expect(refused).toContain('a streak freeze cannot hand out a role');
    await addReward(w, { name: 'Freeze', cost: 20, kind: 'streak_freeze' });
    const shop = text(await w.slash(w.users.alice, 'sparks shop').final());
    expect(shop).toContain('A streak freeze: covers one day you miss (hold up to 2)');
  });

  it('counts day 1, and a moderator’s award does not make a day count', async () => {
    const { alice } = w.users;
    fund(w, alice, 100);
    expect(await balanceText(alice)).toContain('No streak yet');
    await tradeNow(alice);
    const reply = await balanceText(alice);
    expect(reply).toContain('🔥 1 day(s) in a row · best 1');
    expect(reply).toContain('Today counts already.');
    expect(reply).toContain('Next bonus: 10 Sparks at 3 days.');
    expect(await redeem(w, alice, 'Freeze')).toContain('a freeze now covers the next day you miss');
    expect(await balanceText(alice)).toContain('1 of 2 streak freezes held');
  });

  it('pays the 3-day milestone once, from the bot’s own timer', async () => {
    const { alice } = w.users;
    for (let day = 2; day <= 3; day++) {
      clock.advance(DAY_MS);
      await tradeNow(alice);
    }
    await folded();
    expect(bonuses(alice)).toEqual([['3-day streak', 10]]);
    expect(await balanceText(alice)).toContain('🔥 3 day(s) in a row · best 3');
  });

  it('spends the freeze on the missed day 4 by itself, and the streak lives on', async () => {
    const { alice } = w.users;
    clock.advance(DAY_MS); // day 4: nothing earned
    clock.advance(DAY_MS); // day 5
    const morning = await balanceText(alice);
    expect(morning).toContain('🔥 3 day(s) in a row · best 3');
    expect(morning).toContain('Earn Sparks today to keep it going.');
    expect(morning).not.toContain('streak freezes held');
    await tradeNow(alice);
    expect(await balanceText(alice)).toContain('🔥 4 day(s) in a row · best 4');
  });

  it('pays the 7-day milestone on the seventh day traded, once, however often it is folded', async () => {
    const { alice } = w.users;
    for (let day = 6; day <= 8; day++) {
      clock.advance(DAY_MS);
      await tradeNow(alice);
    }
    // /sparks balance right after the 7th day's trade: folded first, so the bonus is in.
    const reply = await balanceText(alice);
    expect(reply).toContain('🔥 7 day(s) in a row · best 7');
    expect(bonuses(alice)).toEqual([
      ['7-day streak', 50],
      ['3-day streak', 10],
    ]);
    expect(s().streaks.standing(w.guildId, alice)).toMatchObject({
      current: 7,
      best: 7,
      freezesHeld: 0,
      freezesUsed: 1,
    });
    // History names the bonus, not a moderator's award.
    const history = text(await w.slash(alice, 'sparks history').final());
    expect(history).toContain('+50** · 7-day streak bonus');
    expect(history).toContain('+10** · 3-day streak bonus');
    // 100 funded − 20 for the freeze + 7 trades × 5 + the two bonuses.
    expect(balanceOf(w, alice)).toBe(100 - 20 + 35 + 10 + 50);
    await folded();
    const entries = journal();
    expect(s().streaks.catchUp()).toMatchObject({ folded: 0, paid: 0 });
    // A fold redone from nothing (the tables lost) finds every bonus already paid.
    sqliteOf(s().db).exec('DELETE FROM member_streaks; DELETE FROM streak_fold;');
    expect(s().streaks.catchUp()).toMatchObject({ paid: 0, caughtUp: true });
    expect(journal()).toEqual(entries);
    expect(bonuses(alice)).toHaveLength(2);
  });

  it('pays nothing more after a restart, and the ledger verifies', async () => {
    const { alice } = w.users;
    const entries = journal();
    await w.restartBot();
    await folded();
    expect(journal()).toEqual(entries);
    expect(bonuses(alice)).toHaveLength(2);
    expect(await balanceText(alice)).toContain('🔥 7 day(s) in a row · best 7');
    const ko = text(await w.slash(alice, 'sparks balance', {}, { locale: 'ko' }).final());
    expect(ko).toContain('🔥 7일 연속 · 최고 7일');
    expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('holds at most two freezes: a third is refused with nothing spent', async () => {
    const { alice } = w.users;
    await redeem(w, alice, 'Freeze');
    await redeem(w, alice, 'Freeze');
    const before = balanceOf(w, alice);
    const third = text(await w.slash(alice, 'sparks redeem', { reward: 'Freeze' }).final());
    expect(third).toContain('You already hold 2 streak freezes, the most you can hold.');
    expect(balanceOf(w, alice)).toBe(before);
  });

  it('a missed day with no freeze ends the streak; the best stays', async () => {
    const { bob } = w.users;
    await tradeNow(bob);
    clock.advance(DAY_MS);
    await tradeNow(bob);
    clock.advance(2 * DAY_MS);
    const reply = await balanceText(bob);
    expect(reply).toContain('No streak right now · best 2');
  });
});
