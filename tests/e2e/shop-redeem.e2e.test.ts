import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit.ts';
import { Permissions, buttons, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import {
  addReward,
  balanceOf,
  captureAudit,
  click,
  expectLedgerClean,
  fund,
  hasRole,
  openConfirmation,
  redeem,
  redemptionsOf,
  ROLE_ROUTE,
  roleRewardScenario,
} from '../helpers/shop.ts';

let w: BotWorld;
let audit: AuditEvent[];
beforeAll(async () => {
  w = await startWorld();
  audit = captureAudit(w);
});
afterEach(() => {
  w.fake.clearFaults();
  expectLedgerClean(w);
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});
afterAll(async () => {
  await w?.stop();
});

const scenario = (options: Parameters<typeof roleRewardScenario>[1] = {}) => roleRewardScenario(w, options);

const putsFor = (roleId: string) =>
  w.fake.requests.filter(
    (r) => r.method === 'PUT' && r.path.endsWith(`/roles/${roleId}`) && r.status === 204,
  );

describe('redeeming a role', () => {
  it('shows a private confirmation, then grants the role with an audit-log reason and posts the hold', async () => {
    const { member, role, reward } = await scenario({ duration: '7d' });
    const c = await openConfirmation(w, member, reward.name.toUpperCase());
    expect(c.reply.ephemeral).toBe(true);
    expect(text(c.reply)).toMatch(/Redeem Perk \d+\?/);
    expect(text(c.reply)).toMatch(/Balance after\s*700 Sparks/);
    expect(text(c.reply)).toContain(`<@&${role.id}> for 7d`);
    const before = Date.now();
    const done = click(w, member, c.messageId, c.confirmId);
    expect((await done.reply()).type).toBe(6); // deferred before Discord is called
    const final = await done.final();
    expect(text(final)).toMatch(
      new RegExp(
        `Redeemed \\*\\*${reward.name}\\*\\* for 300 Sparks: you have <@&${role.id}> until <t:\\d+:f>`,
      ),
    );
    expect(text(final)).toContain('Balance: 700 Sparks.');
    expect(buttons(final)).toEqual([]);
    expect(hasRole(w, member, role.id)).toBe(true);
    const [r] = redemptionsOf(w, reward.id);
    expect(r).toMatchObject({ status: 'fulfilled' });
    expect(w.fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_add',
      targetId: member,
      roleId: role.id,
      reason: `Sparks: redeemed "${reward.name}" (redemption #${r!.id})`,
    });
    const expiresAt = w.app.services.redemptions.get(r!.id)!.expiresAt!;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect(audit.filter((e) => e.userId === member).map((e) => e.kind)).toEqual([
      'redemption',
      'redemption.fulfilled',
    ]);
  });

  it('two clicks on the same Confirm make one redemption; the second is told it is in hand', async () => {
    const { member, role, reward } = await scenario();
    const c = await openConfirmation(w, member, reward.name);
    const first = click(w, member, c.messageId, c.confirmId);
    const second = click(w, member, c.messageId, c.confirmId);
    expect(text(await first.final())).toContain(`Redeemed **${reward.name}**`);
    const again = await second.reply();
    expect(again.ephemeral).toBe(true);
    expect(text(again)).toMatch(/already being processed|Already done/);
    // A click that arrives after the buttons are gone (a stale client) is answered the same way.
    expect(text(await click(w, member, c.messageId, c.confirmId, true).reply())).toContain(
      `Already done: **${reward.name}** is yours.`,
    );
    expect(redemptionsOf(w, reward.id)).toHaveLength(1);
    expect(putsFor(role.id)).toHaveLength(1);
    expect(balanceOf(w, member)).toBe(700);
  });

  it('50 members confirming a stock-1 reward at once: exactly one gets it, 49 are told it sold out', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Golden Ticket', position: 2 });
    const reward = await addReward(w, {
      name: 'Golden Ticket',
      cost: 100,
      kind: 'role',
      role: role.id,
      stock: 1,
    });
    const members = Array.from(
      { length: 50 },
      (_, i) => w.fake.addMember(w.guildId, { username: `rush${i}` }).userId,
    );
    for (const m of members) fund(w, m, 500);
    const confirmations = await Promise.all(members.map((m) => openConfirmation(w, m, 'Golden Ticket')));
    const clicks = confirmations.map((c, i) => click(w, members[i]!, c.messageId, c.confirmId));
    const outcomes = await Promise.all(clicks.map(async (h) => text(await h.final())));
    expect(outcomes.filter((o) => o.includes('Redeemed **Golden Ticket**'))).toHaveLength(1);
    expect(outcomes.filter((o) => o.includes('Sold out: no Golden Ticket left.'))).toHaveLength(49);
    expect(redemptionsOf(w, reward.id)).toMatchObject([{ status: 'fulfilled' }]);
    const winner = redemptionsOf(w, reward.id)[0]!.userId;
    expect(members.filter((m) => hasRole(w, m, role.id))).toEqual([winner]);
    expect(members.reduce((sum, m) => sum + balanceOf(w, m), 0)).toBe(50 * 500 - 100);
    expect(w.app.services.rewards.get(reward.id)!.stock).toBe(0);
  });

  it('a member with too few Sparks is refused before any confirmation, saying how many they have', async () => {
    const { reward } = await scenario({ cost: 5000 });
    const poor = w.fake.addMember(w.guildId, { username: 'poor' }).userId;
    fund(w, poor, 120);
    const reply = await w.slash(poor, 'sparks redeem', { reward: reward.name }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toBe('Not enough Sparks: 120 available, 5,000 needed.');
  });
});

