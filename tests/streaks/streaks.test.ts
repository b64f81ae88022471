/**
 * The streak fold on both engines (describe.each(ENGINES)): what counts, the milestones, the
 * chunks, freezes gained (inserted as the shop's fulfilled redemptions) and the fold lock
 * on PostgreSQL. The settings stay on SQLite (their store is not on PostgreSQL yet); what
 * goes through the shop, the seasons and `npm run verify` runs on SQLite only, below.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { openDatabase } from '../../src/db/open.ts';
import { STREAK_FOLD_LOCK } from '../../src/db/pg/streak-store.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { CAMPAIGN_BUDGET, ISSUANCE, Ledger, MEMBER } from '../../src/ledger/ledger.ts';
import type { IssuanceSource } from '../../src/ledger/accounts.ts';
import { NO_FLAGS } from '../../src/members/flags.ts';
import { SeasonService } from '../../src/seasons/seasons.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { parseMilestones } from '../../src/streaks/milestones.ts';
import { milestoneKey, StreakService } from '../../src/streaks/streaks.ts';
import { fakeClock } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';
import { DEFAULTS } from '../helpers/platform.ts';
import { withDatabase } from '../testkit/postgres.ts';

const G = 'g1';
const DAY0 = Date.UTC(2026, 10, 2, 9); // a Monday, 09:00 UTC
const dayNo = (ms: number) => Math.floor(ms / DAY_MS);
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
const fresh = engineDbs();

/** The fold over either engine's ledger, with the settings (SQLite) it reads milestones from. */
function setupOn(engine: Engine, options: { chunk?: number; milestones?: string } = {}) {
  const env = fresh(engine);
  cleanups.push(env.cleanup);
  const { db } = env;
  const settingsDb = engine === 'sqlite' ? undefined : openDatabase(':memory:');
  if (settingsDb) cleanups.push(() => settingsDb.close());
  const clock = fakeClock(DAY0);
  const ledger = new Ledger({ db, clock });
  const settings = new SettingsService({
    db: db.engine === 'sqlite' ? db : settingsDb!,
    clock,
    defaults: DEFAULTS,
  });
  settings.update(G, { streakMilestones: parseMilestones(options.milestones ?? '3:10, 7:50') });
  const streaks = new StreakService({ db, ledger, settings, clock, chunk: options.chunk });
  let n = 0;
  /** Sparks a member earns now, from a source (a campaign budget, or an issuance account). */
  const earn = (userId: string, source: IssuanceSource | 'budget' = 'platform', amount = 5) => {
    if (source === 'budget') {
      ledger.post({
        guildId: G,
        kind: 'campaign.fund',
        from: ISSUANCE('campaign'),
        to: CAMPAIGN_BUDGET(1),
        amount,
        key: `fund:${++n}`,
        actor: { type: 'system', id: 't' },
      });
    }
    return ledger.post({
      guildId: G,
      kind: source === 'platform' ? 'platform.trade' : source === 'award' ? 'award' : 'campaign.grant',
      from: source === 'budget' ? CAMPAIGN_BUDGET(1) : ISSUANCE(source),
      to: MEMBER(userId),
      amount,
      key: `e:${++n}`,
      actor: { type: 'system', id: 't' },
    });
  };
  const nextDay = () => clock.advance(DAY_MS);
  const bonuses = (userId: string) =>
    ledger.reads
      .history(G, userId, { limit: 100 })
      .entries.filter((e) => e.counterpartyType === 'issuance' && e.counterpartyRef === 'streak')
      .map((e) => [e.reason, e.delta]);
  const resetFold = () => {
    env.exec('DELETE FROM member_streaks');
    env.exec('DELETE FROM streak_fold');
  };
  const streakRows = () =>
    env.rows('SELECT user_id, current, best, last_day, started_day FROM member_streaks ORDER BY user_id');
  let r = 0;
  /** A freeze gained now, as the shop records one: a fulfilled streak_freeze redemption (a prize). */
  const gainFreeze = (userId: string, status = 'fulfilled', kind = 'streak_freeze') => {
    const id = ++r;
    env.exec(`INSERT INTO rewards (id, guild_id, name, name_key, cost, kind, created_by, created_at, updated_at)
      VALUES (${id}, '${G}', 'F${id}', 'f${id}', 20, '${kind}', 'mod', ${clock()}, ${clock()})`);
    env.exec(`INSERT INTO redemptions (id, guild_id, user_id, reward_id, cost, status, idempotency_key,
        created_at, updated_at) VALUES (${id}, '${G}', '${userId}', ${id}, 20, '${status}', 'r:${id}', ${clock()}, ${clock()})`);
  };
  return {
    ...env,
    clock,
    ledger,
    settings,
    streaks,
    earn,
    nextDay,
    bonuses,
    resetFold,
    streakRows,
    gainFreeze,
  };
}

