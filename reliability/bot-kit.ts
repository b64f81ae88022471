/**
 * Helpers for the reliability scenarios that run the real bot against the fake Discord
 * (tests/helpers/bot.ts's world). Plain functions that throw on surprise, so the same
 * scenarios run under vitest and under `npm run reliability`.
 */
import { formatReport, verifyLedger } from '../src/db/verify.ts';
import type { RewardRow } from '../src/shop/rewards.ts';
import { buttons, text, type InteractionHandle, type OptionValue } from '../tests/fake-discord/index.ts';
import type { BotWorld } from '../tests/helpers/bot.ts';

export const ROLE_ROUTE = '/guilds/:g/members/:u/roles/:r';

export function fund(w: BotWorld, userId: string, amount: number, key: string): void {
  w.app.services.ledger.credit({
    guildId: w.guildId,
    userId,
    source: 'award',
    kind: 'award',
    amount,
    key,
    actor: { type: 'moderator', id: w.users.mod },
    reason: 'reliability',
  });
}

export const balanceOf = (w: BotWorld, userId: string) =>
  w.app.services.ledger.reads.standing(w.guildId, userId).balance;

export const hasRole = (w: BotWorld, userId: string, roleId: string) =>
  w.fake.memberRoles(w.guildId, userId)?.includes(roleId) ?? false;

/** `/sparks-admin reward add` as the moderator; the stored reward. */
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
  messageId: string;
  confirmId: string;
  cancelId: string;
}

/** `/sparks redeem reward:<name>` → the private confirmation and its buttons. */
export async function openConfirmation(w: BotWorld, userId: string, reward: string): Promise<Confirmation> {
  const handle = w.slash(userId, 'sparks redeem', { reward });
  const reply = await handle.reply();
  const found = buttons(reply);
  const confirm = found.find((b) => b.customId?.startsWith('shop-confirm:'))?.customId;
  const cancel = found.find((b) => b.customId?.startsWith('shop-cancel:'))?.customId;
  if (!confirm || !cancel || !handle.originalMessageId) throw new Error(`no confirmation: ${text(reply)}`);
  return { handle, messageId: handle.originalMessageId, confirmId: confirm, cancelId: cancel };
}

export function click(w: BotWorld, userId: string, messageId: string, customId: string, force = false) {
  return w.fake.clickButton({ channelId: w.channelId, userId, messageId, customId, force });
}

/** '' when verifyLedger (integrity_check included) is clean, else its report. */
export function verifyProblems(w: BotWorld): string {
  const report = verifyLedger(w.app.services.db.sqlite);
  return report.ok ? '' : formatReport(report);
}

/** Log lines at error level or above (pino: 50 = error, 60 = fatal). */
export const errorLogs = (w: BotWorld) => w.logs.filter((l) => l.level >= 50);

/** Counts of every table a hostile input must not write to. */
export function rowCounts(w: BotWorld): Record<string, number> {
  const db = w.app.services.db.sqlite;
  const tables = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  return Object.fromEntries(
    tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n]),
  );
}