interface Case {
  label: string;
  /** Breaks things after the confirmation was shown. */
  arrange: (s: Awaited<ReturnType<typeof scenario>>) => void;
  status: 'fulfilled' | 'refunded';
  failureCode?: string;
  disabled?: boolean;
  says: RegExp;
}

const cases: Case[] = [
  {
    label: 'Discord answers 50013 (missing permissions)',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 403, code: 50013 }),
    status: 'refunded',
    failureCode: 'role_too_high',
    disabled: true,
    says: /could not be completed \(the reward’s role sits above mine.*\)\. Your Sparks were returned/,
  },
  {
    label: 'Discord answers 10011 (unknown role)',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 404, code: 10011 }),
    status: 'refunded',
    failureCode: 'role_missing',
    disabled: true,
    says: /the reward’s role no longer exists/,
  },
  {
    label: 'Discord answers 10007 (unknown member)',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 404, code: 10007 }),
    status: 'refunded',
    failureCode: 'member_left',
    disabled: false,
    says: /you are no longer a member of the server/,
  },
  {
    label: 'Discord rate-limits (429) then accepts',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 429, retryAfter: 0.2 }),
    status: 'fulfilled',
    says: /Redeemed \*\*Perk \d+\*\*/,
  },
  {
    label: 'Discord fails with 5xx on every retry',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, status: 502, times: 10 }),
    status: 'refunded',
    failureCode: 'discord_unavailable',
    disabled: false,
    says: /Discord is not responding right now; please try again in a few minutes/,
  },
  {
    label: 'Discord applies the role but answers 5xx every time',
    arrange: () =>
      w.fake.injectFault({
        method: 'PUT',
        route: ROLE_ROUTE,
        status: 500,
        times: 10,
        applyBeforeFailing: true,
      }),
    status: 'fulfilled',
    says: /Redeemed \*\*Perk \d+\*\*/,
  },
  {
    label: 'Discord is slow (past the 3 s interaction window) then accepts',
    arrange: () => w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, delayMs: 3200 }),
    status: 'fulfilled',
    says: /Redeemed \*\*Perk \d+\*\*/,
  },
  {
    label: 'the role was moved above the bot',
    arrange: ({ role }) => w.fake.updateRole(w.guildId, role.id, { position: 99 }),
    status: 'refunded',
    failureCode: 'role_too_high',
    disabled: true,
    says: /sits above mine/,
  },
  {
    label: 'the role was deleted',
    arrange: ({ role }) => w.fake.deleteRole(w.guildId, role.id),
    status: 'refunded',
    failureCode: 'role_missing',
    disabled: true,
    says: /no longer exists/,
  },
  {
    label: 'the role was given Administrator after it was configured',
    arrange: ({ role }) => w.fake.updateRole(w.guildId, role.id, { permissions: Permissions.Administrator }),
    status: 'refunded',
    failureCode: 'role_dangerous',
    disabled: true,
    says: /now carries moderator permissions, so it is not safe to hand out/,
  },
];