/** The SQLite world of the shop's and the seasons' tests: the fold beside the real shop. */
function setup(options: { chunk?: number; milestones?: string } = {}) {
  const w = setupOn('sqlite', options);
  const { db, ledger, clock, streaks } = w;
  if (db.engine !== 'sqlite') throw new Error('the shop runs on SQLite');
  const audit = new AuditQueue();
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit, freezes: streaks });
  const freeze = rewards.add(G, 'mod', { name: 'Freeze', cost: 20, kind: 'streak_freeze' });
  let k = 0;
  const buyFreeze = (userId: string) =>
    redemptions.reserve({
      guildId: G,
      userId,
      rewardId: freeze.id,
      confirmedCost: freeze.cost,
      key: `buy:${++k}`,
      memberRoleIds: [],
    });
  return { ...w, db, rewards, redemptions, freeze, buyFreeze };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe.each(ENGINES)('the streak fold on %s', (engine) => {
  describe('what makes a day count', () => {
    it('earned Sparks from campaigns and the platform count; awards, season prizes and reversals do not', () => {
      const w = setupOn(engine);
      w.earn('a', 'budget');
      w.nextDay();
      w.earn('a', 'campaign');
      w.nextDay();
      w.earn('a', 'platform');
      w.nextDay();
      w.earn('a', 'award');
      w.earn('a', 'season');
      // A revoke undone is a correction, not an action.
      const revoke = w.ledger.revoke({
        guildId: G,
        userId: 'a',
        amount: 1,
        key: 'rv',
        actor: { type: 'moderator', id: 'm' },
      });
      w.ledger.reverse(revoke.transfer.id, { key: 'rv:undo', actor: { type: 'moderator', id: 'm' } });
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 3, best: 3, today: false });
      w.nextDay();
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 0, best: 3 });
      expect(w.streaks.standing(G, 'nobody')).toEqual({
        current: 0,
        best: 0,
        freezesHeld: 0,
        freezesUsed: 0,
        today: false,
        startedDay: null,
      });
    });

    it('counts UTC days: 23:59 and 00:01 are two days', () => {
      const w = setupOn(engine);
      w.clock.set(Date.UTC(2026, 10, 2, 23, 59));
      w.earn('a');
      w.clock.set(Date.UTC(2026, 10, 3, 0, 1));
      w.earn('a');
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 2, today: true });
    });
  });

  describe('milestone bonuses', () => {
    it('pays each milestone once per streak, however often the fold runs or is redone', () => {
      const w = setupOn(engine);
      for (let d = 0; d < 7; d++) {
        w.earn('a');
        w.streaks.catchUp();
        w.streaks.catchUp();
        w.nextDay();
      }
      expect(w.bonuses('a')).toEqual([
        ['7-day streak', 50],
        ['3-day streak', 10],
      ]);
      const started = dayNo(DAY0);
      expect(w.ledger.reads.transferByKey(G, milestoneKey(G, 'a', started, 7))?.amount).toBe(50);
      // The fold started over from nothing (a lost row, a watermark reset) pays nothing more.
      w.resetFold();
      expect(w.streaks.catchUp()).toMatchObject({ paid: 0 });
      expect(w.bonuses('a')).toHaveLength(2);
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 7, best: 7 });
      expect(w.verify()).toEqual({ ok: true, problems: [] });
    });

    it('a read is exact before the fold and writes nothing; the bot’s read folds first and pays', () => {
      const w = setupOn(engine, { milestones: '2:5' });
      w.earn('a');
      w.streaks.catchUp();
      w.nextDay();
      w.earn('a');
      const journal = () => w.rows('SELECT COUNT(*) AS n FROM transfers');
      const before = journal();
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 2, today: true });
      expect(journal()).toEqual(before);
      expect(w.streaks.behind()).toBe(true);
      expect(w.streaks.standing(G, 'a', { fold: true })).toMatchObject({ current: 2, today: true });
      expect(w.bonuses('a')).toEqual([['2-day streak', 5]]);
      expect(w.streaks.catchUp()).toMatchObject({ paid: 0, caughtUp: true });
    });

    it('a new streak pays its milestones again; the bonus itself never makes a day count', () => {
      const w = setupOn(engine, { milestones: '2:5' });
      w.earn('a');
      w.nextDay();
      w.earn('a');
      w.nextDay();
      // Folded the day after: the bonus is posted today, and today must not count.
      expect(w.streaks.catchUp()).toMatchObject({ paid: 1 });
      w.nextDay();
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 0, best: 2 });
      w.earn('a');
      w.nextDay();
      w.earn('a');
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 2, startedDay: dayNo(DAY0) + 3 });
      w.streaks.catchUp();
      expect(w.bonuses('a')).toEqual([
        ['2-day streak', 5],
        ['2-day streak', 5],
      ]);
    });

    it('pays nothing without milestones, and a milestone set later pays from the next streak day that reaches it', () => {
      const w = setupOn(engine, { milestones: '3:10' });
      w.settings.update(G, { streakMilestones: null });
      for (let d = 0; d < 3; d++) {
        w.earn('a');
        w.nextDay();
      }
      expect(w.streaks.catchUp()).toMatchObject({ paid: 0 });
      w.settings.update(G, { streakMilestones: parseMilestones('3:10, 4:20') });
      w.earn('a');
      w.streaks.catchUp();
      expect(w.bonuses('a')).toEqual([['4-day streak', 20]]);
    });

    it('folds in chunks exactly as in one pass, for many members', () => {
      const chunked = setupOn(engine, { chunk: 3 });
      const users = ['a', 'b', 'c', 'd'];
      for (let d = 0; d < 8; d++) {
        users.forEach((u, i) => {
          if ((d + i) % 4 !== 3) chunked.earn(u);
        });
        chunked.nextDay();
      }
      const result = chunked.streaks.catchUp();
      expect(result).toMatchObject({ caughtUp: true });
      const rows = chunked.streakRows();
      chunked.resetFold();
      // One pass of everything (one huge chunk) agrees.
      const whole = new StreakService({
        db: chunked.db,
        ledger: chunked.ledger,
        settings: chunked.settings,
        clock: chunked.clock,
        chunk: 10_000,
      });
      whole.catchUp();
      expect(chunked.streakRows()).toEqual(rows);
      expect(rows).toHaveLength(4);
    });
  });

  describe('freezes gained', () => {
    it('cover a missed day, spent by themselves; only fulfilled streak_freeze redemptions count', () => {
      const w = setupOn(engine);
      w.earn('a');
      w.streaks.catchUp();
      w.gainFreeze('a');
      w.gainFreeze('a', 'refunded');
      w.gainFreeze('a', 'fulfilled', 'badge');
      expect(w.streaks.freezesHeld(G, 'a')).toBe(1);
      w.nextDay(); // day 1 missed
      w.nextDay();
      w.earn('a');
      const standing = { current: 2, best: 2, freezesHeld: 0, freezesUsed: 1, today: true };
      expect(w.streaks.standing(G, 'a')).toMatchObject(standing);
      // Folded, the row says the same, and the gain is not counted a second time.
      w.streaks.catchUp();
      expect(w.streakRows()).toEqual([
        { user_id: 'a', current: 2, best: 2, last_day: dayNo(DAY0) + 2, started_day: dayNo(DAY0) },
      ]);
      expect(w.streaks.standing(G, 'a')).toMatchObject(standing);
      // A second missed day with none left ends it.
      w.nextDay();
      w.nextDay();
      expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 0, best: 2, freezesHeld: 0 });
    });
  });
});

