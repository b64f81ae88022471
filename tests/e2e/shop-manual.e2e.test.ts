import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buttons, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import {
  addReward,
  balanceOf,
  click,
  expectLedgerClean,
  fund,
  openConfirmation,
  redemptionsOf,
} from '../helpers/shop.ts';
import { sqliteOf } from '../helpers/engines.ts';

let w: BotWorld;
let dana: string;
beforeAll(async () => {
  w = await startWorld();
  dana = w.fake.addMember(w.guildId, { username: 'dana', dmsClosed: true }).userId;
  fund(w, w.users.alice, 1000);
  fund(w, dana, 1000);
});
afterEach(() => {
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});
afterAll(async () => {
  await w?.stop();
});

const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';

/** Confirm → modal → submit: returns the handles of both steps. */
async function confirmWithInput(userId: string, reward: string, value: string) {
  const c = await openConfirmation(w, userId, reward);
  const press = click(w, userId, c.messageId, c.confirmId);
  const modal = await press.modal();
  const submit = w.fake.submitModal({
    channelId: w.channelId,
    userId,
    customId: String(modal.custom_id),
    fields: { value },
  });
  return { c, modal, submit };
}

describe('manual rewards', () => {
  it('asks for a wallet in a modal; a bad address is refused and nothing is reserved', async () => {
    const whitelist = await addReward(w, {
      name: 'Whitelist spot',
      cost: 250,
      kind: 'manual',
      input_kind: 'wallet',
      input_label: 'Your wallet for the mint',
      stock: 5,
    });
    const { c, modal, submit } = await confirmWithInput(w.users.alice, 'whitelist spot', '0x1234');
    expect(text(c.reply)).toContain('After **Confirm** you will be asked for: **Your wallet for the mint**');
    expect(modal.title).toBe('Redeem Whitelist spot');
    const refused = await submit.reply();
    expect(refused.ephemeral).toBe(true);
    expect(text(refused)).toBe(
      '“Your wallet for the mint” was not accepted: an EVM address is 0x followed by 40 hexadecimal characters. Nothing was spent; press Confirm to try again.',
    );
    expect(redemptionsOf(w, whitelist.id)).toEqual([]);
    expect(balanceOf(w, w.users.alice)).toBe(1000);
    // The confirmation still works: this time with a good address.
    const again = click(w, w.users.alice, c.messageId, c.confirmId);
    const modal2 = await again.modal();
    const ok = w.fake.submitModal({
      channelId: w.channelId,
      userId: w.users.alice,
      customId: String(modal2.custom_id),
      fields: { value: ` ${EVM} ` },
    });
    const queued = await ok.final();
    expect(text(queued)).toContain(
      'Your request for **Whitelist spot** is in the moderators’ queue. 250 Sparks are reserved',
    );
    expect(buttons(queued)).toEqual([]);
    expect(redemptionsOf(w, whitelist.id)).toMatchObject([
      { status: 'pending_manual', userId: w.users.alice },
    ]);
    expect(w.app.services.redemptions.get(redemptionsOf(w, whitelist.id)[0]!.id)!.input).toBe(EVM);
    expect(balanceOf(w, w.users.alice)).toBe(750);
    expect(w.app.services.rewards.get(whitelist.id)!.stock).toBe(4);
    expectLedgerClean(w);
  });

  it('a post boost takes a link to a message in this server', async () => {
    await addReward(w, { name: 'Post boost', cost: 200, kind: 'manual', input_kind: 'message_link' });
    const elsewhere = 'https://discord.com/channels/111111111111111111/222222222222222222/333333333333333333';
    const { submit } = await confirmWithInput(dana, 'Post boost', elsewhere);
    expect(text(await submit.reply())).toMatch(/the message must be in this server/);
    const post = w.fake.postMessage(w.channelId, { authorId: dana, content: 'gm, my new thread' });
    const link = `https://discord.com/channels/${w.guildId}/${w.channelId}/${post}`;
    const ok = await confirmWithInput(dana, 'Post boost', link);
    expect(text(await ok.submit.final())).toContain(
      'Your request for **Post boost** is in the moderators’ queue',
    );
    expect(balanceOf(w, dana)).toBe(800);
  });

  it('moderators see the queue oldest first with stale items flagged; fulfil and reject are each applied once', async () => {
    w.app.services.settings.update(w.guildId, { manualStaleHours: 1 });
    const [whitelist] = redemptionsOf(w, w.app.services.rewards.find(w.guildId, 'Whitelist spot').id);
    const [boost] = redemptionsOf(w, w.app.services.rewards.find(w.guildId, 'Post boost').id);
    sqliteOf(w.app.services.db)
      .prepare('UPDATE redemptions SET created_at = created_at - 7200000 WHERE id = ?')
      .run(whitelist!.id);
    const denied = await w.slash(w.users.alice, 'sparks-admin redemptions').reply();
    expect(text(denied)).toMatch(/Only moderators/);

    const queue = w.slash(w.users.mod, 'sparks-admin redemptions');
    const shown = await queue.reply();
    expect(shown.ephemeral).toBe(true);
    const body = text(shown);
    expect(body).toContain('Manual redemptions waiting (2)');
    expect(body.indexOf(`#${whitelist!.id} · Whitelist spot`)).toBeLessThan(
      body.indexOf(`#${boost!.id} · Post boost`),
    );
    expect(body).toContain(`⚠️ #${whitelist!.id} · Whitelist spot · 250 Sparks`);
    expect(body).toContain('⚠️ waiting more than 1 h');
    expect(body).toContain(`Input: \`${EVM}\``);
    expect(body).not.toContain(`⚠️ #${boost!.id}`);
    const fulfilId = `shop-resolve:${w.users.mod}:f:${whitelist!.id}:0`;
    const rejectId = `shop-resolve:${w.users.mod}:r:${boost!.id}:0`;
    expect(buttons(shown).map((b) => b.customId)).toEqual(expect.arrayContaining([fulfilId, rejectId]));
    const messageId = queue.originalMessageId!;

    // Fulfil: the hold is posted, the member is told by DM.
    const fulfil = await click(w, w.users.mod, messageId, fulfilId).final();
    expect(text(fulfil)).toContain(
      `Fulfilled #${whitelist!.id} (Whitelist spot) for <@${w.users.alice}>. They were told by DM.`,
    );
    expect(text(fulfil)).toContain('Manual redemptions waiting (1)');
    expect(text(w.fake.dms(w.users.alice).at(-1))).toContain(
      'Your redemption of **Whitelist spot** in **Sparks Lab** was fulfilled.',
    );
    const twice = await click(w, w.users.mod, messageId, fulfilId, true).reply();
    expect(twice.ephemeral).toBe(true);
    expect(text(twice)).toBe('That redemption does not exist or was already handled.');
    expect(w.app.services.redemptions.get(whitelist!.id)).toMatchObject({
      status: 'fulfilled',
      resolvedBy: w.users.mod,
    });

    // Reject: refunded with the stock back; dana's DMs are closed, so she is told at her next /sparks.
    const reject = await click(w, w.users.mod, messageId, rejectId).final();
    expect(text(reject)).toContain(
      `Rejected #${boost!.id} (Post boost) for <@${dana}>; 200 Sparks went back to them.`,
    );
    expect(text(reject)).toContain('Their DMs are closed: they will see it the next time they use /sparks.');
    expect(text(reject)).toContain('No manual redemptions are waiting.');
    expect(text(await click(w, w.users.mod, messageId, rejectId, true).reply())).toBe(
      'That redemption does not exist or was already handled.',
    );
    expect(balanceOf(w, dana)).toBe(1000);
    expect(w.fake.dms(dana)).toEqual([]);

    const next = w.slash(dana, 'sparks balance');
    await next.reply();
    const note = await next.followUp(0);
    expect(note.ephemeral).toBe(true);
    expect(text(note)).toBe(
      '↩️ Your redemption of **Post boost** in **Sparks Lab** was not completed (a moderator declined it). Your 200 Sparks were returned.',
    );
    const later = w.slash(dana, 'sparks balance');
    await later.reply();
    await expect
      .poll(() => w.logs.some((l) => l.msg === 'interaction' && l.interactionId === later.id))
      .toBe(true);
    expect(later.followUps).toEqual([]);
    expectLedgerClean(w);
  });

  it('a stale or foreign queue button is refused', async () => {
    const queue = w.slash(w.users.mod, 'sparks-admin redemptions');
    await queue.reply();
    const foreign = await w.fake
      .clickButton({
        channelId: w.channelId,
        userId: w.users.mod,
        messageId: queue.originalMessageId!,
        customId: `shop-resolve:${w.users.alice}:f:1:0`,
        force: true,
      })
      .reply();
    expect(text(foreign)).toMatch(/These buttons belong to someone else/);
  });
});
