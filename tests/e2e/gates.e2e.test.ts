/**
 * Gates (SPEC §11) end to end through the real bot and the fake Discord: account age from
 * crafted snowflakes (the fake lets a test choose user ids), days in the server, a linked
 * wallet — on a reaction campaign, a raffle and a shop reward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWebWorld, type WebWorld } from '../../testkit/web.ts';
import { DAY, FIRE, campaignKit, fastPlugins } from '../helpers/campaigns.ts';
import { addReward, click, fund, openConfirmation } from '../helpers/shop.ts';

let w: WebWorld;
let k: ReturnType<typeof campaignKit>;
let seq = 0;

beforeAll(async () => {
  w = await startWebWorld({ plugins: fastPlugins() });
  k = campaignKit(w);
});
afterAll(async () => {
  await w?.stop();
});

/** A member whose Discord account is `accountDays` old (its id says so), in the server `memberDays`. */
function member(accountDays: number, o: { memberDays?: number; dmsClosed?: boolean; wallet?: boolean } = {}) {
  seq++;
  const id = String((BigInt(Date.now() - accountDays * DAY - DISCORD_EPOCH_MS) << 22n) + BigInt(seq));
  w.fake.addMember(w.guildId, {
    id,
    username: `gated${seq}`,
    joinedAt: new Date(Date.now() - (o.memberDays ?? 400) * DAY),
    dmsClosed: o.dmsClosed ?? false,
  });
  if (o.wallet) linkWallet(id);
  return id;
}

/** A wallet the member proved (the proof itself is tested in tests/wallets and tests/web). */
let walletSeq = 0;
function linkWallet(userId: string) {
  const { db, wallets } = w.app.services;
  walletSeq++;
  const address = `0x${(walletSeq * 7919).toString(16).padStart(40, '0')}`;
  const linked = db.write(() =>
    wallets.store.insert({
      guildId: w.guildId,
      userId,
      chain: 'evm',
      address,
      nonce: `n${walletSeq}`,
      now: Date.now(),
    }),
  );
  expect(linked?.userId).toBe(userId);
  return address;
}

const walletPage = () => `${w.url}/g/${w.guildId}/wallets`;

describe('gates on a reaction campaign', () => {
  it('admits only members through every gate, and tells each refused member once which gate and why', async () => {
    const message = k.oldMessage();
    const reply = await k.start({
      message: k.link(message),
      emoji: FIRE,
      sparks: 20,
      min_account_days: 30,
      verified_wallet: true,
      name: 'Gated drop',
    });
    expect(text(reply)).toContain('Campaign started');
    expect(text(reply)).toMatch(/Account at least\s*30 day\(s\) old/);
    expect(text(reply)).toMatch(/Linked wallet\s*required/);
    const veteran = member(400, { wallet: true });
    const noWallet = member(400);
    const fresh = member(5, { wallet: true });
    const freshClosedDms = member(2, { wallet: true, dmsClosed: true });
    for (const m of [veteran, noWallet, fresh, freshClosedDms]) k.react(message, m);
    // Reacting again (or toggling) is not a second notice.
    k.unreact(message, noWallet);
    k.react(message, noWallet);
    const probe = member(400, { wallet: true });
    k.react(message, probe);
    await expect.poll(() => k.balance(probe), { timeout: 10_000 }).toBe(20);
    expect([veteran, noWallet, fresh, freshClosedDms].map(k.balance)).toEqual([20, 0, 0, 0]);

    await expect.poll(() => w.fake.dms(noWallet).length).toBe(1);
    expect(text(w.fake.dms(noWallet)[0])).toBe(
      `Your ${FIRE} reaction in **Gated drop** did not earn Sparks: That needs a wallet linked to your Sparks account. Link one on your wallets page: ${walletPage()} Nothing was spent. (You are told this once for this campaign.)`,
    );
    await expect.poll(() => w.fake.dms(fresh).length).toBe(1);
    expect(text(w.fake.dms(fresh)[0])).toContain(
      'Your Discord account must be at least 30 days old for that (it is 5 days old).',
    );
    // DMs closed: a reply to the campaign's message, mentioning only them.
    await expect
      .poll(() =>
        w.fake.channelMessages(w.channelId).filter((m) => m.content.includes(`<@${freshClosedDms}>`)),
      )
      .toHaveLength(1);
    const notice = w.fake
      .channelMessages(w.channelId)
      .find((m) => m.content.includes(`<@${freshClosedDms}>`))!;
    expect(notice.content).toContain('it is 2 days old');
    const sent = w.fake.requests.find(
      (r) =>
        r.method === 'POST' &&
        String((r.body as { content?: string }).content).includes(`<@${freshClosedDms}>`),
    );
    expect((sent?.body as { message_reference?: unknown }).message_reference).toMatchObject({
      message_id: message,
    });
    expect(notice.allowedMentions).toEqual({ users: [freshClosedDms] });
    expect(w.fake.dms(veteran)).toEqual([]);

    // A restart does not tell them again.
    await w.restartBot();
    k.react(message, noWallet, FIRE);
    const probe2 = member(400, { wallet: true });
    k.react(message, probe2);
    await expect.poll(() => k.balance(probe2), { timeout: 10_000 }).toBe(20);
    expect(w.fake.dms(noWallet)).toHaveLength(1);

    // Linking a wallet opens the gate: the next reconciliation grants the earlier reaction.
    linkWallet(noWallet);
    const result = await w
      .slash(w.users.mod, 'sparks-admin campaign end', { campaign: 'Gated drop' })
      .final();
    expect(text(result)).toContain('Gated drop');
    expect(k.balance(noWallet)).toBe(20);
    expect(k.balance(fresh)).toBe(0);
  });
});