describe('two hosts folding at once on PostgreSQL', () => {
  it('queue on the fold lock, and the second folds nothing the first folded', () => {
    const w = setupOn('postgres');
    const name = String(w.rows('SELECT current_database() AS db')[0]!.db);
    const other: PgSyncDb = openPgSync(withDatabase(inject('postgresUrl'), name), { migrate: false });
    cleanups.push(() => other.close());
    const lockFree = () =>
      other.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [STREAK_FOLD_LOCK])[0]!
        .got;
    const second = new StreakService({
      db: other,
      ledger: new Ledger({ db: other, clock: w.clock }),
      settings: w.settings,
      clock: w.clock,
    });
    w.earn('a');
    w.nextDay();
    w.earn('a');
    expect(lockFree()).toBe(true);
    // The settled bound is taken outside any write (src/db/pg/settled.ts): behind() takes it.
    expect(w.streaks.behind()).toBe(true);
    w.db.write(() => {
      // The fold's chunk, a savepoint of this transaction: the lock stays until it commits.
      expect(w.streaks.catchUp()).toMatchObject({ folded: 2, caughtUp: true });
      expect(lockFree()).toBe(false);
    });
    expect(lockFree()).toBe(true);
    expect(second.catchUp()).toMatchObject({ folded: 0, caughtUp: true, watermark: 2 });
    expect(second.standing(G, 'a')).toMatchObject({ current: 2, today: true });
  });
});

