import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttons, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { addReward, balanceOf, click, openConfirmation } from '../../testkit/world.ts';
import { sqliteOf } from '../helpers/engines.ts';

let w: BotWorld;
const s = () => w.app.services;

beforeAll(async () => {
  w = await startWorld();
  s().settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterAll(async () => {
  await w?.stop();
});

const say = async (user: string, path: string, options: Record<string, string | number | boolean> = {}) =>
  text(await w.slash(user, path, options).final());

describe('flags, end to end', () => {
  it('a flagged member earns but cannot redeem or enter a raffle, and can after unflag', async () => {
    const { alice, mod } = w.users;
    await addReward(w, { name: 'Sticker', cost: 30, kind: 'badge' });
    await say(mod, 'sparks-admin raffle start', {
      name: 'Launch',
      prize: 'Sticker',
      winners: 1,
      entry_cost: 5,
      max_entries_per_member: 3,
      ends: '7d',
    });

    const flagged = await say(mod, 'sparks-admin flag', { member: alice, reason: 'three alts on one IP' });
    expect(flagged).toContain('is flagged for review');
    expect(flagged).toContain('three alts on one IP');
    expect(s().flags.isFlagged(w.guildId, alice)).toBe(true);

    // She keeps earning.
    expect(
      await say(mod, 'sparks-admin award', { member: alice, amount: 100, reason: 'AMA host' }),
    ).toContain('100');
    expect(balanceOf(w, alice)).toBe(100);

    // But cannot redeem (told in plain words, nothing spent) …
    const refused = await say(alice, 'sparks redeem', { reward: 'Sticker' });
    expect(refused).toContain('flagged for review by the moderators');
    expect(refused).toContain('Nothing was spent');
    // … nor enter the raffle.
    expect(await say(alice, 'sparks raffle', { raffle: 'Launch', entries: 1 })).toContain(
      'flagged for review by the moderators',
    );
    expect(balanceOf(w, alice)).toBe(100);
    expect(sqliteOf(s().db).prepare('SELECT COUNT(*) AS n FROM redemptions').get()).toEqual({ n: 0 });

    // The moderators see her in the list, with who raised it and why.
    const list = await say(mod, 'sparks-admin flags');
    expect(list).toContain(`<@${alice}>`);
    expect(list).toContain('three alts on one IP');

    // Cleared with a reason: she may redeem and enter again.
    expect(await say(mod, 'sparks-admin unflag', { member: alice, reason: 'same household' })).toContain(
      'no longer flagged',
    );
    const confirmation = await openConfirmation(w, alice, 'Sticker');
    const done = await click(w, alice, confirmation.messageId, confirmation.confirmId).final();
    expect(text(done)).not.toContain('flagged');
    expect(balanceOf(w, alice)).toBe(70);
    expect(await say(alice, 'sparks raffle', { raffle: 'Launch', entries: 1 })).toContain('You now hold');

    // The history keeps both the flag and its clearing.
    const history = await say(mod, 'sparks-admin flags', { history: true });
    expect(history).toContain('cleared by');
    expect(history).toContain('same household');
    expect(buttons(await w.slash(mod, 'sparks-admin flags').final())).toEqual([]);

    // The audit log shows both.
    await expect
      .poll(
        () =>
          w.fake
            .channelMessages(w.logChannelId)
            .map((m) => text(m))
            .join('\n'),
        { timeout: 5000 },
      )
      .toMatch(/Member flagged[\s\S]*Flag cleared/);
  });

  it('refuses a flag on a bot, a second flag, and an unflag of someone not flagged — writing nothing', async () => {
    const { bob, mod, otherBot } = w.users;
    const before = s().flags.list(w.guildId, { open: false }).total;
    expect(await say(mod, 'sparks-admin flag', { member: otherBot, reason: 'spam' })).toContain(
      'Bots cannot be flagged',
    );
    expect(await say(mod, 'sparks-admin unflag', { member: bob, reason: 'x' })).toContain('not flagged');
    await say(mod, 'sparks-admin flag', { member: bob, reason: 'wash trading' });
    expect(await say(mod, 'sparks-admin flag', { member: bob, reason: 'again' })).toContain(
      'already flagged',
    );
    expect(s().flags.list(w.guildId, { open: false }).total).toBe(before + 1);
    // Not for members.
    expect(await say(bob, 'sparks-admin flags')).toContain('Only moderators');
  });

  it('pages the list with Previous / Next', async () => {
    for (let i = 0; i < 9; i++)
      s().flags.raise({
        guildId: w.guildId,
        userId: `4000000000000000${String(i).padStart(2, '0')}`,
        source: 'auto:wallet_shared',
        // At their longest: a page of them must still fit one embed.
        reason: `shared wallet ${i} `.padEnd(1000, 'x'),
        raisedBy: null,
      });
    const handle = w.slash(w.users.mod, 'sparks-admin flags');
    const first = await handle.final();
    expect(text(first)).toContain('Page 1 of 2');
    const next = buttons(first).find((b) => b.label === 'Next');
    expect(next?.disabled).toBeFalsy();
    const second = await click(w, w.users.mod, handle.originalMessageId!, next!.customId!).final();
    expect(text(second)).toContain('Page 2 of 2');
    expect(text(second)).toContain('the wallet check (one wallet, two members)');
    expect(buttons(second).find((b) => b.label === 'Previous')?.disabled).toBeFalsy();
    expect(buttons(second).find((b) => b.label === 'Next')?.disabled).toBe(true);
  });

  it('answers in Korean too', async () => {
    const { carol, mod } = w.users;
    const reply = text(
      await w.slash(mod, 'sparks-admin flag', { member: carol, reason: '확인' }, { locale: 'ko' }).final(),
    );
    expect(reply).toContain('검토 대상');
  });
});
