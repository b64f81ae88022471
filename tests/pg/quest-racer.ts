/**
 * One process of tests/pg/quest-race.test.ts: its own synchronous facade on the test's
 * database, and a QuestService over it. It prints `ready`, waits for `go` on stdin (so both
 * processes start at once), answers a quiz step of a quest for a member, and prints one JSON
 * line: what the service answered. `pauseMs` holds each write for that long just after it
 * read the quest's row (so the other process reads meanwhile, if it can); `lock=off` reads
 * that row without its lock — read-then-write, the control that shows what the lock is for.
 */
import { createInterface } from 'node:readline';
import { AuditQueue } from '../../src/audit.ts';
import { systemClock } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { PgQuestStore } from '../../src/db/pg/quest-store.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { QuestService } from '../../src/quests/quests.ts';

const [url, guildId, questId, stepId, userId, pauseMs, lock] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const proto = PgQuestStore.prototype;
const read = lock === 'off' ? 'byId' : 'lockForWrite';
const locked = Object.getOwnPropertyDescriptor(proto, read)!.value as (id: number) => unknown;
proto.lockForWrite = function (this: PgQuestStore, id: number) {
  const row = locked.call(this, id) as ReturnType<PgQuestStore['lockForWrite']>;
  Atomics.wait(pause, 0, 0, Number(pauseMs));
  return row;
};

const db = openPgSync(url!, { migrate: false });
const ledger = new Ledger({ db, clock: systemClock });
const quests = new QuestService({
  db,
  ledger,
  clock: systemClock,
  audit: new AuditQueue(),
  grants: new GrantQueue({ db, logger: silentLogger }),
});
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
let result: Record<string, unknown>;
try {
  const answer = quests.answer({
    guildId: guildId!,
    questId: Number(questId),
    stepId: Number(stepId),
    userId: userId!,
    answer: '4',
    facts: { userId: userId!, roleIds: [], joinedAt: Date.now() - 400 * 86_400_000 },
  });
  result = { completed: answer.completed, retries: db.retries };
} catch (e) {
  if (!isSparksError(e)) throw e;
  result = { error: e.code, retries: db.retries };
}
// What follows the commit (the cap's end, the listeners) runs on the next turn: let it.
await new Promise((resolve) => setImmediate(resolve));
db.close();
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
