import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { formatReport, verifyLedger } from '../../src/db/verify.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { RewardRow } from '../../src/shop/rewards.ts';
import {
  buttons,
  text,
  type InteractionHandle,
  type OptionValue,
  type ResponseView,
} from '../fake-discord/index.ts';
import type { BotWorld } from './bot.ts';

export const ROLE_ROUTE = '/guilds/:g/members/:u/roles/:r';

/** Mints Sparks for a member straight through the ledger (the award command is tested elsewhere). */
export function fund(w: BotWorld, userId: string, amount: number): void {
  w.app.services.ledger.credit({
    guildId: w.guildId,
    userId,
    source: 'award',
    kind: 'award',
    amount,
    key: `test-fund:${userId}:${Math.random()}`,
    actor: { type: 'moderator', id: w.users.mod },
    reason: 'test',
  });
}

export const balanceOf = (w: BotWorld, userId: string) =>
  w.app.services.ledger.reads.standing(w.guildId, userId).balance;
export const hasRole = (w: BotWorld, userId: string, roleId: string) =>
  w.fake.memberRoles(w.guildId, userId)?.includes(roleId) ?? false;

/** `/sparks-admin reward add` as the moderator; returns the stored reward. */
export async function addReward(
  w: BotWorld,
  options: Record<string, OptionValue> & { name: string; cost: number; kind: string },
): Promise<RewardRow> {
  const reply = await w.slash(w.users.mod, 'sparks-admin reward add', options).final();
  expect(text(reply), text(reply)).toContain(`Added **${options.name}**`);
  return w.app.services.rewards.find(w.guildId, options.name);
}

export interface Confirmation {
  handle: InteractionHandle;
  reply: ResponseView;
  messageId: string;
  confirmId: string;
  cancelId: string;
}

/** `/sparks redeem reward:<value>` → the private confirmation with its buttons. */
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

export function click(w: BotWorld, userId: string, messageId: string, customId: string, force = false) {
  return w.fake.clickButton({ channelId: w.channelId, userId, messageId, customId, force });
}

/** Opens the confirmation, presses Confirm, and returns what the member finally reads. */
export async function redeem(w: BotWorld, userId: string, reward: string): Promise<string> {
  const c = await openConfirmation(w, userId, reward);
  return text(await click(w, userId, c.messageId, c.confirmId).final());
}

/** Every audit event recorded from now on (whoever else takes them off the queue). */
export function captureAudit(w: BotWorld): AuditEvent[] {
  const seen: AuditEvent[] = [];
  const audit = w.app.services.audit;
  const record = audit.record.bind(audit);
  audit.record = (event) => {
    seen.push(event);
    record(event);
  };
  return seen;
}

export function expectLedgerClean(w: BotWorld): void {
  const report = verifyLedger(w.app.services.db.sqlite);
  expect(report.ok, formatReport(report)).toBe(true);
}

export function redemptionsOf(w: BotWorld, rewardId: number) {
  return w.app.services.db.sqlite
    .prepare(
      'SELECT id, user_id AS userId, status, failure_code AS failureCode FROM redemptions WHERE reward_id = ? ORDER BY id',
    )
    .all(rewardId) as { id: number; userId: string; status: string; failureCode: string | null }[];
}

/** Looks at the database file while the bot is stopped (its own connection is closed). */
export function offline<T>(w: BotWorld, fn: (db: Db, ledger: Ledger) => T): T {
  const db = openDatabase(w.config.databasePath, { migrate: false });
  try {
    return fn(db, new Ledger({ db }));
  } finally {
    db.close();
  }
}
