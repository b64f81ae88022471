import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { buttons, Permissions, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { fakeClock } from '../helpers/db.ts';
import { postEvent, subscription } from '../helpers/platform.ts';
import { questKit, questPlugins, webhookEnv } from '../helpers/quests.ts';
import { sqliteOf } from '../helpers/engines.ts';

let w: BotWorld;
let k: ReturnType<typeof questKit>;
const clock = fakeClock();
const s = () => w.app.services;
const clean = () => expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);

beforeAll(async () => {
  w = await startWorld({ clock, plugins: questPlugins(), env: webhookEnv });
  k = questKit(w, clock);
  s().settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterEach(() => {
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});
afterAll(async () => {
  await w?.stop();
});

describe('a three-step quest: a trade of ≥ 100 USD, a reaction, a quiz', () => {
  let message = '';
  let questId = 0;

  it('is built from a draft, step by step, and published', async () => {
    expect(
      await k.admin('create', { name: 'Launch week', sparks: 100, description: 'Trade, react, learn' }),
    ).toContain('Draft **Launch week** created (100 Sparks)');
    expect(
      await k.admin('step', { quest: 'Launch week', kind: 'platform_trade', volume_usd: 100 }),
    ).toContain('Step 1 of **Launch week**: Trade at least 100 USD');
    message = k.oldMessage();
    expect(
      await k.admin('step', {
        quest: 'Launch week',
        kind: 'reaction',
        message: k.link(message),
        emoji: '🔥',
      }),
    ).toContain('Step 2 of **Launch week**: React with 🔥');
    expect(w.fake.reactionUsers(message, '🔥')).toContain(w.fake.botUserId);
    const quiz = await k.admin('step', {
      quest: 'Launch week',
      kind: 'quiz',
      prompt: 'What is our token’s ticker?',
      answers: 'SPK | Sparks',
      attempts: 2,
    });
    expect(quiz).toContain('Answer: What is our token’s ticker? (2 attempt(s) left)');
    expect(quiz).not.toMatch(/SPK/);
    // A draft is not listed to members.
    expect(text(await w.slash(w.users.alice, 'sparks quests').reply())).toContain('No quests are open');
    expect(await k.admin('publish', { quest: 'Launch week' })).toContain(
      '**Launch week** is open to members now',
    );
    questId = k.quest('Launch week').id;
    await expect
      .poll(() => w.fake.channelMessages(w.logChannelId).some((m) => /Quest published/.test(text(m))))
      .toBe(true);
  });

  it('completed quiz → reaction → trade pays once; the member sees the steps ticked and gets a DM', async () => {
    const alice = w.users.alice;
    const listed = text(await w.slash(alice, 'sparks quests').reply());
    expect(listed).toContain('Launch week');
    expect(listed).toContain('0/3 steps');
    expect(listed).not.toMatch(/SPK/i);
    expect(await k.answer(alice, String(questId), 3, 'doge')).toContain('Not quite. 1 attempt(s) left.');
    expect(await k.answer(alice, String(questId), 3, '  spk ')).toContain('Correct! That step is done.');
    const records = k.react(message, alice);
    await k.roundTrip();
    expect(k.balance(alice)).toBe(0);
    await k.trade(alice, 60, 'evt_alice_1');
    expect(k.balance(alice)).toBe(6);
    const second = await k.trade(alice, 40, 'evt_alice_2');
    expect(second.body.status).toBe('applied');
    // 6 + 4 Sparks for the trades, 100 for the quest.
    expect(k.balance(alice)).toBe(110);
    await expect
      .poll(() => k.dmText(alice).some((m) => m.includes('You completed the quest **Launch week**')))
      .toBe(true);

    // Replays: the same webhooks, the same reaction events, the quiz again — nothing more.
    const again = await k.trade(alice, 40, 'evt_alice_2');
    expect(again.body.status).toBe('duplicate');
    w.fake.replayDispatch(records);
    k.unreact(message, alice);
    k.react(message, alice);
    await k.roundTrip();
    expect(k.balance(alice)).toBe(110);
    expect(k.completions(questId)).toBe(1);
    const view = await w.slash(alice, 'sparks quest', { quest: String(questId) }).reply();
    expect(text(view)).toContain('✅ Completed');
    expect(buttons(view).filter((b) => b.customId?.startsWith('quest-step:'))).toEqual([]);
    clean();
  });

  it('in another order (trade, reaction, quiz) it pays once too, counted in lifetime and history', async () => {
    const [dana] = k.members(1);
    await k.trade(dana!, 150);
    k.react(message, dana!);
    await k.roundTrip();
    expect(k.balance(dana!)).toBe(15);
    expect(await k.answer(dana!, 'Launch week', 3, 'Sparks')).toContain('Correct!');
    expect(k.balance(dana!)).toBe(115);
    expect(s().ledger.reads.standing(w.guildId, dana!).lifetimeEarned).toBe(115);
    expect(k.completions(questId)).toBe(2);
    expect(s().quests.byId(questId)).toMatchObject({ completions: 2, granted: 200 });
    const history = text(await w.slash(dana!, 'sparks history').final());
    expect(history).toContain('Quest “Launch week”');
    clean();
  });

  it('a quiz allows its attempts and no more', async () => {
    const [erin] = k.members(1);
    await k.answer(erin!, 'Launch week', 3, 'nope');
    expect(await k.answer(erin!, 'Launch week', 3, 'still no')).toContain('that was your last attempt');
    const view = await w.slash(erin!, 'sparks quest', { quest: 'Launch week' }).reply();
    expect(buttons(view).filter((b) => b.customId?.startsWith('quest-step:'))).toEqual([]);
    expect(text(view)).toContain('(0 attempt(s) left)');
  });
});

describe('a daily quest', () => {
  it('pays on two days, and not twice in one', async () => {
    expect(await k.admin('create', { name: 'Daily GM', sparks: 5, recurrence: 'daily' })).toContain('Draft');
    await k.admin('step', { quest: 'Daily GM', kind: 'message', channel: w.channelId, count: 2 });
    expect(await k.admin('publish', { quest: 'Daily GM' })).toContain('open to members');
    const carol = w.users.carol;
    const gm = () => w.fake.postMessage(w.channelId, { authorId: carol, content: 'gm' });
    gm();
    await k.roundTrip();
    expect(k.balance(carol)).toBe(0);
    gm();
    await expect.poll(() => k.balance(carol)).toBe(5);
    gm();
    gm();
    gm();
    await k.roundTrip();
    expect(k.balance(carol)).toBe(5);
    // Another bot's messages never count.
    w.fake.postMessage(w.channelId, { authorId: w.users.otherBot, content: 'gm' });
    w.fake.postMessage(w.channelId, { authorId: w.users.otherBot, content: 'gm' });
    await k.roundTrip();
    expect(k.balance(w.users.otherBot)).toBe(0);
    const listed = text(await w.slash(carol, 'sparks quests').reply());
    expect(listed).toContain('✅ Completed for this period');
    expect(listed).toMatch(/daily, starts over <t:\d+:R>/);
    // The next UTC day.
    clock.set(Date.UTC(2026, 10, 25, 0, 0, 1));
    gm();
    await k.roundTrip();
    expect(k.balance(carol)).toBe(5);
    gm();
    await expect.poll(() => k.balance(carol)).toBe(10);
    gm();
    gm();
    await k.roundTrip();
    expect(k.balance(carol)).toBe(10);
    const periods = sqliteOf(s().db)
      .prepare('SELECT period FROM quest_completions WHERE quest_id = ? ORDER BY period')
      .all(k.quest('Daily GM').id);
    expect(periods).toEqual([{ period: '2026-11-24' }, { period: '2026-11-25' }]);
    clean();
  });
});

describe('submissions reviewed by moderators', () => {
  it('one approved (paid, told) and one rejected (told why, may try again)', async () => {
    await k.admin('create', { name: 'Share the launch', sparks: 40 });
    await k.admin('step', {
      quest: 'Share the launch',
      kind: 'submission',
      prompt: 'Link your post about the launch',
    });
    await k.admin('publish', { quest: 'Share the launch' });
    const [fay, gus, hal] = k.members(3);
    expect(await k.answer(fay!, 'Share the launch', 1, 'https://x.com/fay/status/1')).toContain(
      'Sent for review',
    );
    expect(await k.answer(gus!, 'Share the launch', 1, 'https://x.com/gus/status/1')).toContain(
      'Sent for review',
    );
    // Bad input: a link that is not http(s), or too long: refused, nothing written.
    expect(await k.answer(hal!, 'Share the launch', 1, 'javascript:alert(1)')).toContain(
      'links must start with http:// or https://',
    );
    expect(k.count('quest_submissions')).toBe(2);
    // The member sees it waiting, and cannot send another.
    const waiting = await w.slash(fay!, 'sparks quest', { quest: 'Share the launch' }).reply();
    expect(text(waiting)).toContain('waiting for a moderator');
    expect(buttons(waiting).filter((b) => b.customId?.startsWith('quest-step:'))).toEqual([]);

    const review = w.slash(w.users.mod, 'sparks-admin quest review');
    const queue = await review.reply();
    expect(queue.ephemeral).toBe(true);
    expect(text(queue)).toContain('Submissions to review (2)');
    expect(text(queue)).toContain('https://x.com/fay/status/1');
    const approve = buttons(queue).find(
      (b) => b.label?.startsWith('Approve') && b.customId?.includes(':a:'),
    )!;
    const approved = await w.fake
      .clickButton({
        channelId: w.channelId,
        userId: w.users.mod,
        messageId: review.originalMessageId!,
        customId: approve.customId!,
      })
      .reply();
    expect(text(approved)).toContain(`Approved #`);
    expect(text(approved)).toContain('They were told by DM.');
    expect(text(approved)).toContain('Submissions to review (1)');
    expect(k.balance(fay!)).toBe(40);
    expect(k.dmText(fay!).some((m) => m.includes('was approved'))).toBe(true);

    const reject = buttons(approved).find((b) => b.customId?.includes(':r:'))!;
    const press = w.fake.clickButton({
      channelId: w.channelId,
      userId: w.users.mod,
      messageId: review.originalMessageId!,
      customId: reject.customId!,
    });
    const modal = await press.modal();
    const rejected = await w.fake
      .submitModal({
        channelId: w.channelId,
        userId: w.users.mod,
        customId: String(modal.custom_id),
        fields: { reason: 'The post is not public' },
      })
      .reply();
    expect(text(rejected)).toContain('Rejected #');
    expect(text(rejected)).toContain('Nothing to review right now.');
    expect(k.balance(gus!)).toBe(0);
    expect(k.dmText(gus!).some((m) => m.includes('not accepted: The post is not public'))).toBe(true);
    // Rejected, gus may submit again.
    expect(await k.answer(gus!, 'Share the launch', 1, 'https://x.com/gus/status/2')).toContain(
      'Sent for review',
    );
    await expect
      .poll(() =>
        w.fake.channelMessages(w.logChannelId).some((m) => /Quest submission reviewed/.test(text(m))),
      )
      .toBe(true);
    clean();
  });
});

describe('bad input: a clear error and nothing written', () => {
  it('refuses steps that cannot be verified and schedules that end before they start', async () => {
    await k.admin('create', { name: 'Broken', sparks: 10 });
    const before = { quests: k.count('quests'), steps: k.count('quest_steps') };
    const otherGuild = `https://discord.com/channels/123456789012345678/${w.channelId}/${k.oldMessage()}`;
    expect(
      await k.admin('step', { quest: 'Broken', kind: 'reaction', message: otherGuild, emoji: '🔥' }),
    ).toContain('that message link points to another server');
    const hidden = w.fake.createChannel(w.guildId, {
      name: 'mods-only',
      permissionOverwrites: [{ id: w.fake.botRole(w.guildId).id, type: 0, deny: Permissions.ViewChannel }],
    });
    expect(await k.admin('step', { quest: 'Broken', kind: 'message', channel: hidden.id })).toContain(
      'missing the **View Channel** permission',
    );
    expect(
      await k.admin('step', {
        quest: 'Broken',
        kind: 'reaction',
        message: k.link(k.oldMessage()),
        emoji: '<:nope:123456789012345678>',
      }),
    ).toContain('I cannot react with that emoji here');
    expect(await k.admin('step', { quest: 'Broken', kind: 'quiz', prompt: 'Capital of France?' })).toContain(
      'a quiz needs `answers`',
    );
    expect(await k.admin('step', { quest: 'Broken', kind: 'quiz', prompt: 'Q?', answers: ' | ' })).toContain(
      'a quiz needs `answers`',
    );
    expect(
      await k.admin('create', { name: 'Backwards', sparks: 10, starts_in: '2h', ends_in: '1h' }),
    ).toContain('the quest would end before it starts');
    expect(await k.admin('publish', { quest: 'Broken' })).toContain('has no steps yet');
    expect({ quests: k.count('quests'), steps: k.count('quest_steps') }).toEqual(before);
    // Korean, too.
    const ko = text(
      await w
        .slash(
          w.users.mod,
          'sparks-admin quest create',
          { name: 'X', sparks: 1, starts_in: '3h', ends_in: '1h' },
          { locale: 'ko' },
        )
        .final(),
    );
    expect(ko).toContain('퀘스트가 시작하기 전에 끝납니다');
  });

  it('a member who chose private notices is told in the reply, not by DM', async () => {
    const [ivy] = k.members(1);
    expect(text(await w.slash(ivy!, 'sparks privacy', { quest_notices: 'ephemeral' }).reply())).toContain(
      'shown to you privately in your quest replies',
    );
    await k.trade(ivy!, 100);
    const launch = k.quest('Launch week');
    k.react(
      s()
        .quests.steps(launch.id)
        .find((x) => x.kind === 'reaction')!.messageId!,
      ivy!,
    );
    await k.roundTrip();
    const reply = await k.answer(ivy!, 'Launch week', 3, 'spk');
    expect(reply).toContain('Correct!');
    expect(reply).toContain('You completed the quest **Launch week**: 100 Sparks.');
    expect(k.dmText(ivy!)).toEqual([]);
    // Season boards count ISSUANCE('quest') as the quests source; lifetime counts it too.
    expect(s().ledger.reads.standing(w.guildId, ivy!).lifetimeEarned).toBe(110);
  });
});

describe('leaderboard flags of the accounts quests open', () => {
  it('a new member holding the excluded role completes a reaction quest off the leaderboards', async () => {
    const staff = w.fake.createRole(w.guildId, { name: 'Quest staff', position: 1 });
    s().settings.update(w.guildId, { leaderboardExcludeRoleId: staff.id });
    try {
      const message = k.oldMessage();
      await k.admin('create', { name: 'Say hi', sparks: 5, description: 'React once' });
      await k.admin('step', { quest: 'Say hi', kind: 'reaction', message: k.link(message), emoji: '🔥' });
      expect(await k.admin('publish', { quest: 'Say hi' })).toContain('is open to members now');
      const [staffer] = k.members(1, { roles: [staff.id] });
      const [regular] = k.members(1);
      // Neither has an account yet: the completion opens it, with the flag the event's roles give.
      expect(s().ledger.reads.account(w.guildId, { type: 'member', ref: staffer! })).toBeUndefined();
      k.react(message, staffer!);
      k.react(message, regular!);
      await k.roundTrip();
      await expect.poll(() => [k.balance(staffer!), k.balance(regular!)]).toEqual([5, 5]);
      const flag = (id: string) => s().ledger.reads.standing(w.guildId, id).ranked;
      expect([flag(staffer!), flag(regular!)]).toEqual([false, true]);
      clean();
    } finally {
      s().settings.update(w.guildId, { leaderboardExcludeRoleId: null });
    }
  });
});

describe('roles: a role step, a reward role, and a gate the webhook cannot check', () => {
  it('a role given by hand ticks the role step; the reward role is granted with the Sparks', async () => {
    const verified = w.fake.createRole(w.guildId, { name: 'Verified', position: 1 });
    const champion = w.fake.createRole(w.guildId, { name: 'Quester', position: 2 });
    expect(await k.admin('create', { name: 'Get verified', sparks: 15, role: champion.id })).toContain(
      '15 Sparks and <@&',
    );
    await k.admin('step', { quest: 'Get verified', kind: 'role', role: verified.id });
    await k.admin('publish', { quest: 'Get verified' });
    const [jo] = k.members(1);
    w.fake.setMemberRoles(w.guildId, jo!, [verified.id]);
    await expect.poll(() => k.balance(jo!)).toBe(15);
    await expect.poll(() => w.fake.memberRoles(w.guildId, jo!)?.includes(champion.id)).toBe(true);
    await expect.poll(() => k.dmText(jo!).some((m) => m.includes('**Get verified**'))).toBe(true);
    // A reward role the bot may not hand out is refused when the quest is made.
    const boss = w.fake.createRole(w.guildId, {
      name: 'Boss',
      permissions: Permissions.Administrator,
      position: 1,
    });
    expect(await k.admin('create', { name: 'Unsafe', sparks: 1, role: boss.id })).toContain(
      'not safe to hand out',
    );
  });

  it('a webhook finishing a quest gated on a role completes once the bot has looked at the member', async () => {
    const vip = w.fake.createRole(w.guildId, { name: 'VIP', position: 1 });
    await k.admin('create', { name: 'VIP subscriber', sparks: 20, required_role: vip.id });
    await k.admin('step', { quest: 'VIP subscriber', kind: 'platform_subscription' });
    await k.admin('publish', { quest: 'VIP subscriber' });
    const [vera, walt] = k.members(2);
    w.fake.setMemberRoles(w.guildId, vera!, [vip.id]);
    for (const userId of [vera!, walt!]) {
      const reply = await postEvent(
        w.app.http!.url,
        subscription(userId, 'pro', false, {
          guild_id: w.guildId,
          occurred_at: new Date(clock()).toISOString(),
        }),
      );
      expect(reply.status).toBe(200);
    }
    // 100 Sparks for each subscription; the quest's 20 only for the member with the role.
    await expect.poll(() => k.balance(vera!)).toBe(120);
    await k.roundTrip();
    expect(k.balance(walt!)).toBe(100);
    expect(k.completions(k.quest('VIP subscriber').id)).toBe(1);
    clean();
  });
});

describe('the verified_wallet gate on a quest', () => {
  /** A wallet the member proved (the proof itself is tested in tests/wallets and tests/web). */
  const linkWallet = (userId: string, n: number) =>
    s().db.write(() =>
      s().wallets.store.insert({
        guildId: w.guildId,
        userId,
        chain: 'evm',
        address: `0x${(n * 7919).toString(16).padStart(40, '0')}`,
        nonce: `quest-wallet-${n}`,
        now: clock(),
      }),
    );

  it('a member without a linked wallet is told so and makes no progress; with one they complete it', async () => {
    await k.admin('create', { name: 'Holders only', sparks: 30, verified_wallet: true });
    const message = k.oldMessage();
    await k.admin('step', { quest: 'Holders only', kind: 'reaction', message: k.link(message), emoji: '🔥' });
    await k.admin('step', { quest: 'Holders only', kind: 'quiz', prompt: 'Our chain?', answers: 'base' });
    await k.admin('publish', { quest: 'Holders only' });
    const id = k.quest('Holders only').id;
    const [holder, walletless] = k.members(2);
    linkWallet(holder!, 1);

    // The reaction does not count for the member without a wallet; the quiz names the gate.
    k.react(message, walletless!);
    k.react(message, holder!);
    await k.roundTrip();
    const refused = await w.slash(walletless!, 'sparks quest', { quest: String(id) }).reply();
    expect(text(refused)).toContain('That needs a wallet linked to your Sparks account.');
    expect(buttons(refused).filter((b) => b.customId?.startsWith('quest-step:'))).toEqual([]);
    expect(k.balance(walletless!)).toBe(0);
    expect(await k.answer(holder!, String(id), 2, 'BASE')).toContain('Correct!');
    expect(k.balance(holder!)).toBe(30);

    // Linking a wallet opens the quest; the reaction made before counts once it is made again.
    linkWallet(walletless!, 2);
    expect(await k.answer(walletless!, String(id), 2, 'base')).toContain('Correct!');
    expect(k.balance(walletless!)).toBe(0);
    k.unreact(message, walletless!);
    k.react(message, walletless!);
    await k.roundTrip();
    expect(k.balance(walletless!)).toBe(30);
    expect(k.completions(id)).toBe(2);
    clean();
  });
});
