import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { fakeClock } from '../helpers/db.ts';
import { questKit, questPlugins } from '../helpers/quests.ts';

const HOUR = 3_600_000;
let w: BotWorld;
let k: ReturnType<typeof questKit>;
const clock = fakeClock();
const s = () => w.app.services;
const clean = () => expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);
const listed = async (userId: string) => text(await w.slash(userId, 'sparks quests').reply());
const auditTitles = () => w.fake.channelMessages(w.logChannelId).map((m) => text(m));

beforeAll(async () => {
  w = await startWorld({ clock, plugins: questPlugins() });
  k = questKit(w, clock);
  s().settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterEach(() => {
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});
afterAll(async () => {
  await w?.stop();
});

describe('a scheduled quest, across restarts', () => {
  let message = '';

  it('is invisible before its start', async () => {
    await k.admin('create', { name: 'Weekend raid', sparks: 30, starts_in: '1h', ends_in: '3h' });
    message = k.oldMessage('Raid starts soon');
    await k.admin('step', { quest: 'Weekend raid', kind: 'reaction', message: k.link(message), emoji: '🔥' });
    expect(await k.admin('publish', { quest: 'Weekend raid' })).toMatch(
      /is scheduled: members see it <t:\d+:R>/,
    );
    expect(await listed(w.users.alice)).not.toContain('Weekend raid');
    const one = await w.slash(w.users.alice, 'sparks quest', { quest: 'Weekend raid' }).reply();
    expect(text(one)).toContain('No quest matches “Weekend raid”');
    // A reaction before the start earns nothing.
    k.react(message, w.users.alice);
    await k.roundTrip();
    expect(k.balance(w.users.alice)).toBe(0);
    expect(k.quest('Weekend raid').status).toBe('scheduled');
  });

  it('opens at its start though the bot was down then, once; reactions made before count', async () => {
    await w.stopBot();
    clock.advance(HOUR + 1000);
    await w.restartBot();
    await expect.poll(() => k.quest('Weekend raid').status).toBe('published');
    expect(await listed(w.users.alice)).toContain('Weekend raid');
    // Alice's reaction was on the message before the start: reconciled when it opened.
    await expect.poll(() => k.balance(w.users.alice)).toBe(30);
    k.react(message, w.users.bob);
    await expect.poll(() => k.balance(w.users.bob)).toBe(30);
    await expect.poll(() => auditTitles().filter((t) => t.includes('Quest published')).length).toBe(1);
    // Another restart does not publish it again.
    await w.restartBot();
    await k.roundTrip();
    expect(auditTitles().filter((t) => t.includes('Quest published'))).toHaveLength(1);
  });

  it('is closed after its end, across a restart: not listed, and reactions earn nothing', async () => {
    await w.stopBot();
    clock.advance(2 * HOUR);
    await w.restartBot();
    await expect.poll(() => k.quest('Weekend raid').status).toBe('ended');
    expect(k.quest('Weekend raid').endReason).toBe('time');
    expect(await listed(w.users.carol)).not.toContain('Weekend raid');
    k.react(message, w.users.carol);
    await k.roundTrip();
    expect(k.balance(w.users.carol)).toBe(0);
    await expect.poll(() => auditTitles().some((t) => t.includes('Quest ended'))).toBe(true);
    clean();
  });
});

describe('reactions made while the bot was offline', () => {
  it('count after it returns', async () => {
    await k.admin('create', { name: 'Offline proof', sparks: 12 });
    const message = k.oldMessage('Proof of presence');
    await k.admin('step', {
      quest: 'Offline proof',
      kind: 'reaction',
      message: k.link(message),
      emoji: '🔥',
    });
    await k.admin('publish', { quest: 'Offline proof' });
    const members = k.members(3);
    k.react(message, members[0]!);
    await expect.poll(() => k.balance(members[0]!)).toBe(12);
    await w.stopBot();
    for (const m of members) k.react(message, m, true);
    k.react(message, w.users.otherBot, true);
    await w.restartBot();
    await expect.poll(() => members.map(k.balance)).toEqual([12, 12, 12]);
    expect(k.balance(w.users.otherBot)).toBe(0);
    expect(k.completions(k.quest('Offline proof').id)).toBe(3);
    clean();
  });

  it('a moderator’s end reconciles first: what was missed still counts, nothing after', async () => {
    await k.admin('create', { name: 'Last call', sparks: 8 });
    const message = k.oldMessage('Last call!');
    await k.admin('step', { quest: 'Last call', kind: 'reaction', message: k.link(message), emoji: '🔥' });
    await k.admin('publish', { quest: 'Last call' });
    const [late] = k.members(1);
    // The event never reached the bot (a gateway gap): the reaction is only on the message.
    k.react(message, late!, true);
    expect(await k.admin('end', { quest: 'Last call' })).toContain(
      '**Last call** has ended: 1 completion(s), 8 Sparks paid',
    );
    expect(k.balance(late!)).toBe(8);
    expect(await k.admin('end', { quest: 'Last call' })).toContain('had already ended');
    const [after] = k.members(1);
    k.react(message, after!);
    await k.roundTrip();
    expect(k.balance(after!)).toBe(0);
  });
});
