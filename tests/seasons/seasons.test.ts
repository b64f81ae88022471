import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { ACCOUNT_TYPES } from '../../src/db/schema.ts';
import { CAMPAIGN_BUDGET, ISSUANCE, MEMBER } from '../../src/ledger/ledger.ts';
import { NO_FLAGS } from '../../src/members/flags.ts';
import { SeasonService, type SeasonPorts } from '../../src/seasons/seasons.ts';
import { parseEnds } from '../../src/seasons/ends.ts';
import { parseSources, sourceOf, sourcesMask } from '../../src/seasons/sources.ts';
import type { GrantOutcome } from '../../src/shop/redemptions.ts';
import { engineDbs, ENGINES, ledgerOn, type Engine } from '../helpers/engines.ts';

const G = 'g1';
const fresh = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function setup(engine: Engine, flagged: string[] = []) {
  const env = ledgerOn(fresh, engine);
  const { db, clock, ledger } = env;
  cleanup = env.cleanup;
  const flags = flagged.length ? { isFlagged: (_g: string, u: string) => flagged.includes(u) } : NO_FLAGS;
  const service = (audit: AuditQueue) => new SeasonService({ db, ledger, clock, audit, flags });
  const audit = new AuditQueue();
  const seasons = service(audit);
  /** The same seasons from another process on this database: its own service and log queue. */
  const elsewhere = () => {
    const audit = new AuditQueue();
    return { seasons: service(audit), audit };
  };
  const left = new Set<string>();
  const excluded = new Set<string>();
  const granted: [string, string][] = [];
  let roleAnswer: GrantOutcome = { ok: true };
  const ports: SeasonPorts = {
    standings: {
      standings: (_g, ids) =>
        Promise.resolve(
          new Map(ids.map((id) => [id, left.has(id) ? 'left' : excluded.has(id) ? 'excluded' : 'present'])),
        ),
    },
    roles: {
      grant: (userId, roleId) => {
        granted.push([userId, roleId]);
        return Promise.resolve(roleAnswer);
      },
      holds: () => Promise.resolve(false),
    },
  };
  let n = 0;
  const earn = (userId: string, amount: number, source: 'platform' | 'award' | 'campaign') => {
    clock.advance(1000);
    const from = source === 'campaign' ? CAMPAIGN_BUDGET(1) : ISSUANCE(source);
    if (source === 'campaign')
      ledger.post({
        guildId: G,
        kind: 'campaign.fund',
        from: ISSUANCE('campaign'),
        to: from,
        amount,
        key: `fund:${++n}`,
        actor: { type: 'system', id: 't' },
      });
    ledger.post({
      guildId: G,
      kind: source === 'campaign' ? 'campaign.grant' : source === 'award' ? 'award' : 'platform.trade',
      from,
      to: MEMBER(userId),
      amount,
      key: `e:${++n}`,
      actor: { type: 'system', id: 't' },
    });
  };
  return {
    env,
    db,
    clock,
    ledger,
    audit,
    seasons,
    elsewhere,
    ports,
    left,
    excluded,
    granted,
    earn,
    setRoleAnswer: (a: GrantOutcome) => (roleAnswer = a),
  };
}

const start = (w: ReturnType<typeof setup>, extra: { ends?: string; sources?: string } = {}) =>
  w.seasons.start({
    guildId: G,
    name: 'S1',
    ends: extra.ends ?? '7d',
    sources: extra.sources,
    moderatorId: 'mod',
  });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e))
      return `${e.code}${typeof e.params.reasonKey === 'string' ? `:${e.params.reasonKey}` : ''}`;
    throw e;
  }
  return 'no error';
}

describe('season input', () => {
  it('parses ends as a duration or a date, refusing the past and the far future', () => {
    const now = Date.UTC(2026, 10, 24);
    expect(parseEnds('90s', now, 'SPARKS.SEASON_INVALID')).toBe(now + 90_000);
    expect(parseEnds('1d12h', now, 'SPARKS.SEASON_INVALID')).toBe(now + 36 * 3_600_000);
    expect(parseEnds('2026-12-31', now, 'SPARKS.SEASON_INVALID')).toBe(Date.UTC(2026, 11, 31));
    expect(parseEnds('2026-12-31T18:00', now, 'SPARKS.SEASON_INVALID')).toBe(Date.UTC(2026, 11, 31, 18));
    expect(code(() => parseEnds('2026-01-01', now, 'SPARKS.SEASON_INVALID'))).toBe(
      'SPARKS.SEASON_INVALID:ends.past',
    );
    expect(code(() => parseEnds('400d', now, 'SPARKS.SEASON_INVALID'))).toBe(
      'SPARKS.SEASON_INVALID:ends.too_far',
    );
    expect(code(() => parseEnds('soon', now, 'SPARKS.SEASON_INVALID'))).toBe(
      'SPARKS.SEASON_INVALID:ends.invalid',
    );
  });

  it('sources default to all but awards', () => {
    expect(parseSources(null)).toBe(sourcesMask(['campaigns', 'quests', 'platform']));
    expect(parseSources('all')).toBe(15);
    expect(parseSources('Campaign, awards')).toBe(sourcesMask(['campaigns', 'awards']));
    expect(code(() => parseSources('trades'))).toBe('SPARKS.SEASON_INVALID:season.invalid.sources');
  });
});

