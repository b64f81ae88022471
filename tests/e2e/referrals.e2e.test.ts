import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { createPlugins } from '../../src/discord/plugins/index.ts';
import { referralsPlugin } from '../../src/discord/plugins/referrals.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { postEvent, referral, SECRET_A, subscription, TOKEN, trade } from '../helpers/platform.ts';

const DAY = 86_400_000;

/** An account created `daysAgo` days before now (the snowflake's timestamp), unique by `n`. */
const accountOf = (daysAgo: number, n: number) =>
  String((BigInt(clock() - daysAgo * DAY - DISCORD_EPOCH_MS) << 22n) + BigInt(n));

let w: BotWorld;
let receiver: Server;
const received: Record<string, unknown>[] = [];
/** The bot's clock: the wall clock (webhook signatures are checked against it) moved on by `offset`. */
let offset = 0;
const clock = () => Date.now() + offset;

beforeAll(async () => {
  // The platform's side of the outbound events: records every signed POST and says 200.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  w = await startWorld({
    clock,
    env: {
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_SECRET: SECRET_A,
      PLATFORM_API_TOKEN: TOKEN,
      PLATFORM_EVENTS_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sparks`,
    },
  });
});
afterAll(async () => {
  await w?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const s = () => w.app.services;
const url = () => w.app.http!.url;
const balance = (userId: string) => s().ledger.reads.standing(w.guildId, userId).balance;
const post = async (event: object, id: string) => {
  const reply = await postEvent(url(), { ...event, guild_id: w.guildId }, { id });
  expect(reply.status).toBe(200);
  return reply.body as { status: string; sparks: number };
};
const referrals = async (user: string) => text(await w.slash(user, 'sparks referrals').final());
const readBack = async (user: string) =>
  (await (
    await fetch(`${url()}/v1/members/${user}?guild_id=${w.guildId}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).json()) as { referrals: Record<string, unknown> & { invitees: Record<string, unknown>[] } };

describe('referral quality, through signed webhooks', () => {
  it('holds a share below the volume, credits it once on crossing (with replays), and lapses after the window', async () => {
    const { alice, mod } = w.users;
    const config = await w
      .slash(mod, 'sparks-admin config', {
        referral_trade_pct: 50,
        referral_qualify_volume_usd: 200,
        referral_qualify_days: 14,
      })
      .final();
    expect(text(config)).toContain('Settings saved.');
    const dana = w.fake.addMember(w.guildId, { id: accountOf(400, 1), username: 'dana' }).userId;
    const outsider = accountOf(400, 2); // on the platform, not in this server

    await post(referral(alice, dana), 'ref-dana');
    await post(referral(alice, outsider), 'ref-out');
    // 150 USD: Dana earns 15; Alice's half (7) waits.
    expect(await post(trade(dana, 150), 'dana-t1')).toMatchObject({
      status: 'applied',
      sparks: 15,
      pending_referral_share: { referrer_discord_user_id: alice, amount: 7 },
    });
    expect(balance(dana)).toBe(15);
    expect(balance(alice)).toBe(0);
    const pending = await referrals(alice);
    expect(pending).toContain(`<@${dana}> · **pending**: 7 Sparks waiting · 150.00 of 200.00 USD traded`);
    expect(pending).toContain('An invitee outside this server');
    // The same webhook again: 200, a duplicate, nothing more.
    expect(await post(trade(dana, 150), 'dana-t1')).toMatchObject({ status: 'duplicate' });
    expect(balance(alice)).toBe(0);

    // 100 USD more crosses 200: the held 7 and this trade's 5 are credited, once.
    expect(await post(trade(dana, 100), 'dana-t2')).toMatchObject({ status: 'applied', sparks: 10 + 7 + 5 });
    expect(balance(alice)).toBe(12);
    for (const [event, id] of [
      [trade(dana, 150), 'dana-t1'],
      [trade(dana, 100), 'dana-t2'],
    ] as const)
      expect(await post(event, id)).toMatchObject({ status: 'duplicate' });
    expect(balance(alice)).toBe(12);
    // From now on at once.
    await post(trade(dana, 20), 'dana-t3');
    expect(balance(alice)).toBe(13);
    expect(await referrals(alice)).toContain(`<@${dana}> · **qualified**: earned you 13 Sparks`);

    // The outsider's first subscription: 100 Sparks for them, 50 held for Alice — then the window passes.
    await post(subscription(outsider, 'basic', true), 'out-s1');
    expect(balance(alice)).toBe(13);
    const api = await readBack(alice);
    expect(api.referrals).toMatchObject({ pending_sparks: 50, credited_sparks: 13, total_invitees: 2 });
    expect(api.referrals.invitees).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ discord_user_id: dana, status: 'qualified', credited_sparks: 13 }),
        expect.objectContaining({
          discord_user_id: outsider,
          status: 'pending',
          pending_sparks: 50,
          volume_usd: '0.00',
          qualify_volume_usd: '200.00',
        }),
      ]),
    );

    // Fifteen days on, a restart catches up with the window that ended while it was down.
    await w.stopBot();
    offset += 15 * DAY;
    await w.restartBot();
    await expect
      .poll(async () => (await readBack(alice)).referrals.lapsed_sparks, { timeout: 5000 })
      .toBe(50);
    expect(await referrals(alice)).toMatch(
      /An invitee outside this server · \*\*lapsed\*\* <t:\d+:D>: 50 Sparks/,
    );
    // Trading past the volume now pays the referrer nothing.
    await post(trade(outsider, 500), 'out-t1');
    expect(balance(alice)).toBe(13);
    expect(balance(outsider)).toBe(150);
    expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);

    // The outbox has each share for the platform: pending (amount 0), credited (with the share), lapsed.
    const queued = s()
      .outbox.store.all()
      .filter((r) => r.userId === alice)
      .map((r) => JSON.parse(r.payload) as Record<string, unknown>);
    expect(queued.map((e) => `${String(e.status)}:${String(e.amount)}`).join(' ')).toBe(
      'pending:0 credited:7 credited:5 credited:1 pending:0 lapsed:0',
    );
    expect(queued.at(-1)).toMatchObject({
      lapsed_amount: 50,
      referral: { invitee_discord_user_id: outsider },
    });
    // … and those sent before the restart reached it, signed, the referral share named.
    await expect
      .poll(() => received.filter((e) => e.discord_user_id === alice).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(5);
    expect(received.find((e) => e.status === 'credited' && e.discord_user_id === alice)).toMatchObject({
      kind: 'platform.referral',
      referral: { invitee_discord_user_id: dana, source_event_id: 'dana-t1' },
    });
  });

  it('flags an invitee with a days-old account, and a referrer with many of them in a day, for review', async () => {
    const { bob, carol } = w.users;
    await w.slash(w.users.mod, 'sparks-admin config', { flag_fresh_referrals_per_day: 2 }).final();
    const fresh = [accountOf(1, 11), accountOf(2, 12)];
    await post(referral(bob, fresh[0]!), 'ref-f1');
    expect(s().flags.openFlag(w.guildId, fresh[0]!)).toMatchObject({ source: 'auto:young_invitee' });
    expect(s().flags.isFlagged(w.guildId, bob)).toBe(false);
    await post(referral(bob, fresh[1]!), 'ref-f2');
    expect(s().flags.openFlag(w.guildId, bob)).toMatchObject({ source: 'auto:fresh_referrals' });
    // An old account referred by Carol raises nothing.
    await post(referral(carol, accountOf(90, 13)), 'ref-old');
    expect(s().flags.isFlagged(w.guildId, carol)).toBe(false);
    const list = text(await w.slash(w.users.mod, 'sparks-admin flags').final());
    expect(list).toContain('the referral check (many new accounts in a day)');
    expect(list).toContain('the referral check (a very new account)');
  });

  it('refuses a threshold out of range with a clear error, writing nothing', async () => {
    const before = s().settings.get(w.guildId);
    const reply = text(
      await w.slash(w.users.mod, 'sparks-admin config', { referral_qualify_days: 0 }).final(),
    );
    expect(reply).toMatch(/`referral_qualify_days` must be a whole number from 1 to 3[,.]?650/);
    expect(s().settings.get(w.guildId)).toEqual(before);
  });
});

