import { expect } from 'vitest';
import { auditLogPlugin } from '../../src/discord/plugins/audit-log.ts';
import { campaignsPlugin } from '../../src/discord/plugins/campaigns.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import type { EmojiInput } from '../../testkit/fake-discord/index.ts';
import type { BotWorld } from '../../testkit/bot.ts';
import { sqliteOf } from './engines.ts';

/**
 * The real plugins, with a short audit interval, scheduler re-check and index reload so
 * tests run fast.
 */
export const fastPlugins = () => [
  interactionsPlugin(),
  auditLogPlugin({ intervalMs: 150 }),
  campaignsPlugin({ maxTimerMs: 50, refreshMs: 50 }),
];

export const FIRE = '🔥';
export const DAY = 86_400_000;

/** Campaign helpers over a started world. */
export function campaignKit(w: BotWorld) {
  const s = () => w.app.services;
  let n = 0;
  const kit = {
    balance: (userId: string) => s().ledger.reads.standing(w.guildId, userId).balance,
    /** Adds `count` members (joined long ago unless told). */
    members(count: number, init: { roles?: string[]; joinedAt?: Date; prefix?: string } = {}): string[] {
      return Array.from({ length: count }, () => {
        n++;
        return w.fake.addMember(w.guildId, {
          username: `${init.prefix ?? 'm'}${n}`,
          roles: init.roles,
          joinedAt: init.joinedAt ?? new Date(Date.now() - 400 * DAY),
        }).userId;
      });
    },
    /** A message posted long ago that the bot never saw (not in any cache). */
    oldMessage(content = 'Tell us what you think of the launch!'): string {
      return w.fake.postMessage(w.channelId, {
        authorId: w.users.alice,
        content,
        silent: true,
        createdAt: new Date(Date.now() - 30 * DAY),
      });
    },
    link: (messageId: string) => `https://discord.com/channels/${w.guildId}/${w.channelId}/${messageId}`,
    react(messageId: string, userId: string, emoji: EmojiInput = FIRE, silent = false) {
      return w.fake.addReaction({ channelId: w.channelId, messageId, userId, emoji, silent });
    },
    unreact(messageId: string, userId: string, emoji: EmojiInput = FIRE, silent = false) {
      return w.fake.removeReaction({ channelId: w.channelId, messageId, userId, emoji, silent });
    },
    async start(options: Record<string, string | number | boolean>) {
      const handle = w.slash(w.users.mod, 'sparks-admin campaign start', options);
      return handle.final();
    },
    campaign: (id: number) => s().campaigns.byId(id)!,
    campaignOn: (messageId: string) =>
      s()
        .campaigns.list(w.guildId, 100)
        .map((x) => x.campaign)
        .find((c) => c.messageId === messageId),
    /**
     * Reacts with a fresh eligible member and waits for their grant: the gateway delivers
     * in order and the grant queue is FIFO, so everything sent before has been handled.
     */
    async sync(messageId: string, emoji = FIRE, init: { roles?: string[] } = {}) {
      const [probe] = kit.members(1, { ...init, prefix: 'probe' });
      kit.react(messageId, probe!, emoji);
      await expect.poll(() => kit.balance(probe!), { timeout: 10_000 }).toBeGreaterThan(0);
      return probe!;
    },
    /**
     * Waits until the bot has handled every gateway event sent so far: events arrive in
     * order, so once an interaction sent now is answered, the earlier ones were handled.
     */
    async roundTrip() {
      await w.slash(w.users.mod, 'sparks-admin campaign list').reply();
      await s().campaigns.idle();
    },
    grants: (campaignId: number) =>
      (
        sqliteOf(s().db)
          .prepare(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'campaign.grant' AND ref = ?`)
          .get(`campaign:${campaignId}`) as { n: number }
      ).n,
    logMessages: () => w.fake.channelMessages(w.logChannelId),
  };
  return kit;
}