describe.each(ENGINES)('season prizes on %s', (engine) => {
  it('refuses a second running season, bad ranks, overlaps and lowering, writing nothing', () => {
    const w = setup(engine);
    start(w);
    expect(code(() => start(w))).toBe('SPARKS.SEASON_INVALID:season.invalid.overlap');
    const prize = (
      rankFrom: number,
      rankTo: number,
      sparks: number | null,
      extra: { badge?: string; roleId?: string } = {},
    ) =>
      w.seasons.prize({ guildId: G, season: 'S1', rankFrom, rankTo, sparks, moderatorId: 'mod', ...extra });
    expect(code(() => prize(3, 1, 10))).toBe('SPARKS.SEASON_INVALID:season.invalid.ranks');
    expect(code(() => prize(0, 1, 10))).toBe('SPARKS.SEASON_INVALID:season.invalid.ranks');
    expect(code(() => prize(1, 1, null))).toBe('SPARKS.SEASON_INVALID:season.invalid.empty_prize');
    expect(prize(1, 1, 500).raised).toBe(false);
    expect(prize(2, 3, 200).raised).toBe(false);
    expect(code(() => prize(3, 5, 100))).toBe('SPARKS.SEASON_INVALID:season.invalid.overlap_prize');
    expect(code(() => prize(1, 1, 400))).toBe('SPARKS.SEASON_INVALID:season.invalid.lower');
    expect(prize(1, 1, 600, { badge: 'Gold' })).toMatchObject({
      raised: true,
      prize: { sparks: 600, badge: 'Gold' },
    });
    expect(code(() => prize(1, 1, null, { badge: 'Silver' }))).toBe(
      'SPARKS.SEASON_INVALID:season.invalid.replace',
    );
    expect(w.seasons.prizes(1).map((p) => [p.rankFrom, p.rankTo, p.sparks, p.badge])).toEqual([
      [1, 1, 600, 'Gold'],
      [2, 3, 200, null],
    ]);
    expect(code(() => w.seasons.find(G, 'nope'))).toBe('SPARKS.SEASON_NOT_FOUND');
  });
});

describe.each(ENGINES)('a season board on %s', (engine) => {
  it('counts campaign and platform earnings inside the window, not awards by default', () => {
    const w = setup(engine);
    w.earn('a', 100, 'platform'); // before the season
    const s = start(w);
    w.earn('a', 30, 'platform');
    w.earn('b', 50, 'campaign');
    w.earn('c', 999, 'award');
    const board = w.seasons.board(s);
    expect(board.rows.map((r) => [r.userId, r.score])).toEqual([
      ['b', 50],
      ['a', 30],
    ]);
    expect(board.total).toBe(2);
    expect(w.seasons.standing(s, 'a')).toEqual({ rank: 2, score: 30 });
    // A revoke inside the window un-earns, like the week board.
    w.ledger.reverse(w.ledger.reads.history(G, 'b', { limit: 1 }).entries[0]!.id, {
      key: 'rev',
      actor: { type: 'moderator', id: 'mod' },
      amount: 30,
    });
    expect(w.seasons.standing(s, 'b')).toEqual({ rank: 2, score: 20 });
  });

  it('pins the triggers’ source mapping to sourceOf for every account kind', () => {
    const w = setup(engine);
    const s = start(w, { sources: 'all' });
    const refs = ['award', 'platform', 'quest', 'streak', 'campaign', 'season', 'shop', '7'];
    let i = 0;
    for (const type of ACCOUNT_TYPES) {
      if (type === 'member') continue;
      for (const ref of refs) {
        const account = { type, ref };
        const user = `u${++i}`;
        // Fund non-issuance accounts first so they can pay.
        if (type !== 'issuance')
          w.ledger.post({
            guildId: G,
            kind: 'award',
            from: ISSUANCE('award'),
            to: account,
            amount: 5,
            key: `f${i}`,
            actor: { type: 'system', id: 't' },
          });
        const before = w.seasons.standing(s, user).score;
        w.ledger.post({
          guildId: G,
          kind: 'award',
          from: account,
          to: MEMBER(user),
          amount: 5,
          key: `p${i}`,
          actor: { type: 'system', id: 't' },
        });
        const counted = w.seasons.standing(s, user).score - before;
        expect([type, ref, counted > 0]).toEqual([type, ref, sourceOf(account) !== null]);
      }
    }
  });
});

