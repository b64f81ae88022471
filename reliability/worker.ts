/**
 * One worker process for the reliability scenarios: it runs a command through the
 * production code (Ledger, AwardService on the real database file) and prints a JSON
 * result line. Started by scenarios.ts, several at once, standing in for shards.
 */
import { openDatabase } from '../src/db/open.ts';
import { isSparksError } from '../src/ledger/errors.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { AwardService } from '../src/moderation/awards.ts';
import { SettingsService } from '../src/settings/settings.ts';

type Command =
  | { op: 'spend'; db: string; guild: string; user: string; amount: number; count: number; tag: string }
  | { op: 'award'; db: string; guild: string; moderator: string; amount: number; count: number; tag: string }
  | {
      op: 'award-once';
      db: string;
      guild: string;
      moderator: string;
      user: string;
      amount: number;
      key: string;
    };

const DEFAULTS = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

const cmd = JSON.parse(process.argv[2]!) as Command;
const db = openDatabase(cmd.db, { migrate: false });
const ledger = new Ledger(db);
const awards = new AwardService(db, ledger, new SettingsService(db, DEFAULTS), Date.now);
const counts: Record<string, number> = { ok: 0 };
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

function attempt(fn: () => unknown): void {
  try {
    fn();
    bump('ok');
  } catch (e) {
    if (isSparksError(e)) bump(e.code);
    else if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) bump('busy');
    else throw e;
  }
}

switch (cmd.op) {
  case 'spend':
    for (let i = 0; i < cmd.count; i++) {
      attempt(() =>
        ledger.hold({
          guildId: cmd.guild,
          userId: cmd.user,
          amount: cmd.amount,
          key: `${cmd.tag}-${i}`,
          actor: { type: 'member', id: cmd.user },
        }),
      );
    }
    break;
  case 'award':
    for (let i = 0; i < cmd.count; i++) {
      attempt(() =>
        awards.award({
          guildId: cmd.guild,
          moderatorId: cmd.moderator,
          userId: `m${i % 20}`,
          amount: cmd.amount,
          reason: 'load',
          key: `${cmd.tag}-${i}`,
        }),
      );
    }
    break;
  case 'award-once':
    attempt(() =>
      awards.award({
        guildId: cmd.guild,
        moderatorId: cmd.moderator,
        userId: cmd.user,
        amount: cmd.amount,
        reason: 'crash test',
        key: cmd.key,
      }),
    );
    break;
}
db.close();
console.log(JSON.stringify(counts));
