/**
 * Quest prerequisites on PostgreSQL with two writers in two bot processes (issue 22): a
 * moderator links A→B while another links B→A. Each alone sees no cycle; at READ COMMITTED
 * both would commit one unless the guild's prerequisite edits take turns, which
 * `lockPrerequisites` (a transaction-level advisory lock keyed by guild) makes them do: the
 * second's cycle check, in the service, then reads the first's link and refuses it with the
 * error a moderator gets when the two come one after the other.
 *
 * The rounds race two long-lived racers (prerequisite-racer.ts) by a go line each, every
 * write held open between its check and its link; the control runs them without the lock
 * and sees a cycle committed. The last two run the worst interleaving for certain
 * (races-kit.ts): the second waits on the lock, and another guild's edit does not.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { systemClock } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import type { PgSyncDb } from '../../src/db/pg/sync.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { QuestService } from '../../src/quests/quests.ts';
import type { CycleOutcome, CycleRound } from './prerequisite-racer.ts';
import { race, sharedDatabase } from './races-kit.ts';

const MOD = '100000000000000001';
const ROUNDS = 20;
/** How long each racer's write stays open between its cycle check and its link. */
const PAUSE_MS = 60;

let shared: Awaited<ReturnType<typeof sharedDatabase>>;
let db: PgSyncDb;
let quests: QuestService;

beforeAll(async () => {
  shared = await sharedDatabase();
  db = shared.db;
  quests = new QuestService({
    db,
    ledger: new Ledger({ db, clock: systemClock }),
    clock: systemClock,
    audit: new AuditQueue(),
    grants: new GrantQueue({ db, logger: silentLogger }),
  });
});
afterAll(async () => {
  await shared?.close();
});