describe('when fulfilment meets trouble, the hold is posted exactly when the role is held', () => {
  it.each(cases)('$label → $status', async (c) => {
    const s = await scenario();
    const confirmation = await openConfirmation(w, s.member, s.reward.name);
    c.arrange(s);
    const final = await click(w, s.member, confirmation.messageId, confirmation.confirmId).final({
      timeoutMs: 15_000,
    });
    expect(text(final)).toMatch(c.says);
    const [r] = redemptionsOf(w, s.reward.id);
    expect(r).toMatchObject({ status: c.status, failureCode: c.failureCode ?? null });
    const holds = w.fake.memberRoles(w.guildId, s.member)?.includes(s.role.id) ?? false;
    expect(holds).toBe(c.status === 'fulfilled');
    expect(balanceOf(w, s.member)).toBe(c.status === 'fulfilled' ? 700 : 1000);
    const reward = w.app.services.rewards.get(s.reward.id)!;
    expect(reward.enabled).toBe(c.disabled ? 0 : 1);
    const alert = audit.find((e) => e.kind === 'reward.disabled' && e.fields?.Reward === s.reward.name);
    if (c.disabled) {
      expect(reward.disabledReason).toBe(c.failureCode);
      expect(alert).toMatchObject({ guildId: w.guildId, reason: c.failureCode });
      w.fake.clearFaults();
      // Taken off sale until a moderator fixes it: the next member is refused up front.
      const next = await w.slash(w.users.carol, 'sparks redeem', { reward: s.reward.name }).reply();
      expect(text(next)).toBe('That reward is not available right now.');
    } else {
      expect(alert).toBeUndefined();
    }
  });

  it('a member who leaves while the grant is on its way is refunded (10007)', async () => {
    const s = await scenario();
    const confirmation = await openConfirmation(w, s.member, s.reward.name);
    w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, delayMs: 400 });
    const handle = click(w, s.member, confirmation.messageId, confirmation.confirmId);
    await w.fake.waitForRequest((r) => r.method === 'POST' && r.path.includes(`/interactions/${handle.id}/`));
    await expect
      .poll(() => w.fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith(s.role.id)))
      .toBe(true);
    w.fake.removeMember(w.guildId, s.member);
    expect(text(await handle.final())).toMatch(/you are no longer a member of the server/);
    expect(redemptionsOf(w, s.reward.id)).toMatchObject([{ status: 'refunded', failureCode: 'member_left' }]);
    expect(balanceOf(w, s.member)).toBe(1000);
  });

  it('a paused reward is back on sale once a moderator fixes the role and turns it on', async () => {
    const s = await scenario();
    w.fake.updateRole(w.guildId, s.role.id, { position: 99 });
    expect(await redeem(w, s.member, s.reward.name)).toMatch(/sits above mine/);
    const stillHigh = await w
      .slash(w.users.mod, 'sparks-admin reward edit', { reward: s.reward.name, enabled: true })
      .final();
    expect(text(stillHigh)).toMatch(
      /is above my highest role\. In Server Settings → Roles, drag my role above it/,
    );
    w.fake.updateRole(w.guildId, s.role.id, { position: 3 });
    const fixed = await w
      .slash(w.users.mod, 'sparks-admin reward edit', { reward: s.reward.name, enabled: true })
      .final();
    expect(text(fixed)).toContain(`Updated **${s.reward.name}**`);
    expect(await redeem(w, s.member, s.reward.name)).toContain(`Redeemed **${s.reward.name}**`);
    expect(hasRole(w, s.member, s.role.id)).toBe(true);
  });
});
