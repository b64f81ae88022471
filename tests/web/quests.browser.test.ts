import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../testkit/browser.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { accessibility, startWebWorld, type WebWorld, submit } from '../../testkit/web.ts';
import { loggedIn as logInAs } from '../helpers/web.ts';
import { balanceOf } from '../../testkit/world.ts';
import { expectLedgerClean } from '../helpers/shop.ts';
import { sqliteOf } from '../helpers/engines.ts';

let browser: Browser;
let w: WebWorld;
let mod: Page;
const s = () => w.app.services;
const admin = (path = '') => `${w.url}/g/${w.guildId}/admin${path}`;
const quest = (name: string) => s().quests.find(w.guildId, name);
const counts = () => ({
  quests: sqliteOf(s().db).prepare('SELECT COUNT(*) AS n FROM quests').get(),
  steps: sqliteOf(s().db).prepare('SELECT COUNT(*) AS n FROM quest_steps').get(),
});

const loggedIn = (name: string) => logInAs(browser, w, name);

beforeAll(async () => {
  [browser, w] = await Promise.all([launchBrowser(), startWebWorld()]);
  mod = await loggedIn('Mod');
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});
afterEach(() => {
  expectLedgerClean(w);
  expect(w.logs.filter((l) => l.level >= 50)).toEqual([]);
});

describe('quests on the dashboard, in a real browser', () => {
  it('creates a draft, adds a reaction step and a quiz step, and publishes it', async () => {
    await mod.goto(admin('/quests'));
    expect(await mod.getByRole('heading', { level: 1 }).innerText()).toBe('Quests');
    expect(await accessibility(mod)).toEqual([]);
    await mod.locator('#name').fill('Web onboarding');
    await mod.locator('#sparks').fill('25');
    await mod.locator('#recurrence').selectOption('weekly');
    await submit(mod, 'Create a quest');
    expect(await mod.locator('main').innerText()).toContain('Created the draft “Web onboarding”');
    const message = w.fake.postMessage(w.channelId, {
      authorId: w.users.mod,
      content: 'Say hi',
      silent: true,
    });
    const id = String(quest('Web onboarding').id);
    await mod.locator('#step-quest').selectOption(id);
    await mod.locator('#kind').selectOption('reaction');
    await mod.locator('#message').fill(`https://discord.com/channels/${w.guildId}/${w.channelId}/${message}`);
    await mod.locator('#emoji').fill('👋');
    await submit(mod, 'Add a step');
    expect(await mod.locator('main').innerText()).toContain('Added a step to “Web onboarding”');
    expect(w.fake.reactionUsers(message, '👋')).toContain(w.fake.botUserId);
    await mod.locator('#step-quest').selectOption(id);
    await mod.locator('#kind').selectOption('quiz');
    await mod.locator('#prompt').fill('Which channel has the rules?');
    await mod.locator('#answers').fill('rules|#rules');
    await submit(mod, 'Add a step');
    await submit(mod, 'Publish “Web onboarding”');
    const main = await mod.locator('main').innerText();
    expect(main).toContain('“Web onboarding” is open to members.');
    expect(main).toMatch(/Web onboarding #\d+\s+open\s+25 Sparks\s+1\. reaction · 2\. quiz/);
    expect(main).not.toContain('#rules');
    expect(await accessibility(mod)).toEqual([]);
    expect(quest('Web onboarding')).toMatchObject({ status: 'published', recurrence: 'weekly', sparks: 25 });
  });

  it('refuses bad input with the bot’s words and writes nothing', async () => {
    await mod.goto(admin('/quests'));
    await mod.locator('#name').fill('Draft two');
    await mod.locator('#sparks').fill('10');
    await submit(mod, 'Create a quest');
    const before = counts();
    await mod.locator('#step-quest').selectOption(String(quest('Draft two').id));
    await mod.locator('#kind').selectOption('quiz');
    await mod.locator('#prompt').fill('No answers here?');
    const refused = await submit(mod, 'Add a step');
    expect(refused.status()).toBe(400);
    expect(await mod.locator('main').innerText()).toContain('a quiz needs answers');
    await mod.goto(admin('/quests'));
    await mod.locator('#name').fill('Backwards');
    await mod.locator('#sparks').fill('10');
    await mod.locator('#starts_in').fill('2h');
    await mod.locator('#ends_in').fill('1h');
    expect((await submit(mod, 'Create a quest')).status()).toBe(400);
    expect(await mod.locator('main').innerText()).toContain('the quest would end before it starts');
    expect(counts()).toEqual(before);
  });

  it('a prerequisite cycle is refused; a chain is kept', async () => {
    s().quests.create({ guildId: w.guildId, name: 'Step A', sparks: 5, moderatorId: w.users.mod });
    s().quests.create({
      guildId: w.guildId,
      name: 'Step B',
      sparks: 5,
      moderatorId: w.users.mod,
      prerequisite: 'Step A',
    });
    await mod.goto(admin('/quests'));
    await mod.locator('#pre-quest').selectOption(String(quest('Step A').id));
    await mod.locator('#pre-prerequisite').selectOption(String(quest('Step B').id));
    expect((await submit(mod, 'Set the prerequisite')).status()).toBe(400);
    expect(await mod.locator('main').innerText()).toContain('“Step B” already depends on this quest');
    expect(quest('Step A').prerequisiteId).toBeNull();
  });

  it('reviews a submission: approved pays the member and tells them', async () => {
    const q = s().quests.create({
      guildId: w.guildId,
      name: 'Web share',
      sparks: 30,
      moderatorId: w.users.mod,
    });
    const step = s().quests.addStep(w.guildId, 'Web share', { kind: 'submission', prompt: 'Your post' }).step;
    s().quests.publish(w.guildId, 'Web share', w.users.mod);
    const facts = { userId: w.users.bob, roleIds: [], joinedAt: Date.now() - 400 * 86_400_000 };
    s().quests.submit({
      guildId: w.guildId,
      questId: q.id,
      stepId: step.id,
      userId: w.users.bob,
      content: 'https://x.com/bob/status/9',
      facts,
    });
    await mod.goto(admin('/quests'));
    expect(await mod.locator('main').innerText()).toContain('https://x.com/bob/status/9');
    expect(await accessibility(mod)).toEqual([]);
    const submission = s().quests.pendingSubmissions(w.guildId, 0, 10).items[0]!;
    await submit(mod, `Approve #${submission.id}`);
    expect(await mod.locator('main').innerText()).toContain(
      'Approved the submission of Bob; they were told.',
    );
    expect(balanceOf(w, w.users.bob)).toBe(30);
    await expect.poll(() => w.fake.dms(w.users.bob).some((m) => text(m).includes('was approved'))).toBe(true);
  });

  it('the member page shows the open quests with the member’s progress', async () => {
    const bob = await loggedIn('Bob');
    await bob.goto(`${w.url}/g/${w.guildId}/me`);
    const main = await bob.locator('main').innerText();
    expect(main).toMatch(/Web onboarding\s+25\s+0 of 2 steps/);
    expect(main).toMatch(/Web share\s+30\s+Completed/);
    expect(await accessibility(bob)).toEqual([]);
  });
});