describe('the lapse timer of a running bot', () => {
  it('lapses a window when it ends, without a restart', async () => {
    let skew = 0;
    const world = await startWorld({
      clock: () => Date.now() + skew,
      // The timer looks again every 50 ms instead of every minute.
      plugins: createPlugins().map((p) => (p.name === 'referrals' ? referralsPlugin({ maxTimerMs: 50 }) : p)),
    });
    try {
      const { platform } = world.app.services;
      const apply = (body: object, id: string) => {
        const parsed = parseEvent({ ...body, guild_id: world.guildId }, world.guildId);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return platform.apply(id, parsed.event);
      };
      const invitee = String((BigInt(Date.now() - 400 * DAY - DISCORD_EPOCH_MS) << 22n) + 5n);
      apply(referral(world.users.alice, invitee), 'timer-ref');
      expect(apply(subscription(invitee, 'basic', true), 'timer-s1').pendingShare).toEqual({
        referrerId: world.users.alice,
        amount: 50,
      });
      const state = () => platform.referrals.invitees(world.guildId, world.users.alice).items[0]?.status;
      expect(state()).toBe('pending');
      skew = 31 * DAY;
      await expect.poll(state, { timeout: 5000 }).toBe('lapsed');
      expect(world.logs.some((l) => l.msg === 'referral windows lapsed')).toBe(true);
    } finally {
      await world.stop();
    }
  });
});
