/**
 * Features that meet across branches: the config command re-ranks members when the
 * excluded role changes; settled redemptions reach the platform's outbox.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { addReward, fund, redeem } from '../helpers/shop.ts';

let w: BotWorld;
afterEach(async () => {
  await w?.stop();
});

describe('config → leaderboard exclusion', () => {
  it('setting the excluded role unranks members holding it at once, and resetting it ranks them again', async () => {
    w = await startWorld();
    const staff = w.fake.createRole(w.guildId, { name: 'Staff', position: 4 });
    w.fake.setMemberRoles(w.guildId, w.users.bob, [staff.id]);
    for (const [user, amount] of [
      [w.users.alice, 100],
      [w.users.bob, 300],
    ] as const) {
      await w.slash(w.users.mod, 'sparks-admin award', { member: user, amount, reason: 'seed' }).reply();
    }
    const { ledger } = w.app.services;
    expect(ledger.reads.rankOf(w.guildId, w.users.bob, 'all').rank).toBe(1);
    await w.slash(w.users.mod, 'sparks-admin config', { leaderboard_exclude_role: staff.id }).reply();
    await expect.poll(() => ledger.reads.rankOf(w.guildId, w.users.bob, 'all').rank).toBeNull();
    expect(ledger.reads.rankOf(w.guildId, w.users.alice, 'all').rank).toBe(1);
    expect(ledger.reads.leaderboard(w.guildId, 'all').rows.map((r) => r.userId)).toEqual([w.users.alice]);
    await w.slash(w.users.mod, 'sparks-admin config', { reset: 'leaderboard_exclude_role' }).reply();
    await expect.poll(() => ledger.reads.rankOf(w.guildId, w.users.bob, 'all').rank).toBe(1);
  });
});

describe('settled redemptions → the platform outbox', () => {
  it('delivers signed redemption.fulfilled and redemption.refunded to PLATFORM_EVENTS_URL', async () => {
    const received: { type: string; body: Record<string, unknown> }[] = [];
    const secret = `whsec_${Buffer.alloc(32, 'r').toString('base64')}`;
    const verifier = new Webhook(secret);
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        const body = verifier.verify(raw, req.headers as Record<string, string>) as Record<string, unknown>;
        received.push({ type: String(body.type), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      w = await startWorld({
        env: { PLATFORM_EVENTS_URL: `http://127.0.0.1:${port}/hooks`, WEBHOOK_SECRET: secret },
      });
      const vip = w.fake.createRole(w.guildId, { name: 'VIP', position: 3 });
      const high = w.fake.createRole(w.guildId, { name: 'High', position: 4 });
      await addReward(w, { name: 'VIP Pass', cost: 100, kind: 'role', role: vip.id });
      await addReward(w, { name: 'High Pass', cost: 50, kind: 'role', role: high.id });
      fund(w, w.users.alice, 500);
      expect(await redeem(w, w.users.alice, 'VIP Pass')).toMatch(/Redeemed \*\*VIP Pass\*\*/);
      w.fake.updateRole(w.guildId, high.id, { position: 99 });
      expect(await redeem(w, w.users.alice, 'High Pass')).toMatch(/Sparks were returned/);
      await expect
        .poll(() => received.filter((r) => r.type.startsWith('redemption.')).length, { timeout: 10_000 })
        .toBe(2);
      const redemptions = received.filter((r) => r.type.startsWith('redemption.'));
      expect(redemptions.map((r) => [r.type, r.body.reward, r.body.discord_user_id])).toEqual([
        ['redemption.fulfilled', 'VIP Pass', w.users.alice],
        ['redemption.refunded', 'High Pass', w.users.alice],
      ]);
      expect(redemptions[1]!.body.failure_code).toEqual(expect.any(String));
      // The fund itself was a credit, delivered as sparks.credited first (in order per member).
      expect(received[0]!.type).toBe('sparks.credited');
    } finally {
      await w?.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
