import { afterEach, describe, expect, it } from 'vitest';
import { membersStore } from '../../src/db/pg/members-store.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { AuditQueue } from '../../src/audit.ts';
import { DAY_MS, HOUR_MS } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { ISSUANCE, Ledger } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { PlatformService, type PlatformFact } from '../../src/platform/service.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { QuestService, type CreateQuestInput, type QuestRow } from '../../src/quests/quests.ts';
import type { StepInput } from '../../src/quests/steps.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { fakeClock, freshDb, G } from '../helpers/db.ts';
import { engineDbs, ENGINES, sqliteEnv, type Engine } from '../helpers/engines.ts';
import { DEFAULTS } from '../helpers/platform.ts';

const MOD = '100000000000000001';
const CHANNEL = '300000000000000001';
const ROLE = '600000000000000001';
const fresh = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

/**
 * A quest service on `engine` (the burst test's SQLite database is a file, as in
 * production). The webhook's PlatformService is SQLite's until its twin lands: the platform
 * steps through it run on SQLite; on both engines they are fed as facts.
 */
function setup(engine: Engine = 'sqlite', options: { file?: boolean } = {}) {
  const file = engine === 'sqlite' && options.file ? freshDb({ file: true }) : null;
  const env = file ? sqliteEnv(file, file.cleanup) : fresh(engine);
  cleanup = env.cleanup;
  const db = env.db;
  const clock = fakeClock();
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  const grants = new GrantQueue({ db, logger: silentLogger });
  const quests = new QuestService({ db, ledger, clock, audit, grants });
  const platform =
    env.engine === 'sqlite' && file === null
      ? new PlatformService({
          db: env.db,
          ledger,
          settings: new SettingsService({ db, defaults: DEFAULTS }),
        })
      : null;
  platform?.onApplied((fact) => quests.recordPlatform(fact));
  let message = 400000000000000000n;
  const create = (input: Partial<CreateQuestInput> = {}) =>
    quests.create({ guildId: G, name: `Quest ${++message}`, sparks: 50, moderatorId: MOD, ...input });
  const step = (q: QuestRow, input: StepInput) => quests.addStep(G, String(q.id), input).step;
  const reaction = (q: QuestRow) =>
    step(q, { kind: 'reaction', channelId: CHANNEL, messageId: String(++message), emoji: '🔥' });
  const user = (i: number) => String(500000000000000000n + BigInt(i));
  const balance = (userId: string) => ledger.reads.standing(G, userId).balance;
  const ok = () => expect(env.verify().problems).toEqual([]);
  const target = (q: QuestRow, stepId: number) => ({
    questId: q.id,
    stepId,
    guildId: G,
    startsAt: q.startsAt,
    endsAt: q.endsAt,
    gates: {
      requiredRoleId: q.requiredRoleId,
      minMemberDays: q.minMemberDays,
      minAccountDays: q.minAccountDays,
      verifiedWallet: false,
    },
    hasRoleStep: false,
  });
  const facts = (userId: string, roleIds: string[] = []) => ({
    userId,
    roleIds,
    joinedAt: clock() - 400 * DAY_MS,
  });
  let eventSeq = 0;
  const platformEvent = (body: Record<string, unknown>, id = `evt_${++eventSeq}`) => {
    const parsed = parseEvent({ occurred_at: new Date(clock()).toISOString(), guild_id: G, ...body }, G);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    if (!platform) throw new Error('the webhook path runs on SQLite');
    return platform.apply(id, parsed.event);
  };
  const count = (sql: string) => Number(env.rows(sql)[0]!.n);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    env,
    db,
    clock,
    ledger,
    audit,
    quests,
    grants,
    create,
    step,
    reaction,
    user,
    balance,
    ok,
    target,
    facts,
    platformEvent,
    count,
    settle,
  };
}

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e)) return e.params.reasonKey ?? e.code;
    throw e;
  }
  return 'no error';
}

