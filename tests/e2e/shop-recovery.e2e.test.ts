import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import {
  balanceOf,
  click,
  expectLedgerClean,
  hasRole,
  offline,
  openConfirmation,
  redeem,
  redemptionsOf,
  ROLE_ROUTE,
  roleRewardScenario,
} from '../helpers/shop.ts';

let w: BotWorld;
beforeAll(async () => {
  // A short grace: a stop does not wait for a grant that hangs, as a crash would not.
  w = await startWorld({ shutdownGraceMs: 200 });
});
afterEach(() => {
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});
afterAll(async () => {
  await w?.stop();
});

const scenario = (duration?: string) => roleRewardScenario(w, { duration });

/** Presses Confirm while Discord never answers the grant, and stops the bot mid-way. */
async function crashDuringGrant(s: Awaited<ReturnType<typeof scenario>>, applied: boolean) {
  const c = await openConfirmation(w, s.member, s.reward.name);
  w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, action: 'hang', applyBeforeFailing: applied });
  const handle = click(w, s.member, c.messageId, c.confirmId);
  await expect
    .poll(() => w.fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith(s.role.id)))
    .toBe(true);
  await w.stopBot();
  w.fake.clearFaults();
  offline(w, (db, ledger) => {
    const row = db.sqlite.prepare('SELECT status FROM redemptions WHERE reward_id = ?').get(s.reward.id);
    expect(row).toEqual({ status: 'reserved' });
    // Held, not spent: the hold is still open.
    expect(ledger.reads.standing(w.guildId, s.member).balance).toBe(700);
    expect(ledger.reads.account(w.guildId, { type: 'hold', ref: 'shop' })!.balance).toBeGreaterThanOrEqual(
      300,
    );
  });
  return handle;
}

describe('a bot stopped between reserving and settling', () => {
  it('tells the member it is restarting, and recovery refunds a role that was never granted', async () => {
    const s = await scenario();
    const handle = await crashDuringGrant(s, false);
    expect(text(await handle.final())).toMatch(/Sparks is restarting before Discord confirmed <@&\d+>/);
    await w.restartBot();
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([{ status: 'refunded', failureCode: 'interrupted' }]);
    expect(hasRole(w, s.member, s.role.id)).toBe(false);
    expect(balanceOf(w, s.member)).toBe(1000);
    expect(text(w.fake.dms(s.member).at(-1))).toBe(
      `↩️ Your redemption of **${s.reward.name}** in **Sparks Lab** was not completed (Sparks restarted before your role could be given; you can redeem it again). Your 300 Sparks were returned.`,
    );
    expect(w.app.services.rewards.get(s.reward.id)!.enabled).toBe(1);
    expectLedgerClean(w);
    // Nothing was lost: the member redeems again at once.
    expect(await redeem(w, s.member, s.reward.name)).toContain(`Redeemed **${s.reward.name}**`);
  });

  it('recovery posts the hold when Discord had applied the role before the crash', async () => {
    const s = await scenario();
    await crashDuringGrant(s, true);
    expect(hasRole(w, s.member, s.role.id)).toBe(true);
    await w.restartBot();
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([{ status: 'fulfilled' }]);
    expect(balanceOf(w, s.member)).toBe(700);
    expect(text(w.fake.dms(s.member).at(-1))).toBe(
      `✅ Your redemption of **${s.reward.name}** in **Sparks Lab** was fulfilled.`,
    );
    expect(w.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(s.role.id))).toHaveLength(1);
    expectLedgerClean(w);
  });

  it('recovery refunds a member who left while the bot was down', async () => {
    const s = await scenario();
    await crashDuringGrant(s, false);
    w.fake.removeMember(w.guildId, s.member);
    await w.restartBot();
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([{ status: 'refunded', failureCode: 'member_left' }]);
    expect(balanceOf(w, s.member)).toBe(1000);
    expectLedgerClean(w);
  });
});

describe('timed roles', () => {
  it('come off when their time is up, with an audit-log reason', async () => {
    const s = await scenario('2s');
    expect(await redeem(w, s.member, s.reward.name)).toMatch(/until <t:\d+:f>/);
    expect(hasRole(w, s.member, s.role.id)).toBe(true);
    await expect.poll(() => hasRole(w, s.member, s.role.id), { timeout: 6000, interval: 100 }).toBe(false);
    const [r] = redemptionsOf(w, s.reward.id);
    expect(w.app.services.redemptions.get(r!.id)!.roleRemovedAt).not.toBeNull();
    expect(w.fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_remove',
      targetId: s.member,
      roleId: s.role.id,
      reason: `Sparks: "${s.reward.name}" ended (redemption #${r!.id})`,
    });
    // The redemption stays fulfilled (the member had what they paid for).
    expect(r!.status).toBe('fulfilled');
    expectLedgerClean(w);
  });

  it('survive a restart: a role that fell due while the bot was down comes off at start, a later one on time', async () => {
    const due = await scenario('7d');
    const later = await scenario('3s');
    await redeem(w, due.member, due.reward.name);
    await redeem(w, later.member, later.reward.name);
    const [r] = redemptionsOf(w, due.reward.id);
    await w.stopBot();
    // While the bot is down, a week passes for the first member.
    offline(w, (db) =>
      db.sqlite.prepare('UPDATE redemptions SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, r!.id),
    );
    await w.restartBot();
    await expect.poll(() => hasRole(w, due.member, due.role.id), { timeout: 3000, interval: 50 }).toBe(false);
    expect(hasRole(w, later.member, later.role.id)).toBe(true);
    await expect
      .poll(() => hasRole(w, later.member, later.role.id), { timeout: 6000, interval: 100 })
      .toBe(false);
    expectLedgerClean(w);
  });
});