/** A racer process (prerequisite-racer.ts) and its answers, one per round it was sent. */
class Racer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private out = '';
  private err = '';
  private exited: Error | null = null;

  constructor(guildId: string, lock: 'on' | 'off') {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'prerequisite-racer.ts'),
        shared.url,
        guildId,
        String(PAUSE_MS),
        lock,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      let end: number;
      while ((end = this.out.indexOf('\n')) >= 0) {
        const line = this.out.slice(0, end);
        this.out = this.out.slice(end + 1);
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(line);
        else this.lines.push(line);
      }
    });
    this.child.on('exit', (code) => {
      this.exited = new Error(`racer exited with ${code}: ${this.err}`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.exited);
    });
  }

  private line(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async ready(): Promise<void> {
    expect(await this.line()).toBe('ready');
  }

  send(round: CycleRound): void {
    this.child.stdin.write(`${JSON.stringify(round)}\n`);
  }

  async answer(): Promise<CycleOutcome> {
    return JSON.parse(await this.line()) as CycleOutcome;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

const draft = (guildId: string, name: string) =>
  quests.create({ guildId, name, sparks: 50, moderatorId: MOD });

/** The guild's quests whose prerequisite chain comes back to them. */
function inCycles(guildId: string): number[] {
  const pre = new Map(
    db
      .query<{ id: number; pre: number | null }>(
        'SELECT id, prerequisite_id AS pre FROM quests WHERE guild_id = $1',
        [guildId],
      )
      .map((r) => [Number(r.id), r.pre === null ? null : Number(r.pre)]),
  );
  return [...pre.keys()].filter((start) => {
    let at = pre.get(start) ?? null;
    for (let hops = 0; at !== null && hops <= pre.size; hops++) {
      if (at === start) return true;
      at = pre.get(at) ?? null;
    }
    return false;
  });
}

/** What a moderator gets linking B→A after A→B, one after the other. */
function sequentialRefusal(guildId: string): CycleOutcome {
  const a = draft(guildId, 'Sequential A');
  const b = draft(guildId, 'Sequential B');
  quests.setPrerequisite(guildId, a.name, b.name);
  try {
    quests.setPrerequisite(guildId, b.name, a.name);
  } catch (e) {
    if (isSparksError(e)) return { outcome: e.code, params: { ...e.params } };
    throw e;
  }
  throw new Error('B→A after A→B was not refused');
}

const METHODS: readonly (readonly [CycleRound['method'], CycleRound['method']])[] = [
  ['set', 'set'],
  ['set', 'update'],
  ['update', 'set'],
  ['update', 'update'],
];

/** `rounds` races of A→B (racer one) against B→A (racer two), each on two new drafts. */
async function rounds(guildId: string, lock: 'on' | 'off', count: number) {
  const racers = [new Racer(guildId, lock), new Racer(guildId, lock)] as const;
  try {
    await Promise.all(racers.map((r) => r.ready()));
    const results = [];
    for (let n = 0; n < count; n++) {
      const a = draft(guildId, `A${n}`);
      const b = draft(guildId, `B${n}`);
      const [one, two] = METHODS[n % METHODS.length]!;
      racers[0].send({ method: one, quest: a.name, prerequisite: b.name });
      racers[1].send({ method: two, quest: b.name, prerequisite: a.name });
      const [ab, ba] = await Promise.all(racers.map((r) => r.answer()));
      results.push({ a: quests.byId(a.id)!, b: quests.byId(b.id)!, ab: ab!, ba: ba! });
    }
    return results;
  } finally {
    await Promise.all(racers.map((r) => r.stop()));
  }
}

describe('quest prerequisites on PostgreSQL, two processes linking at once', () => {
  it('A→B against B→A, many rounds: one links, the other gets the cycle refusal; no cycle', async () => {
    const G = '200000000000000001';
    const refusal = sequentialRefusal(G);
    expect(refusal).toMatchObject({
      outcome: 'SPARKS.QUEST_INVALID',
      params: { reasonKey: 'quest.invalid.prerequisite_cycle', name: 'Sequential A' },
    });
    for (const { a, b, ab, ba } of await rounds(G, 'on', ROUNDS)) {
      expect([ab.outcome, ba.outcome].sort()).toEqual(['SPARKS.QUEST_INVALID', 'ok']);
      const [loser, winner, linked] = ab.outcome === 'ok' ? [ba, a, a] : [ab, b, b];
      // The refusal a moderator sees one after the other, naming the loser's prerequisite.
      expect(loser).toEqual({
        outcome: refusal.outcome,
        params: { ...refusal.params, name: winner.name },
      });
      expect(linked.prerequisiteId).toBe(linked === a ? b.id : a.id);
      expect((linked === a ? b : a).prerequisiteId).toBeNull();
    }
    expect(inCycles(G)).toEqual([]);
  }, 120_000);

  it('control: without the lock, some round commits both links, a cycle', async () => {
    const G = '200000000000000002';
    const results = await rounds(G, 'off', 6);
    const both = results.filter(({ ab, ba }) => ab.outcome === 'ok' && ba.outcome === 'ok');
    expect(both.length).toBeGreaterThan(0);
    expect(inCycles(G).length).toBeGreaterThanOrEqual(2 * both.length);
  }, 120_000);

  it('the second writer waits on the guild’s lock, then is refused', async () => {
    const G = '200000000000000003';
    const a = draft(G, 'Lock A');
    const b = draft(G, 'Lock B');
    const { first, second, blockedIn } = await race(
      db,
      shared.url,
      () => quests.setPrerequisite(G, a.name, b.name),
      'quest-prerequisite',
      { guildId: G, quest: b.name, prerequisite: a.name },
    );
    expect(first.prerequisiteId).toBe(b.id);
    expect(blockedIn).toContain('pg_advisory_xact_lock');
    expect(second).toEqual({
      outcome: 'SPARKS.QUEST_INVALID',
      reasonKey: 'quest.invalid.prerequisite_cycle',
    });
    expect(quests.byId(b.id)!.prerequisiteId).toBeNull();
    expect(inCycles(G)).toEqual([]);
  }, 90_000);

  it('another guild’s prerequisite edit does not wait for it', async () => {
    const G = '200000000000000004';
    const OTHER = '200000000000000005';
    const a = draft(G, 'Here A');
    const b = draft(G, 'Here B');
    const c = draft(OTHER, 'There C');
    const d = draft(OTHER, 'There D');
    const { second, blockedIn } = await race(
      db,
      shared.url,
      () => quests.setPrerequisite(G, a.name, b.name),
      'quest-prerequisite',
      { guildId: OTHER, quest: c.name, prerequisite: d.name },
    );
    expect(blockedIn).toBeNull();
    expect(second).toEqual({ outcome: 'ok' });
    expect(quests.byId(a.id)!.prerequisiteId).toBe(b.id);
    expect(quests.byId(c.id)!.prerequisiteId).toBe(d.id);
  }, 90_000);
});