describe.each(ENGINES)('quests on %s', (engine) => {
  describe('building quests: bad input is refused and nothing is written', () => {
    it.each<[string, Partial<CreateQuestInput>, string]>([
      ['an end before the start', { startsIn: '2h', endsIn: '1h' }, 'quest.invalid.window'],
      ['an end at the start', { startsIn: '1h', endsIn: '1h' }, 'quest.invalid.window'],
      ['an unknown recurrence', { recurrence: 'hourly' }, 'quest.invalid.recurrence'],
      ['a bad duration', { startsIn: 'soon' }, 'quest.invalid.starts_in'],
      ['an empty name', { name: '   ' }, 'quest.invalid.name'],
      ['zero Sparks', { sparks: 0 }, 'SPARKS.INVALID_AMOUNT'],
      ['a cap of 0', { maxCompletions: 0 }, 'quest.invalid.max_completions'],
      ['an unknown prerequisite', { prerequisite: 'Nope' }, 'SPARKS.QUEST_NOT_FOUND'],
    ])('%s', (_name, input, key) => {
      const t = setup(engine);
      expect(reasonOf(() => t.create(input))).toBe(key);
      expect(t.count('SELECT COUNT(*) AS n FROM quests')).toBe(0);
    });

    it('a name is unique among live quests, case-insensitively', () => {
      const t = setup(engine);
      t.create({ name: 'Daily GM' });
      expect(reasonOf(() => t.create({ name: 'daily  gm' }))).toBe('quest.invalid.name_taken');
    });

    it('a quiz with no accepted answer, or a step on a published quest, is refused', () => {
      const t = setup(engine);
      const q = t.create();
      expect(reasonOf(() => t.step(q, { kind: 'quiz', prompt: 'Capital of France?', answers: ' | ' }))).toBe(
        'quest.invalid.answers',
      );
      expect(t.count('SELECT COUNT(*) AS n FROM quest_steps')).toBe(0);
      expect(reasonOf(() => t.quests.publish(G, q.name, MOD))).toBe('quest.invalid.no_steps');
      t.reaction(q);
      t.quests.publish(G, q.name, MOD);
      expect(reasonOf(() => t.reaction(q))).toBe('quest.invalid.not_editable');
    });

    it('a prerequisite cycle is refused', () => {
      const t = setup(engine);
      const a = t.create({ name: 'A' });
      const b = t.create({ name: 'B', prerequisite: 'A' });
      const c = t.create({ name: 'C', prerequisite: String(b.id) });
      expect(reasonOf(() => t.quests.update(G, 'A', { name: 'A', sparks: 50, prerequisite: 'C' }))).toBe(
        'quest.invalid.prerequisite_cycle',
      );
      expect(reasonOf(() => t.quests.update(G, 'A', { name: 'A', sparks: 50, prerequisite: 'A' }))).toBe(
        'quest.invalid.prerequisite_cycle',
      );
      expect(reasonOf(() => t.quests.setPrerequisite(G, 'A', 'C'))).toBe('quest.invalid.prerequisite_cycle');
      expect(t.quests.byId(a.id)!.prerequisiteId).toBeNull();
      expect(c.prerequisiteId).toBe(b.id);
      // Moving B's prerequisite off A, then pointing A at C, is no cycle.
      expect(t.quests.setPrerequisite(G, 'B', null).prerequisiteId).toBeNull();
      expect(t.quests.setPrerequisite(G, 'A', 'C').prerequisiteId).toBe(c.id);
    });

    it('a scheduled quest is invisible until the scheduler opens it at its start', () => {
      const t = setup(engine);
      const q = t.create({ startsIn: '1h', endsIn: '3h' });
      t.reaction(q);
      expect(t.quests.publish(G, q.name, MOD).status).toBe('scheduled');
      expect(t.quests.openQuests(G)).toEqual([]);
      expect(t.quests.nextDue()).toBe(q.startsAt);
      expect(t.quests.openScheduled(q.id)).toBe(false);
      t.clock.advance(HOUR_MS);
      expect(t.quests.due().toOpen.map((x) => x.id)).toEqual([q.id]);
      expect(t.quests.openScheduled(q.id)).toBe(true);
      expect(t.quests.openScheduled(q.id)).toBe(false);
      expect(t.quests.openQuests(G).map((x) => x.id)).toEqual([q.id]);
      expect(t.quests.nextDue()).toBe(q.endsAt);
      t.clock.advance(2 * HOUR_MS);
      expect(t.quests.openQuests(G)).toEqual([]);
      expect(t.quests.due().toEnd.map((x) => x.id)).toEqual([q.id]);
      expect(t.quests.end(q.id, 'time')).toBe(true);
      expect(t.quests.end(q.id, 'time')).toBe(false);
      const kinds = t.audit.take(100).map((e) => e.kind);
      expect(kinds).toEqual(['quest.schedule', 'quest.publish', 'quest.end']);
    });

    it('the leader’s schedule and announcer see every guild; a second open or end of a due quest is a no-op', () => {
      const t = setup(engine);
      const G2 = '200000000000000002';
      const here = t.create({ startsIn: '1h', endsIn: '3h' });
      t.reaction(here);
      t.quests.publish(G, here.name, MOD);
      const there = t.quests.create({
        guildId: G2,
        name: 'Elsewhere',
        sparks: 5,
        moderatorId: MOD,
        endsIn: '30m',
        rewardRoleId: ROLE,
      });
      const quiz = t.quests.addStep(G2, String(there.id), { kind: 'quiz', prompt: 'Q?', answers: 'a' }).step;
      t.quests.publish(G2, 'Elsewhere', MOD);
      expect(t.quests.nextDue()).toBe(there.endsAt);
      t.quests.answer({
        guildId: G2,
        questId: there.id,
        stepId: quiz.id,
        userId: t.user(1),
        answer: 'a',
        facts: t.facts(t.user(1)),
      });
      expect(t.quests.unannounced().map((c) => [c.guildId, c.questId])).toEqual([[G2, there.id]]);
      t.clock.advance(2 * HOUR_MS);
      const due = t.quests.due();
      expect(due.toOpen.map((q) => q.id)).toEqual([here.id]);
      expect(due.toEnd.map((q) => q.id)).toEqual([there.id]);
      // A moderator's end in the serving process, then the leader's pass: the pass changes nothing.
      t.audit.take(100);
      expect(t.quests.end(there.id, 'moderator', MOD)).toBe(true);
      expect(t.quests.end(there.id, 'time')).toBe(false);
      expect(t.quests.byId(there.id)).toMatchObject({ status: 'ended', endReason: 'moderator' });
      expect(t.quests.openScheduled(here.id)).toBe(true);
      expect(t.quests.openScheduled(here.id)).toBe(false);
      expect(t.audit.take(100).map((e) => e.kind)).toEqual(['quest.end', 'quest.publish']);
      expect(t.quests.due().toEnd).toEqual([]);
    });
  });

  describe('reactions in bursts, through the grant queue', () => {
    it('pays each member once, in few transactions, from ISSUANCE(quest); replays pay nothing', async () => {
      const t = setup(engine, { file: true });
      const q = t.create({ sparks: 7 });
      const s = t.reaction(q);
      t.quests.publish(G, q.name, MOD);
      for (let i = 0; i < 1200; i++)
        t.quests.enqueue(t.target(q, s.id), t.user(i % 1000), t.clock(), { kind: 'reaction' }, null);
      await t.quests.idle();
      expect(t.grants.stats).toMatchObject({ granted: 1000, skipped: 200, failed: 0 });
      expect(t.grants.stats.flushes).toBeLessThanOrEqual(3);
      expect(t.quests.byId(q.id)).toMatchObject({ completions: 1000, granted: 7000 });
      expect(t.balance(t.user(0))).toBe(7);
      expect(t.ledger.reads.account(G, ISSUANCE('quest'))?.balance).toBe(-7000);
      const entry = t.ledger.reads.transferByKey(G, `quest:${q.id}:${t.user(5)}:`);
      expect(entry).toMatchObject({ kind: 'award', amount: 7, ref: `quest:${q.id}` });
      for (let i = 0; i < 10; i++)
        t.quests.enqueue(t.target(q, s.id), t.user(i), t.clock(), { kind: 'reaction' }, null);
      await t.quests.idle();
      expect(t.quests.byId(q.id)!.completions).toBe(1000);
      t.ok();
    });

    it('a daily message quest pays on two days, never twice on one', async () => {
      const t = setup(engine);
      const q = t.create({ recurrence: 'daily', sparks: 5 });
      const s = t.step(q, { kind: 'message', channelId: CHANNEL, count: 2 });
      t.quests.publish(G, q.name, MOD);
      const say = async (n: number) => {
        for (let i = 0; i < n; i++)
          t.quests.enqueue(t.target(q, s.id), t.user(1), t.clock(), { kind: 'message' }, null);
        await t.quests.idle();
      };
      await say(1);
      expect(t.balance(t.user(1))).toBe(0);
      await say(5);
      expect(t.balance(t.user(1))).toBe(5);
      t.clock.advance(DAY_MS);
      await say(1);
      expect(t.balance(t.user(1))).toBe(5);
      await say(1);
      expect(t.balance(t.user(1))).toBe(10);
      expect(t.env.rows('SELECT period FROM quest_completions ORDER BY period').map((r) => r.period)).toEqual(
        ['2026-11-24', '2026-11-25'],
      );
      t.ok();
    });

    it('a cap ends the quest in the batch that reaches it', async () => {
      const t = setup(engine);
      const q = t.create({ maxCompletions: 3 });
      const s = t.reaction(q);
      t.quests.publish(G, q.name, MOD);
      for (let i = 0; i < 10; i++)
        t.quests.enqueue(t.target(q, s.id), t.user(i), t.clock(), { kind: 'reaction' }, null);
      await t.quests.idle();
      expect(t.quests.byId(q.id)).toMatchObject({ status: 'ended', endReason: 'cap', completions: 3 });
      expect([0, 1, 2, 3].map((i) => t.balance(t.user(i)))).toEqual([50, 50, 50, 0]);
      await t.settle();
      expect(t.audit.take(100).map((e) => e.kind)).toContain('quest.end');
    });
  });

  describe('platform facts, in a write of their own', () => {
    let n = 0;
    const fact = (
      t: ReturnType<typeof setup>,
      f: Omit<PlatformFact, 'guildId' | 'eventId' | 'occurredAt'> & { occurredAt?: number },
    ) => t.quests.recordPlatform({ guildId: G, eventId: `evt_f${++n}`, occurredAt: t.clock(), ...f });

    it('trade volume sums inside the window and completes with the subscription; an earlier trade counts nothing', () => {
      const t = setup(engine);
      const q = t.create({ sparks: 100 });
      t.step(q, { kind: 'platform_trade', volumeUsd: 100 });
      t.step(q, { kind: 'platform_subscription' });
      t.clock.advance(5000);
      t.quests.publish(G, q.name, MOD);
      const alice = t.user(1);
      fact(t, { type: 'trade.executed', userId: alice, volumeCents: 9000, occurredAt: t.clock() - 4000 });
      expect(t.count('SELECT COUNT(*) AS n FROM quest_progress')).toBe(0);
      t.clock.advance(1000);
      fact(t, { type: 'trade.executed', userId: alice, volumeCents: 6000 });
      const view = () => t.quests.view(G, alice, t.quests.byId(q.id)!);
      expect(view().steps.map((s) => [s.progress.value, s.progress.done])).toEqual([
        [6000, false],
        [0, false],
      ]);
      fact(t, { type: 'trade.executed', userId: alice, volumeCents: 4000 });
      expect(view().steps.map((s) => s.progress.done)).toEqual([true, false]);
      fact(t, { type: 'subscription.started', userId: alice });
      expect(view().completion).toMatchObject({
        userId: alice,
        period: '',
        roleStatus: 'none',
        notify: 'dm',
      });
      expect(t.balance(alice)).toBe(100);
      fact(t, { type: 'subscription.started', userId: alice });
      expect(t.balance(alice)).toBe(100);
      expect(t.quests.byId(q.id)).toMatchObject({ completions: 1, granted: 100 });
      t.ok();
    });

    it('referrals count the referrer’s referrals made inside the window', () => {
      const t = setup(engine);
      const q = t.create();
      t.step(q, { kind: 'platform_referral', count: 2 });
      t.clock.advance(1000);
      t.quests.publish(G, q.name, MOD);
      const ref = t.user(1);
      const refer = (invitee: string, at: number) => {
        t.env.exec(`INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at)
          VALUES ('${G}', '${invitee}', '${ref}', 'evt_${invitee}', ${at})`);
        fact(t, { type: 'referral.registered', userId: ref });
      };
      refer(t.user(2), t.clock() - 500);
      refer(t.user(3), t.clock());
      expect(t.balance(ref)).toBe(0);
      refer(t.user(4), t.clock());
      expect(t.balance(ref)).toBe(50);
    });
  });

  describe('what members answer and submit', () => {
    it('a quiz: wrong answers spend attempts, the right one (any case, any spaces) completes', () => {
      const t = setup(engine);
      const q = t.create();
      const s = t.step(q, { kind: 'quiz', prompt: 'Capital of France?', answers: 'Paris', attempts: 2 });
      t.quests.publish(G, q.name, MOD);
      const alice = t.user(1);
      const answer = (text: string, userId = alice) =>
        t.quests.answer({
          guildId: G,
          questId: q.id,
          stepId: s.id,
          userId,
          answer: text,
          facts: t.facts(userId),
        });
      expect(answer('Lyon')).toMatchObject({ correct: false, attemptsLeft: 1 });
      expect(answer('  PARIS ')).toMatchObject({ correct: true, completed: true });
      expect(reasonOf(() => answer('Paris'))).toBe('SPARKS.QUEST_COMPLETED');
      const bob = t.user(2);
      answer('a', bob);
      answer('b', bob);
      expect(reasonOf(() => answer('Paris', bob))).toBe('SPARKS.QUEST_NO_ATTEMPTS');
      expect(t.balance(alice)).toBe(50);
      expect(t.balance(bob)).toBe(0);
    });

    it('a quest awards a shop badge: on the completer’s profile, not before; an unknown badge is refused', () => {
      const t = setup(engine);
      const rewards = new RewardService({ db: t.db, clock: t.clock, audit: new AuditQueue() });
      const badge = rewards.add(G, MOD, { name: 'Scholar', cost: 500, kind: 'badge' });
      rewards.add(G, MOD, { name: 'Not a badge', cost: 5, kind: 'manual' });
      expect(reasonOf(() => t.create({ badge: 'Nope' }))).toBe('quest.invalid.badge');
      expect(reasonOf(() => t.create({ badge: 'Not a badge' }))).toBe('quest.invalid.badge');
      const q = t.create({ badge: 'scholar' });
      expect(q.badgeRewardId).toBe(badge.id);
      const s = t.step(q, { kind: 'quiz', prompt: '2 + 2?', answers: '4' });
      t.quests.publish(G, q.name, MOD);
      const badges = membersStore(t.db);
      const alice = t.user(1);
      expect(badges.badges(G, alice)).toEqual([]);
      t.quests.answer({
        guildId: G,
        questId: q.id,
        stepId: s.id,
        userId: alice,
        answer: '4',
        facts: t.facts(alice),
      });
      expect(badges.badges(G, alice)).toEqual([{ rewardId: badge.id, name: 'Scholar', count: 1 }]);
      expect(badges.badges(G, t.user(2))).toEqual([]);
    });

    it('a submission is reviewed once: approved pays, rejected does not; bad links are refused', () => {
      const t = setup(engine);
      const q = t.create();
      const s = t.step(q, { kind: 'submission', prompt: 'Link your post' });
      t.quests.publish(G, q.name, MOD);
      const [alice, bob] = [t.user(1), t.user(2)];
      const submit = (userId: string, content: string) =>
        t.quests.submit({ guildId: G, questId: q.id, stepId: s.id, userId, content, facts: t.facts(userId) });
      expect(reasonOf(() => submit(alice, 'javascript:alert(1)'))).toBe('quest.invalid.submission_link');
      expect(reasonOf(() => submit(alice, 'x'.repeat(1001)))).toBe('quest.invalid.submission_length');
      const a = submit(alice, 'https://x.com/alice/status/1');
      expect(reasonOf(() => submit(alice, 'https://x.com/alice/status/2'))).toBe('SPARKS.QUEST_PENDING');
      const b = submit(bob, 'https://x.com/bob/status/1');
      expect(t.quests.pendingSubmissions(G, 0, 10).total).toBe(2);
      const approved = t.quests.review({
        guildId: G,
        submissionId: a.id,
        moderatorId: MOD,
        decision: 'approve',
      });
      expect(approved).toMatchObject({ completed: true, submission: { status: 'approved' } });
      const rejected = t.quests.review({
        guildId: G,
        submissionId: b.id,
        moderatorId: MOD,
        decision: 'reject',
        reason: 'Not public',
      });
      expect(rejected).toMatchObject({
        completed: false,
        submission: { status: 'rejected', reason: 'Not public' },
      });
      expect(
        reasonOf(() =>
          t.quests.review({ guildId: G, submissionId: a.id, moderatorId: MOD, decision: 'reject' }),
        ),
      ).toBe('SPARKS.QUEST_SUBMISSION_NOT_FOUND');
      expect([t.balance(alice), t.balance(bob)]).toEqual([50, 0]);
      // Rejected: bob may try again.
      expect(submit(bob, 'https://x.com/bob/status/2').status).toBe('pending');
      expect(t.quests.untoldDecisions(G, bob).map((x) => x.status)).toEqual(['rejected']);
    });

    it('a prerequisite locks a quest until the other is completed', () => {
      const t = setup(engine);
      const first = t.create({ name: 'First' });
      const fs = t.step(first, { kind: 'quiz', prompt: '1+1?', answers: '2' });
      const second = t.create({ name: 'Second', prerequisite: 'First' });
      const ss = t.step(second, { kind: 'quiz', prompt: '2+2?', answers: '4' });
      t.quests.publish(G, 'First', MOD);
      t.quests.publish(G, 'Second', MOD);
      const alice = t.user(1);
      const answer = (questId: number, stepId: number, text: string) =>
        t.quests.answer({ guildId: G, questId, stepId, userId: alice, answer: text, facts: t.facts(alice) });
      expect(reasonOf(() => answer(second.id, ss.id, '4'))).toBe('SPARKS.QUEST_LOCKED');
      answer(first.id, fs.id, '2');
      expect(answer(second.id, ss.id, '4')).toMatchObject({ completed: true });
    });

    it('the reward role is due on the completion, and a refusal is audited once', () => {
      const t = setup(engine);
      const q = t.create({ rewardRoleId: ROLE });
      const s = t.step(q, { kind: 'quiz', prompt: 'Q?', answers: 'a' });
      t.quests.publish(G, q.name, MOD);
      t.quests.answer({
        guildId: G,
        questId: q.id,
        stepId: s.id,
        userId: t.user(1),
        answer: 'A',
        facts: t.facts(t.user(1)),
      });
      const [due] = t.quests.unannounced();
      expect(due).toMatchObject({ roleStatus: 'due', notify: 'dm', rewardRoleId: ROLE, questName: q.name });
      t.audit.take(100);
      t.quests.settleRole(due!, { refused: 'role_too_high' });
      t.quests.settleRole(due!, { refused: 'role_too_high' });
      expect(t.audit.take(100).map((e) => e.kind)).toEqual(['quest.role_failed']);
      t.quests.markAnnounced(due!);
      expect(t.quests.unannounced()).toEqual([]);
    });
  });

  describe('listing', () => {
    it('lists newest first with pending submissions; members see open quests oldest first; the queue pages oldest first', () => {
      const t = setup(engine);
      const [a, b, c] = ['One', 'Two', 'Three'].map((name) => t.create({ name }));
      const sa = t.step(a!, { kind: 'submission', prompt: 'Link' });
      t.reaction(b!);
      t.reaction(c!);
      for (const q of [c!, a!]) t.quests.publish(G, q.name, MOD);
      const submit = (i: number) =>
        t.quests.submit({
          guildId: G,
          questId: a!.id,
          stepId: sa.id,
          userId: t.user(i),
          content: `https://x.com/u${i}/status/1`,
          facts: t.facts(t.user(i)),
        });
      const subs = [1, 2, 3].map(submit);
      expect(
        t.quests.list(G).map((s) => [s.quest.name, s.quest.status, s.steps.length, s.pendingSubmissions]),
      ).toEqual([
        ['Three', 'published', 1, 0],
        ['Two', 'draft', 1, 0],
        ['One', 'published', 1, 3],
      ]);
      expect(t.quests.list(G, 1).map((s) => s.quest.name)).toEqual(['Three']);
      expect(t.quests.openQuests(G).map((q) => q.name)).toEqual(['One', 'Three']);
      const page = t.quests.pendingSubmissions(G, 1, 1);
      expect(page).toMatchObject({
        total: 3,
        items: [{ id: subs[1]!.id, userId: t.user(2), status: 'pending' }],
      });
      expect(t.quests.find(G, '  one ').id).toBe(a!.id);
      expect(t.quests.find(G, String(b!.id)).name).toBe('Two');
      expect(reasonOf(() => t.quests.find(G, 'Four'))).toBe('SPARKS.QUEST_NOT_FOUND');
    });
  });
});

