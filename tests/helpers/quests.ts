import { expect } from 'vitest';
import { auditLogPlugin } from '../../src/discord/plugins/audit-log.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import { questsPlugin } from '../../src/discord/plugins/quests.ts';
import { buttons, text, type OptionValue } from '../../testkit/fake-discord/index.ts';
import type { BotWorld } from '../../testkit/bot.ts';
import { postEvent, SECRET_A, TOKEN, trade } from './platform.ts';
import { sqliteOf } from './engines.ts';

/** The real plugins a quest world needs, with short timers so tests run fast. */
export const questPlugins = () => [
  interactionsPlugin(),
  auditLogPlugin({ intervalMs: 100 }),
  questsPlugin({ maxTimerMs: 50, sweepMs: 100 }),
];

/** Environment for a world that takes signed platform webhooks. */
export const webhookEnv = {
  WEBHOOK_PORT: '0',
  WEBHOOK_HOST: '127.0.0.1',
  WEBHOOK_SECRET: SECRET_A,
  PLATFORM_API_TOKEN: TOKEN,
};

export const DAY = 86_400_000;

/** Quest helpers over a started world. */
export function questKit(w: BotWorld, clock: () => number) {
  const s = () => w.app.services;
  let n = 0;
  const kit = {
    balance: (userId: string) => s().ledger.reads.standing(w.guildId, userId).balance,
    members(count: number, init: { roles?: string[] } = {}): string[] {
      return Array.from({ length: count }, () => {
        n++;
        return w.fake.addMember(w.guildId, {
          username: `q${n}`,
          roles: init.roles,
          joinedAt: new Date(clock() - 400 * DAY),
        }).userId;
      });
    },
    oldMessage(content = 'React here for the quest!'): string {
      return w.fake.postMessage(w.channelId, {
        authorId: w.users.mod,
        content,
        silent: true,
        createdAt: new Date(clock() - 3 * DAY),
      });
    },
    link: (messageId: string) => `https://discord.com/channels/${w.guildId}/${w.channelId}/${messageId}`,
    react: (messageId: string, userId: string, silent = false) =>
      w.fake.addReaction({ channelId: w.channelId, messageId, userId, emoji: '🔥', silent }),
    unreact: (messageId: string, userId: string) =>
      w.fake.removeReaction({ channelId: w.channelId, messageId, userId, emoji: '🔥' }),
    /** `/sparks-admin quest <sub>` as the moderator; the settled reply's text. */
    async admin(sub: string, options: Record<string, OptionValue> = {}): Promise<string> {
      return text(await w.slash(w.users.mod, `sparks-admin quest ${sub}`, options).final());
    },
    quest: (name: string) => s().quests.find(w.guildId, name),
    /** A signed trade webhook for `userId`, happening now on the world's clock. */
    async trade(userId: string, usd: number, id?: string) {
      const reply = await postEvent(
        w.app.http!.url,
        trade(userId, usd, { guild_id: w.guildId, occurred_at: new Date(clock()).toISOString() }),
        id ? { id } : {},
      );
      expect(reply.status).toBe(200);
      return reply;
    },
    /**
     * `/sparks quest` as `userId`, a click on the step's button, the modal filled with
     * `value`: the modal submit's reply text.
     */
    async answer(userId: string, quest: string, step: number, value: string): Promise<string> {
      const view = w.slash(userId, 'sparks quest', { quest });
      const reply = await view.reply();
      const button = buttons(reply).find(
        (b) => b.customId?.startsWith('quest-step:') && b.customId.endsWith(`:${step}`),
      );
      if (!button?.customId || !view.originalMessageId)
        throw new Error(`no button for step ${step}: ${text(reply)}`);
      const press = w.fake.clickButton({
        channelId: w.channelId,
        userId,
        messageId: view.originalMessageId,
        customId: button.customId,
      });
      const modal = await press.modal();
      const submit = w.fake.submitModal({
        channelId: w.channelId,
        userId,
        customId: String(modal.custom_id),
        fields: { text: value },
      });
      return text(await submit.reply());
    },
    /** Waits until the bot has handled every gateway event sent so far, and the queue committed. */
    async roundTrip() {
      await w.slash(w.users.mod, 'sparks-admin quest list').reply();
      await s().quests.idle();
    },
    completions: (questId: number) =>
      (
        sqliteOf(s().db)
          .prepare('SELECT COUNT(*) AS n FROM quest_completions WHERE quest_id = ?')
          .get(questId) as {
          n: number;
        }
      ).n,
    count: (table: string) =>
      (sqliteOf(s().db).prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    dmText: (userId: string) => w.fake.dms(userId).map((m) => text(m)),
  };
  return kit;
}