describe.each(ENGINES)('the end of a season on %s', (engine) => {
  async function ladder(w: ReturnType<typeof setup>) {
    const s = start(w);
    w.seasons.prize({
      guildId: G,
      season: 'S1',
      rankFrom: 1,
      rankTo: 1,
      sparks: 500,
      badge: 'Gold',
      moderatorId: 'mod',
    });
    w.seasons.prize({ guildId: G, season: 'S1', rankFrom: 2, rankTo: 3, sparks: 200, moderatorId: 'mod' });
    w.seasons.prize({ guildId: G, season: 'S1', rankFrom: 4, rankTo: 4, roleId: 'r1', moderatorId: 'mod' });
    // d reaches 80 before e does (though e started earning first): d wins the tie.
    w.earn('a', 100, 'platform');
    w.earn('left', 95, 'campaign');
    w.earn('e', 40, 'platform');
    w.earn('d', 80, 'campaign');
    w.earn('excl', 90, 'platform');
    w.earn('e', 40, 'campaign');
    w.earn('f', 10, 'platform');
    w.earn('g', 5, 'platform');
    w.left.add('left');
    w.excluded.add('excl');
    await Promise.resolve();
    return s;
  }

  it('freezes, skips who left or is excluded, breaks ties by who got there first, pays once', async () => {
    const w = setup(engine, ['g']);
    const s = await ladder(w);
    expect((await w.seasons.finish(s.id, w.ports)).state).toBe('waiting');
    expect(w.seasons.due()).toEqual([]);
    expect(w.seasons.nextEnd()).toBe(s.endsAt);
    w.clock.advance(8 * 86_400_000);
    expect(w.seasons.due().map((d) => d.id)).toEqual([s.id]);
    const result = await w.seasons.finish(s.id, w.ports);
    expect(result.state).toBe('ended');
    const results = w.seasons.store
      .results(s.id)
      .map((r) => [r.userId, r.rank, r.skipReason, r.sparks, r.roleStatus]);
    expect(results).toEqual([
      ['a', 1, null, 500, 'none'],
      ['left', null, 'left', null, 'none'],
      ['excl', null, 'excluded', null, 'none'],
      ['d', 2, null, 200, 'none'],
      ['e', 3, null, 200, 'none'],
      ['f', 4, null, null, 'granted'],
    ]);
    expect(w.granted).toEqual([['f', 'r1']]);
    const balance = (u: string) => w.ledger.reads.standing(G, u).balance;
    expect([balance('a'), balance('d'), balance('e')]).toEqual([600, 280, 280]);
    // Again (a restart, a second process): nothing more is paid.
    expect((await w.seasons.finish(s.id, w.ports)).state).toBe('ended');
    expect([balance('a'), balance('d'), balance('e')]).toEqual([600, 280, 280]);
    expect(w.ledger.reads.account(G, ISSUANCE('season'))!.balance).toBe(-900);
    expect(code(() => w.seasons.requestEnd(G, 'S1'))).toBe('SPARKS.SEASON_ENDED');
    expect(w.seasons.hallOfFame(G)[0]!.winners.map((r) => r.userId)).toEqual(['a', 'd', 'e', 'f']);
    expect(w.seasons.due()).toEqual([]);
    expect(w.seasons.nextEnd()).toBeNull();
    expect(
      w.seasons.memberPrizes(G, 'd').map((p) => [p.season.name, p.result.rank, p.result.sparks]),
    ).toEqual([['S1', 2, 200]]);
    expect(w.seasons.memberPrizes(G, 'left')).toEqual([]);
    expect(w.seasons.memberPrizes('other', 'd')).toEqual([]);
    expect(w.seasons.list(G).map((v) => [v.season.status, v.season.endReason, v.prizes.length])).toEqual([
      ['ended', 'time', 3],
    ]);
    expect(w.env.verify().problems).toEqual([]);
    const kinds = w.audit.take(100).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'season.end')).toHaveLength(1);
  });

  it('two processes ending one season at once (the leader’s pass, a moderator’s end) pay and announce once', async () => {
    const w = setup(engine, ['g']);
    const s = await ladder(w);
    // Another process on the same database: its own service, its own log-channel queue.
    const { seasons: elsewhere, audit: elsewhereAudit } = w.elsewhere();
    w.clock.advance(8 * 86_400_000);
    // Both have read the standings before either freezes.
    let arrived = 0;
    let release = () => {};
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const meeting = (ports: SeasonPorts): SeasonPorts => ({
      ...ports,
      standings: {
        standings: async (guildId, ids) => {
          if (++arrived === 2) release();
          await bothRead;
          return ports.standings.standings(guildId, ids);
        },
      },
    });
    const results = await Promise.all([
      w.seasons.finish(s.id, meeting(w.ports)),
      elsewhere.finish(s.id, meeting(w.ports)),
    ]);
    expect(arrived).toBe(2);
    expect(results.map((r) => r.state)).toEqual(['ended', 'ended']);
    expect(w.seasons.store.results(s.id)).toHaveLength(6);
    const balance = (u: string) => w.ledger.reads.standing(G, u).balance;
    expect([balance('a'), balance('d'), balance('e')]).toEqual([600, 280, 280]);
    expect(w.ledger.reads.account(G, ISSUANCE('season'))!.balance).toBe(-900);
    expect(w.seasons.store.results(s.id).at(-1)!.roleStatus).toBe('granted');
    const ends = [...w.audit.take(100), ...elsewhereAudit.take(100)].filter((e) => e.kind === 'season.end');
    expect(ends).toHaveLength(1);
    expect(w.env.verify().problems).toEqual([]);
  });

  it('announces an end once while its delivery is under way; another process announces it if never delivered', async () => {
    const w = setup(engine);
    const s = await ladder(w);
    w.clock.advance(8 * 86_400_000);
    expect((await w.seasons.finish(s.id, w.ports)).state).toBe('ended');
    // The lead taken again while the announcement is still on its way: not announced twice.
    w.seasons.announceUnannounced();
    expect(w.audit.take(100).filter((e) => e.kind === 'season.end')).toHaveLength(1);
    // It never reached the channel (that process stopped): the next leader announces it.
    const { seasons: next, audit: nextAudit } = w.elsewhere();
    next.announceUnannounced();
    const again = nextAudit.take(100).filter((e) => e.kind === 'season.end');
    expect(again).toHaveLength(1);
    again[0]!.onDelivered!();
    next.announceUnannounced();
    expect(nextAudit.size).toBe(0);
    expect(w.seasons.store.unannounced()).toEqual([]);
  });

  it('skips a flagged member and keeps a refused role payable until a moderator retries', async () => {
    const w = setup(engine, ['f']);
    const s = await ladder(w);
    w.setRoleAnswer({ ok: false, reason: 'role_too_high', permanent: true });
    w.seasons.requestEnd(G, String(s.id));
    const first = await w.seasons.finish(s.id, w.ports);
    expect(first.state).toBe('ended');
    const ranks = w.seasons.store.results(s.id).map((r) => [r.userId, r.rank, r.skipReason, r.roleStatus]);
    expect(ranks.slice(-2)).toEqual([
      ['f', null, 'flagged', 'none'],
      ['g', 4, null, 'failed'],
    ]);
    expect(w.audit.take(100).some((e) => e.kind === 'season.prize_failed' && e.userId === 'g')).toBe(true);
    w.setRoleAnswer({ ok: true });
    expect(w.seasons.requestEnd(G, 'S1').retried).toBe(1);
    expect((await w.seasons.finish(s.id, w.ports)).state).toBe('ended');
    expect(w.seasons.store.results(s.id).at(-1)!.roleStatus).toBe('granted');
    expect(w.ledger.reads.standing(G, 'a').balance).toBe(600);
  });

  it('a moderator’s end closes the window: later earnings do not count', async () => {
    const w = setup(engine);
    const s = start(w);
    w.seasons.prize({ guildId: G, season: 'S1', rankFrom: 1, rankTo: 1, sparks: 10, moderatorId: 'mod' });
    w.earn('a', 10, 'platform');
    w.seasons.requestEnd(G, 'S1');
    w.earn('b', 50, 'platform');
    await w.seasons.finish(s.id, w.ports);
    expect(w.seasons.winners(s.id).map((r) => r.userId)).toEqual(['a']);
    expect(
      code(() =>
        w.seasons.prize({ guildId: G, season: 'S1', rankFrom: 2, rankTo: 2, sparks: 5, moderatorId: 'm' }),
      ),
    ).toBe('SPARKS.SEASON_ENDED');
  });
});