describe('gates on a raffle', () => {
  it('refuses entries a gate does not admit, naming the gate; admits the rest', async () => {
    await addReward(w, { name: 'Raffle seat', cost: 10, kind: 'manual' });
    const start = await w
      .slash(w.users.mod, 'sparks-admin raffle start', {
        name: 'Gated raffle',
        prize: 'Raffle seat',
        winners: 1,
        entry_cost: 0,
        max_entries_per_member: 1,
        ends: '2h',
        min_account_days: 30,
        min_member_days: 7,
        verified_wallet: true,
      })
      .final();
    expect(text(start)).toContain('Raffle started');
    const enter = (userId: string) =>
      w.slash(userId, 'sparks raffle', { raffle: 'Gated raffle', entries: 1 }).final();
    expect(text(await enter(member(3, { wallet: true })))).toBe(
      'Your Discord account must be at least 30 days old for that (it is 3 days old).',
    );
    expect(text(await enter(member(400, { memberDays: 2, wallet: true })))).toBe(
      'You need to have been in this server for 7 days for that (you have been here 2 days).',
    );
    expect(text(await enter(member(400)))).toContain('That needs a wallet linked to your Sparks account.');
    const ok = member(400, { wallet: true });
    expect(text(await enter(ok))).toContain('Gated raffle');
    const raffle = w.app.services.raffles.find(w.guildId, 'Gated raffle');
    expect(w.app.services.raffles.held(raffle.id, ok)).toBe(1);
    expect(w.app.services.raffles.store.entries(raffle.id).map((e) => e.userId)).toEqual([ok]);
  });
});

describe('gates on a reward, and a manual reward that fills in the wallet', () => {
  it('refuses a member a gate does not admit and one without a wallet; fills the wallet in for moderators', async () => {
    await addReward(w, {
      name: 'Mint spot',
      cost: 50,
      kind: 'manual',
      min_account_days: 30,
      min_member_days: 7,
      requires_wallet: 'evm',
    });
    const refusedText = async (userId: string) =>
      text(await w.slash(userId, 'sparks redeem', { reward: 'Mint spot' }).reply());
    const young = member(10, { wallet: true });
    fund(w, young, 100);
    expect(await refusedText(young)).toBe(
      'Your Discord account must be at least 30 days old for that (it is 10 days old).',
    );
    const newcomer = member(400, { memberDays: 1, wallet: true });
    fund(w, newcomer, 100);
    expect(await refusedText(newcomer)).toContain('You need to have been in this server for 7 days');
    const walletless = member(400);
    fund(w, walletless, 100);
    expect(await refusedText(walletless)).toBe(
      `That needs a wallet linked to your Sparks account. Link one on your wallets page: ${walletPage()} Nothing was spent.`,
    );

    const holder = member(400);
    const address = linkWallet(holder);
    fund(w, holder, 100);
    const c = await openConfirmation(w, holder, 'Mint spot');
    const done = await click(w, holder, c.messageId, c.confirmId).final();
    expect(text(done)).toContain('moderators’ queue');
    const reward = w.app.services.rewards.find(w.guildId, 'Mint spot');
    const [pending] = w.app.services.redemptions
      .pendingManual(w.guildId, { offset: 0, limit: 10 })
      .items.filter((r) => r.rewardId === reward.id);
    expect(pending).toMatchObject({ userId: holder, walletAddress: address });
    const queue = text(await w.slash(w.users.mod, 'sparks-admin redemptions').reply());
    expect(queue).toContain(`Wallet: \`${pending!.walletAddress}\``);
    // Nothing was held for the refused members.
    expect(
      [young, newcomer, walletless].map((u) => w.app.services.ledger.reads.standing(w.guildId, u).balance),
    ).toEqual([100, 100, 100]);
  });
});
