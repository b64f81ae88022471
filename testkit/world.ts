/**
 * What tests, the reliability scenarios and the demo do to a started world (bot.ts's
 * startWorld) besides typing commands: fund a member, read a balance or a role, add a
 * reward, open and press the redeem confirmation. Plain functions that throw on surprise,
 * so they serve under vitest and outside it alike.
 */
import { randomUUID } from 'node:crypto';
import type { RewardRow } from '../src/shop/rewards.ts';
import type { BotWorld } from './bot.ts';
import {
  buttons,
  text,
  type InteractionHandle,
  type OptionValue,
  type ResponseView,
} from './fake-discord/index.ts';

/** The fake's route pattern for adding or removing a member's role (for faults and requests). */
export const ROLE_ROUTE = '/guilds/:g/members/:u/roles/:r';

/**
 * Mints Sparks for a member straight through the ledger, as a moderator's award (the award
 * command is tested elsewhere). `key` makes it idempotent; without one every call credits.
 */
export function fund(
  w: BotWorld,
  userId: string,
  amount: number,
  key = `fund:${userId}:${randomUUID()}`,
): void {
  w.app.services.ledger.credit({
    guildId: w.guildId,
    userId,
    source: 'award',
    kind: 'award',
    amount,
    key,
    actor: { type: 'moderator', id: w.users.mod },
    reason: 'test',
  });
}

export const balanceOf = (w: BotWorld, userId: string) =>
  w.app.services.ledger.reads.standing(w.guildId, userId).balance;

export const hasRole = (w: BotWorld, userId: string, roleId: string) =>
  w.fake.memberRoles(w.guildId, userId)?.includes(roleId) ?? false;

/**
 * `/sparks-admin reward add` as the moderator; the stored reward.
 * Throws with the bot's reply when it did not confirm the reward.
 */
export async function addReward(
  w: BotWorld,
  options: Record<string, OptionValue> & { name: string },
): Promise<RewardRow> {
  const reply = text(await w.slash(w.users.mod, 'sparks-admin reward add', options).final());
  if (!reply.includes(`Added **${options.name}**`)) throw new Error(`reward add: ${reply}`);
  return w.app.services.rewards.find(w.guildId, options.name);
}

export interface Confirmation {
  handle: InteractionHandle;
  reply: ResponseView;
  messageId: string;
  confirmId: string;
  cancelId: string;
}

/**
 * `/sparks redeem reward:<value>` → the private confirmation with its buttons.
 * Throws when the reply has no Confirm and Cancel buttons.
 */
export async function openConfirmation(
  w: BotWorld,
  userId: string,
  reward: string,
  extra: { locale?: string } = {},
): Promise<Confirmation> {
  const handle = w.slash(userId, 'sparks redeem', { reward }, extra);
  const reply = await handle.reply();
  const found = buttons(reply);
  const confirm = found.find((b) => b.customId?.startsWith('shop-confirm:'));
  const cancel = found.find((b) => b.customId?.startsWith('shop-cancel:'));
  if (!confirm?.customId || !cancel?.customId || !handle.originalMessageId)
    throw new Error(`no confirmation: ${text(reply)}`);
  return {
    handle,
    reply,
    messageId: handle.originalMessageId,
    confirmId: confirm.customId,
    cancelId: cancel.customId,
  };
}

/** `userId` presses a button on a message in the world's channel (`force`: even if it is not there). */
export function click(w: BotWorld, userId: string, messageId: string, customId: string, force = false) {
  return w.fake.clickButton({ channelId: w.channelId, userId, messageId, customId, force });
}
