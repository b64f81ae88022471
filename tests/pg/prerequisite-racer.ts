/**
 * One process of tests/pg/races-quest-prerequisites.test.ts: its own synchronous facade on the test's
 * database and a QuestService over it, kept for many rounds. It prints `ready`, then for
 * each line on stdin — `{ method, quest, prerequisite }`, the round's go — links the quest
 * to its prerequisite (`set`: setPrerequisite, as /sparks-admin and the dashboard's
 * prerequisite form do; `update`: the dashboard's editor) and prints one JSON line: `ok`, or
 * the SparksError's code and params. It exits when stdin ends.
 *
 * `pauseMs` holds each write for that long just before it writes the link, after its cycle
 * check read the chain, so the other process checks meanwhile if nothing makes it wait.
 * `lock=off` makes `lockPrerequisites` do nothing: the control that shows what it is for.
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

export interface CycleRound {
  method: 'set' | 'update';
  quest: string;
  prerequisite: string;
}

export interface CycleOutcome {
  outcome: string;
  params?: Record<string, unknown>;
}

const [url = '', guildId = '', pauseMs = '0', lock = 'on'] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const proto = PgQuestStore.prototype;
const updateDraft = Object.getOwnPropertyDescriptor(proto, 'updateDraft')!
  .value as PgQuestStore['updateDraft'];
proto.updateDraft = function (this: PgQuestStore, ...args: Parameters<PgQuestStore['updateDraft']>) {
  Atomics.wait(pause, 0, 0, Number(pauseMs));
  return updateDraft.apply(this, args);
};
if (lock === 'off') proto.lockPrerequisites = () => undefined;

const db = openPgSync(url, { migrate: false });
const quests = new QuestService({
  db,
  ledger: new Ledger({ db, clock: systemClock }),
  clock: systemClock,
  audit: new AuditQueue(),
  grants: new GrantQueue({ db, logger: silentLogger }),
});

function run(round: CycleRound): CycleOutcome {
  try {
    if (round.method === 'set') quests.setPrerequisite(guildId, round.quest, round.prerequisite);
    else
      quests.update(guildId, round.quest, {
        name: round.quest,
        sparks: 50,
        prerequisite: round.prerequisite,
      });
    return { outcome: 'ok' };
  } catch (e) {
    if (!isSparksError(e)) throw e;
    return { outcome: e.code, params: { ...e.params } };
  }
}

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  process.stdout.write(`${JSON.stringify(run(JSON.parse(line) as CycleRound))}\n`);
}
db.close();
