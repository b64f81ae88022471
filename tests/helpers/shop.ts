import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { formatReport, verifyLedger } from '../../src/db/verify.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import type { BotWorld } from '../../testkit/bot.ts';
import { addReward, click, fund, openConfirmation } from '../../testkit/world.ts';
import { sqliteOf } from './engines.ts';

// The world actions live in testkit/ (reliability uses them too); tests import them here.
export {
  ROLE_ROUTE,
  addReward,
  balanceOf,
  click,
  fund,
  hasRole,
  openConfirmation,
  type Confirmation,
} from '../../testkit/world.ts';

let scenarios = 0;
/**
 * A fresh member with 1,000 Sparks, a fresh safe role below the bot, and a role reward for
 * it (300 Sparks unless told); names are numbered per test file.
 */
export async function roleRewardScenario(
  w: BotWorld,
  options: { cost?: number; stock?: number; duration?: string } = {},
) {
  scenarios += 1;
  const n = scenarios;
  const member = w.fake.addMember(w.guildId, { username: `member${n}` }).userId;
  fund(w, member, 1000);
  const role = w.fake.createRole(w.guildId, { name: `Perk ${n}`, position: 2 });
  const reward = await addReward(w, {
    name: `Perk ${n}`,
    cost: options.cost ?? 300,
    kind: 'role',
    role: role.id,
    ...(options.stock !== undefined ? { stock: options.stock } : {}),
    ...(options.duration ? { duration: options.duration } : {}),
  });
  return { member, role, reward };
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
  const report = verifyLedger(w.app.services.db);
  expect(report.ok, formatReport(report)).toBe(true);
}

export function redemptionsOf(w: BotWorld, rewardId: number) {
  return sqliteOf(w.app.services.db)
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
