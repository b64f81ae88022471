/**
 * Quests on PostgreSQL with two writers in two processes (tests/pg/quest-racer.ts), each its
 * own facade on one database, answering a quiz at the same moment. Each write pauses just
 * after it read the quest's row, so without the row lock both would decide on the same
 * read. A completion is rewarded exactly once: one member completing in both processes is
 * paid once; a quest capped at one completion pays one of two members and ends. The control
 * runs the capped race with the row read unlocked (read-then-write) and sees both paid:
 * what `lockForWrite` is there for.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { systemClock } from '../../src/core/clock.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { QuestService } from '../../src/quests/quests.ts';
import { freshDatabase, type TestDatabase } from '../testkit/postgres.ts';

const G = '200000000000000001';
const MOD = '100000000000000001';
let database: TestDatabase;
let db: PgSyncDb;
let quests: QuestService;
let ledger: Ledger;

beforeAll(async () => {
  database = await freshDatabase();
  db = openPgSync(database.url);
  ledger = new Ledger({ db, clock: systemClock });
  quests = new QuestService({
    db,
    ledger,
    clock: systemClock,
    audit: new AuditQueue(),
    grants: new GrantQueue({ db, logger: silentLogger }),
  });
});
afterAll(async () => {
  db?.close();
  await database?.drop();
});

let n = 0;
function quiz(maxCompletions: number | null) {
  const q = quests.create({ guildId: G, name: `Race ${++n}`, sparks: 50, moderatorId: MOD, maxCompletions });
  const { step } = quests.addStep(G, String(q.id), { kind: 'quiz', prompt: '2 + 2?', answers: '4' });
  quests.publish(G, q.name, MOD);
  return { questId: q.id, stepId: step.id };
}

interface Answer {
  completed?: boolean;
  error?: string;
  retries: number;
}

/** Both processes answer at once: `users[k]` in process k. */
async function race(
  q: { questId: number; stepId: number },
  users: readonly [string, string],
  lock: 'on' | 'off',
): Promise<Answer[]> {
  const children = users.map((userId) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'quest-racer.ts'),
        database.url,
        G,
        String(q.questId),
        String(q.stepId),
        userId,
        '400',
        lock,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) markReady();
    });
    const result = new Promise<Answer>((resolve, reject) =>
      child.on('exit', (code) => {
        const last = out.trim().split('\n').at(-1) ?? '';
        if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as Answer);
        else reject(new Error(`racer exited with ${code}: ${err || out}`));
      }),
    );
    void result.catch(() => markReady());
    return { child, ready, result };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.result));
}

const one = (sql: string, params: unknown[]) => db.query<{ n: number }>(sql, params)[0]!.n;
const completions = (questId: number) =>
  one('SELECT COUNT(*) AS n FROM quest_completions WHERE quest_id = $1', [questId]);
const entries = (questId: number) =>
  one(`SELECT COUNT(*) AS n FROM transfers WHERE ref = $1 AND kind = 'award'`, [`quest:${questId}`]);

describe('a quest completion on PostgreSQL, two processes at once', () => {
  it('one member completing in both processes is rewarded exactly once', async () => {
    const q = quiz(null);
    const results = await race(q, ['500000000000000001', '500000000000000001'], 'on');
    expect(results.map((r) => String(r.completed ?? r.error)).sort()).toEqual([
      'SPARKS.QUEST_COMPLETED',
      'true',
    ]);
    expect(completions(q.questId)).toBe(1);
    expect(entries(q.questId)).toBe(1);
    expect(quests.byId(q.questId)).toMatchObject({ completions: 1, granted: 50, status: 'published' });
    expect(ledger.reads.standing(G, '500000000000000001').balance).toBe(50);
  }, 60_000);

  it('a quest capped at one completion pays one of two members, and ends', async () => {
    const q = quiz(1);
    const results = await race(q, ['500000000000000002', '500000000000000003'], 'on');
    expect(results.map((r) => String(r.completed ?? r.error)).sort()).toEqual([
      'SPARKS.QUEST_CLOSED',
      'true',
    ]);
    expect(completions(q.questId)).toBe(1);
    expect(entries(q.questId)).toBe(1);
    expect(quests.byId(q.questId)).toMatchObject({
      completions: 1,
      granted: 50,
      status: 'ended',
      endReason: 'cap',
    });
  }, 60_000);

  it('control: with the row read unlocked (read-then-write) both members are paid past the cap', async () => {
    const q = quiz(1);
    const results = await race(q, ['500000000000000004', '500000000000000005'], 'off');
    expect(results.map((r) => r.completed)).toEqual([true, true]);
    expect(completions(q.questId)).toBe(2);
    expect(quests.byId(q.questId)).toMatchObject({ completions: 2, granted: 100 });
  }, 60_000);
});