describe('npm run verify', () => {
  it('checks every streak against the journal up to the fold’s watermark', () => {
    const w = setup();
    for (let d = 0; d < 5; d++) {
      if (d !== 2) w.earn('a');
      w.earn('b', 'budget');
      w.nextDay();
    }
    w.earn('a', 'award');
    w.streaks.catchUp();
    const failing = () =>
      verifyLedger(w.db.sqlite)
        .checks.filter((c) => !c.ok)
        .map((c) => [c.name, c.problems]);
    expect(failing()).toEqual([]);
    // A streak one day too long, and a row for a member who never earned, are found.
    w.db.sqlite.exec(`UPDATE member_streaks SET current = current + 1, best = best + 1 WHERE user_id = 'a'`);
    w.db.sqlite.exec(`INSERT INTO member_streaks VALUES ('${G}', 'ghost', 1, 1, 5, 5, 0, 0, 0, 0)`);
    expect(failing()).toEqual([
      [
        'streaks equal the qualifying entries up to their watermark',
        expect.arrayContaining([
          expect.stringContaining('streak of a in guild g1:'),
          expect.stringContaining('streak of ghost in guild g1: last day 5 (entries give —)'),
        ]),
      ],
    ]);
  });
});

describe('streak freezes', () => {
  it('are bought at once, at most two held; a third is refused with nothing written', () => {
    const w = setup();
    w.earn('a', 'award', 100);
    expect(w.buyFreeze('a').redemption.status).toBe('fulfilled');
    expect(w.buyFreeze('a').redemption.status).toBe('fulfilled');
    expect(w.streaks.standing(G, 'a').freezesHeld).toBe(2);
    const balance = w.ledger.reads.standing(G, 'a').balance;
    const entries = w.ledger.reads.history(G, 'a', { limit: 100 }).entries.length;
    expect(code(() => w.buyFreeze('a'))).toBe('SPARKS.STREAK_FREEZES_FULL');
    expect(
      code(() =>
        w.redemptions.preview({ guildId: G, userId: 'a', rewardId: w.freeze.id, memberRoleIds: [] }),
      ),
    ).toBe('SPARKS.STREAK_FREEZES_FULL');
    expect(w.ledger.reads.standing(G, 'a').balance).toBe(balance);
    expect(w.ledger.reads.history(G, 'a', { limit: 100 }).entries).toHaveLength(entries);
    expect(w.redemptions.heldByReward(G, 'a').get(w.freeze.id)).toBe(2);
  });

  it('cannot hand out a role', () => {
    const w = setup();
    expect(
      code(() => w.rewards.add(G, 'mod', { name: 'F2', cost: 5, kind: 'streak_freeze', roleId: '123' })),
    ).toBe('SPARKS.REWARD_INVALID');
  });

  it('cover a missed day, spent by themselves, and can be bought again after', () => {
    const w = setup();
    w.earn('a', 'award', 100);
    w.earn('a');
    w.streaks.catchUp();
    w.buyFreeze('a');
    w.buyFreeze('a');
    w.nextDay(); // day 1 missed
    w.nextDay();
    // Exact before the fold has seen today's gap: one freeze went to yesterday.
    expect(w.streaks.freezesHeld(G, 'a')).toBe(1);
    expect(w.buyFreeze('a').redemption.status).toBe('fulfilled');
    expect(code(() => w.buyFreeze('a'))).toBe('SPARKS.STREAK_FREEZES_FULL');
    w.earn('a');
    expect(w.streaks.standing(G, 'a')).toMatchObject({
      current: 2,
      freezesHeld: 2,
      freezesUsed: 1,
      today: true,
    });
    // Two more days missed: both freezes spent, and the streak lives on.
    w.nextDay();
    w.nextDay();
    w.nextDay();
    expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 2, freezesHeld: 0, freezesUsed: 3 });
    // A third missed day with none left ends it.
    w.nextDay();
    expect(w.streaks.standing(G, 'a')).toMatchObject({ current: 0, best: 2, freezesHeld: 0 });
  });
});

describe('streak bonuses and seasons', () => {
  it('count as quests for a season', () => {
    const w = setup({ milestones: '1:7' });
    const seasons = new SeasonService({
      db: w.db,
      ledger: w.ledger,
      clock: w.clock,
      audit: new AuditQueue(),
      flags: NO_FLAGS,
    });
    const season = seasons.start({
      guildId: G,
      name: 'S',
      ends: '7d',
      sources: 'quests',
      moderatorId: 'mod',
    });
    w.earn('a');
    w.streaks.catchUp();
    expect(w.bonuses('a')).toEqual([['1-day streak', 7]]);
    expect(seasons.standing(season, 'a')).toEqual({ rank: 1, score: 7 });
  });
});