describe('on SQLite: the webhook path and verify', () => {
  it('verify catches a completion count that disagrees with the entries', async () => {
    const t = setup();
    const q = t.create();
    const s = t.reaction(q);
    t.quests.publish(G, q.name, MOD);
    for (let i = 0; i < 3; i++)
      t.quests.enqueue(t.target(q, s.id), t.user(i), t.clock(), { kind: 'reaction' }, null);
    await t.quests.idle();
    t.ok();
    t.env.exec(`UPDATE quests SET completions = completions + 1 WHERE id = ${q.id}`);
    const { sqlite } = t.db as Extract<typeof t.db, { engine: 'sqlite' }>;
    const failed = verifyLedger(sqlite).checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.problems)).toEqual([
      [`quest #${q.id} counts 4 completions / 150 Sparks, entries give 3 / 150`],
    ]);
  });

  describe('platform steps, inside the webhook transaction', () => {
    it('sums trade volume in the window, once per event id, and completes with the other steps', () => {
      const t = setup();
      const q = t.create({ sparks: 100 });
      t.step(q, { kind: 'platform_trade', volumeUsd: 100 });
      t.step(q, { kind: 'platform_subscription' });
      t.quests.publish(G, q.name, MOD);
      const alice = t.user(1);
      t.clock.advance(1000);
      t.platformEvent({ type: 'trade.executed', discord_user_id: alice, volume_usd: '60' }, 'evt_a');
      t.platformEvent({ type: 'trade.executed', discord_user_id: alice, volume_usd: '60' }, 'evt_a');
      const view = () => t.quests.view(G, alice, t.quests.byId(q.id)!);
      expect(view().steps.map((s) => [s.progress.value, s.progress.done])).toEqual([
        [6000, false],
        [0, false],
      ]);
      t.platformEvent({ type: 'trade.executed', discord_user_id: alice, volume_usd: '40.00' });
      t.platformEvent({ type: 'subscription.started', discord_user_id: alice, plan: 'pro', first: true });
      expect(view().completion).not.toBeNull();
      // 6 + 4 Sparks for the trades, 100 for the subscription, 100 for the quest.
      expect(t.balance(alice)).toBe(210);
      t.ok();
    });

    it('a trade from before the quest was published does not count', () => {
      const t = setup();
      const q = t.create();
      t.step(q, { kind: 'platform_trade', volumeUsd: 10 });
      t.clock.advance(5000);
      t.quests.publish(G, q.name, MOD);
      t.platformEvent({
        type: 'trade.executed',
        discord_user_id: t.user(1),
        volume_usd: 50,
        occurred_at: new Date(t.clock() - 4000).toISOString(),
      });
      expect(t.count('SELECT COUNT(*) AS n FROM quest_progress')).toBe(0);
    });

    it('referrals count the referrer’s referrals made inside the window', () => {
      const t = setup();
      const q = t.create();
      t.step(q, { kind: 'platform_referral', count: 2 });
      t.quests.publish(G, q.name, MOD);
      const ref = t.user(1);
      t.platformEvent({
        type: 'referral.registered',
        referrer_discord_user_id: ref,
        invitee_discord_user_id: t.user(2),
      });
      expect(t.balance(ref)).toBe(0);
      t.platformEvent({
        type: 'referral.registered',
        referrer_discord_user_id: ref,
        invitee_discord_user_id: t.user(3),
      });
      expect(t.balance(ref)).toBe(50);
    });

    it('gates that need Discord hold a finished quest until the member is looked at', async () => {
      const t = setup();
      const q = t.create({ requiredRoleId: ROLE });
      t.step(q, { kind: 'platform_subscription' });
      t.quests.publish(G, q.name, MOD);
      const waiting: string[] = [];
      t.quests.onNeedsFacts((_g, users) => waiting.push(...users));
      const alice = t.user(1);
      t.platformEvent({ type: 'subscription.started', discord_user_id: alice, plan: 'pro', first: false });
      await t.settle();
      expect(waiting).toEqual([alice]);
      expect(t.quests.view(G, alice, q).completion).toBeNull();
      expect(t.quests.evaluate(G, alice, t.facts(alice))).toEqual([]);
      const made = t.quests.evaluate(G, alice, t.facts(alice, [ROLE]));
      expect(made).toHaveLength(1);
      expect(t.quests.evaluate(G, alice, t.facts(alice, [ROLE]))).toEqual([]);
    });
  });
});
