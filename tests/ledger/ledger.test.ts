import { describe, expect, it } from 'vitest';
import { isSparksError, type ErrorCode } from '../../src/core/errors.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.ts';
import { ISSUANCE, Ledger, MEMBER } from '../../src/ledger/ledger.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { award as awardOf, freshLedger as freshSqliteLedger, G, MOD, rankedFlags } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const award = (ledger: Ledger, userId: string, amount: number, key: string) =>
  awardOf(ledger, userId, amount, key, 'test');

function expectCode(fn: () => unknown, code: ErrorCode) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isSparksError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
  return caught as { params: Record<string, unknown> };
}

const fresh = engineDbs();

describe.each(ENGINES)('the ledger on %s', (engine) => {
  const freshLedger = () => {
    const env = ledgerOn(fresh, engine);
    return { db: env, ledger: env.ledger, clock: env.clock };
  };
  describe('posting', () => {
    it('given a new member, when Sparks are awarded, then balance and lifetime rise and the issuance account mints them', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 250, 'i1');
      expect(ledger.reads.standing(G, 'alice')).toEqual({
        balance: 250,
        lifetimeEarned: 250,
        rank: 1,
        ranked: true,
      });
      expect(ledger.reads.account(G, { type: 'issuance', ref: 'award' })?.balance).toBe(-250);
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });

    it('given a posted key, when the same transfer is posted again, then the first result returns flagged duplicate', () => {
      const { db, ledger } = freshLedger();
      const first = award(ledger, 'alice', 250, 'i1');
      const again = award(ledger, 'alice', 250, 'i1');
      expect(again.duplicate).toBe(true);
      expect(again.transfer.id).toBe(first.transfer.id);
      expect(ledger.reads.standing(G, 'alice').balance).toBe(250);
      db.cleanup();
    });

    it('given a posted key, when a different transfer reuses it, then SPARKS.IDEMPOTENCY_CONFLICT and nothing changes', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 250, 'i1');
      expectCode(() => award(ledger, 'alice', 300, 'i1'), 'SPARKS.IDEMPOTENCY_CONFLICT');
      expectCode(() => award(ledger, 'bob', 250, 'i1'), 'SPARKS.IDEMPOTENCY_CONFLICT');
      expect(ledger.reads.standing(G, 'alice').balance).toBe(250);
      expect(ledger.reads.standing(G, 'bob').balance).toBe(0);
      db.cleanup();
    });

    it('keys are per guild: the same key in another guild is a different transfer', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 5, 'same');
      ledger.credit({
        guildId: 'other',
        userId: 'alice',
        source: 'award',
        kind: 'award',
        amount: 7,
        key: 'same',
        actor: MOD,
      });
      expect(ledger.reads.standing(G, 'alice').balance).toBe(5);
      expect(ledger.reads.standing('other', 'alice').balance).toBe(7);
      db.cleanup();
    });

    it('given 100 Sparks, when 101 are revoked, then SPARKS.INSUFFICIENT says 100 are available and nothing is written', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      const e = expectCode(
        () => ledger.revoke({ guildId: G, userId: 'alice', amount: 101, key: 'r1', actor: MOD }),
        'SPARKS.INSUFFICIENT',
      );
      expect(e.params.available).toBe(100);
      expect(ledger.reads.standing(G, 'alice').balance).toBe(100);
      expect(db.rows('SELECT COUNT(*) AS n FROM transfers')[0]).toEqual({ n: 1 });
      db.cleanup();
    });

    it('a revoke lowers lifetime earned; spending does not', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      ledger.revoke({ guildId: G, userId: 'alice', amount: 30, key: 'r1', actor: MOD });
      const hold = ledger.hold({ guildId: G, userId: 'alice', amount: 50, key: 'h1', actor: MOD });
      ledger.closeHold(hold.transfer.id, 'post', { key: 'p1', actor: MOD });
      expect(ledger.reads.standing(G, 'alice')).toMatchObject({ balance: 20, lifetimeEarned: 70 });
      db.cleanup();
    });
  });

  describe('verify', () => {
    it("finds a balance edited behind the triggers' back (the check this file leans on can fail)", () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      expect(db.verify().ok).toBe(true);
      // PostgreSQL refuses the edit itself; its guard is set aside for this one statement.
      const edit = `UPDATE accounts SET balance = balance + 5 WHERE type = 'member'`;
      db.exec(
        engine === 'sqlite'
          ? edit
          : `BEGIN; ALTER TABLE accounts DISABLE TRIGGER accounts_derived_update; ${edit};
             ALTER TABLE accounts ENABLE TRIGGER accounts_derived_update; COMMIT;`,
      );
      expect(db.verify().ok).toBe(false);
      db.cleanup();
    });
  });

  describe('holds', () => {
    it('a hold takes Sparks out of the spendable balance at once; void returns them; post spends them', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      const h1 = ledger.hold({ guildId: G, userId: 'alice', amount: 60, key: 'h1', actor: MOD });
      expect(ledger.reads.standing(G, 'alice').balance).toBe(40);
      expectCode(
        () => ledger.hold({ guildId: G, userId: 'alice', amount: 41, key: 'h2', actor: MOD }),
        'SPARKS.INSUFFICIENT',
      );
      ledger.closeHold(h1.transfer.id, 'void', { key: 'v1', actor: MOD });
      expect(ledger.reads.standing(G, 'alice').balance).toBe(100);
      const h3 = ledger.hold({ guildId: G, userId: 'alice', amount: 100, key: 'h3', actor: MOD });
      ledger.closeHold(h3.transfer.id, 'post', { key: 'p3', actor: MOD });
      expect(ledger.reads.standing(G, 'alice')).toMatchObject({ balance: 0, lifetimeEarned: 100 });
      expect(ledger.reads.account(G, { type: 'redeemed', ref: 'shop' })?.balance).toBe(100);
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });

    it.each([
      ['post then void', 'post', 'void'],
      ['void then post', 'void', 'post'],
      ['post twice', 'post', 'post'],
      ['void twice', 'void', 'void'],
    ] as const)('a hold resolves exactly once: %s → SPARKS.ALREADY_CLOSED', (_label, first, second) => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      const h = ledger.hold({ guildId: G, userId: 'alice', amount: 60, key: 'h1', actor: MOD });
      const resolve = (how: 'post' | 'void', key: string) =>
        how === 'post'
          ? ledger.closeHold(h.transfer.id, 'post', { key, actor: MOD })
          : ledger.closeHold(h.transfer.id, 'void', { key, actor: MOD });
      resolve(first, 'first');
      const balance = ledger.reads.standing(G, 'alice').balance;
      expectCode(() => resolve(second, 'second'), 'SPARKS.ALREADY_CLOSED');
      expect(ledger.reads.standing(G, 'alice').balance).toBe(balance);
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });

    it('resolving with the same key again is an idempotent duplicate, not an error', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      const h = ledger.hold({ guildId: G, userId: 'alice', amount: 60, key: 'h1', actor: MOD });
      ledger.closeHold(h.transfer.id, 'void', { key: 'v', actor: MOD });
      expect(ledger.closeHold(h.transfer.id, 'void', { key: 'v', actor: MOD }).duplicate).toBe(true);
      expect(ledger.reads.standing(G, 'alice').balance).toBe(100);
      db.cleanup();
    });
  });

  describe('reversals', () => {
    it('a reversal names the entry it reverses, at most once', () => {
      const { db, ledger } = freshLedger();
      const grant = award(ledger, 'alice', 100, 'i1');
      const rev = ledger.reverse(grant.transfer.id, { key: 'rev1', actor: MOD, reason: 'mistake' });
      expect(rev.transfer).toMatchObject({ kind: 'reversal', closesId: grant.transfer.id, amount: 100 });
      expect(ledger.reads.standing(G, 'alice')).toMatchObject({ balance: 0, lifetimeEarned: 0 });
      expectCode(
        () => ledger.reverse(grant.transfer.id, { key: 'rev2', actor: MOD }),
        'SPARKS.ALREADY_CLOSED',
      );
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });

    it('cannot reverse more than the member still holds, nor a hold, nor a reversal', () => {
      const { db, ledger } = freshLedger();
      const grant = award(ledger, 'alice', 100, 'i1');
      const h = ledger.hold({ guildId: G, userId: 'alice', amount: 90, key: 'h1', actor: MOD });
      expectCode(() => ledger.reverse(grant.transfer.id, { key: 'rev1', actor: MOD }), 'SPARKS.INSUFFICIENT');
      expectCode(() => ledger.reverse(h.transfer.id, { key: 'rev2', actor: MOD }), 'SPARKS.NOT_REVERSIBLE');
      const partial = ledger.reverse(grant.transfer.id, { key: 'rev3', actor: MOD, amount: 10 });
      expect(partial.transfer.amount).toBe(10);
      expectCode(
        () => ledger.reverse(partial.transfer.id, { key: 'rev4', actor: MOD }),
        'SPARKS.NOT_REVERSIBLE',
      );
      expectCode(() => ledger.reverse(999, { key: 'rev5', actor: MOD }), 'SPARKS.NOT_FOUND');
      db.cleanup();
    });
  });

  describe('history', () => {
    it('pages newest first with a cursor until the end', () => {
      const { db, ledger, clock } = freshLedger();
      for (let i = 1; i <= 25; i++) {
        award(ledger, 'alice', i, `k${i}`);
        clock.advance(1000);
      }
      award(ledger, 'bob', 5, 'bob');
      const seen: number[] = [];
      let cursor: number | null = null;
      let pages = 0;
      do {
        const page = ledger.reads.history(G, 'alice', { before: cursor, limit: 10 });
        seen.push(...page.entries.map((e) => e.delta));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
      expect(ledger.reads.history(G, 'nobody')).toEqual({ entries: [], nextCursor: null, prevCursor: null });
      db.cleanup();
    });

    it('pages back to newer entries with `after`, and new entries do not shift a page', () => {
      const { db, ledger } = freshLedger();
      for (let i = 1; i <= 25; i++) award(ledger, 'alice', i, `k${i}`);
      const first = ledger.reads.history(G, 'alice', { limit: 10 });
      expect(first.prevCursor).toBeNull();
      const second = ledger.reads.history(G, 'alice', { before: first.nextCursor, limit: 10 });
      expect(second.entries.map((e) => e.delta)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
      expect(second.prevCursor).toBe(second.entries[0]!.id);
      const third = ledger.reads.history(G, 'alice', { before: second.nextCursor, limit: 10 });
      expect(third.entries.map((e) => e.delta)).toEqual([5, 4, 3, 2, 1]);
      expect(third.nextCursor).toBeNull();
      award(ledger, 'alice', 26, 'k26');
      const back = ledger.reads.history(G, 'alice', { after: third.prevCursor, limit: 10 });
      expect(back.entries.map((e) => e.delta)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
      expect(back.nextCursor).toBe(back.entries.at(-1)!.id);
      const top = ledger.reads.history(G, 'alice', { after: back.prevCursor, limit: 10 });
      expect(top.entries.map((e) => e.delta)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
      // The entry posted meanwhile is newer still: the page says so instead of shifting.
      expect(top.prevCursor).toBe(top.entries[0]!.id);
      expect(
        ledger.reads.history(G, 'alice', { after: top.prevCursor, limit: 10 }).entries.map((e) => e.delta),
      ).toEqual([26]);
      db.cleanup();
    });

    it('shows outgoing entries as negative and names the other side', () => {
      const { db, ledger } = freshLedger();
      award(ledger, 'alice', 100, 'i1');
      ledger.hold({ guildId: G, userId: 'alice', amount: 40, key: 'h', actor: MOD });
      const [hold, grant] = ledger.reads.history(G, 'alice').entries;
      expect(hold).toMatchObject({ kind: 'hold', delta: -40, counterpartyType: 'hold' });
      expect(grant).toMatchObject({
        kind: 'award',
        delta: 100,
        counterpartyType: 'issuance',
        counterpartyRef: 'award',
        reason: 'test',
      });
      db.cleanup();
    });
  });

  describe('leaderboards', () => {
    function seeded() {
      const env = freshLedger();
      const { ledger } = env;
      // carol and dave tie on 50: carol's account was opened first, so she ranks first.
      award(ledger, 'alice', 300, 'a');
      award(ledger, 'bob', 100, 'b');
      award(ledger, 'carol', 50, 'c');
      award(ledger, 'dave', 50, 'd');
      award(ledger, 'erin', 10, 'e');
      return env;
    }

    it('ranks by balance with deterministic ties, and pages', () => {
      const { db, ledger } = seeded();
      const page1 = ledger.reads.leaderboard(G, 'all', { limit: 3 });
      expect(page1.rows.map((r) => [r.rank, r.userId, r.score])).toEqual([
        [1, 'alice', 300],
        [2, 'bob', 100],
        [3, 'carol', 50],
      ]);
      expect(page1.total).toBe(5);
      const page2 = ledger.reads.leaderboard(G, 'all', { limit: 3, offset: 3 });
      expect(page2.rows.map((r) => [r.rank, r.userId])).toEqual([
        [4, 'dave'],
        [5, 'erin'],
      ]);
      expect(ledger.reads.rankOf(G, 'dave', 'all')).toEqual({ rank: 4, score: 50 });
      expect(ledger.reads.leaderboard(G, 'all', { offset: 100 }).rows).toEqual([]);
      db.cleanup();
    });

    it('members who left or hold an excluded role are not ranked, and come back when they return', () => {
      const { db, ledger } = seeded();
      const setRanked = rankedFlags(ledger);
      setRanked(G, 'alice', false);
      expect(ledger.reads.leaderboard(G, 'all').rows.map((r) => r.userId)).toEqual([
        'bob',
        'carol',
        'dave',
        'erin',
      ]);
      expect(ledger.reads.rankOf(G, 'alice', 'all').rank).toBeNull();
      expect(ledger.reads.rankOf(G, 'bob', 'all').rank).toBe(1);
      expect(ledger.reads.standing(G, 'alice')).toMatchObject({ balance: 300, rank: null, ranked: false });
      setRanked(G, 'alice', true);
      expect(ledger.reads.rankOf(G, 'alice', 'all').rank).toBe(1);
      db.cleanup();
    });

    it('a member account opened with a known flag starts off every board; an existing account keeps its own', () => {
      const { db, ledger } = seeded();
      const grant = (userId: string, ranked: boolean, key: string) =>
        ledger.post({
          guildId: G,
          kind: 'campaign.grant',
          from: ISSUANCE('campaign'),
          to: MEMBER(userId, ranked),
          amount: 1000,
          key,
          actor: MOD,
        });
      grant('staff', false, 's1');
      grant('newcomer', true, 'n1');
      grant('alice', false, 'a1'); // alice already has an account: the hint does not touch it
      for (const period of ['all', 'lifetime', 'week', 'month'] as const) {
        const board = ledger.reads.leaderboard(G, period).rows.map((r) => r.userId);
        expect(board).not.toContain('staff');
        expect(board).toContain('newcomer');
        expect(board).toContain('alice');
        expect(ledger.reads.rankOf(G, 'staff', period).rank).toBeNull();
      }
      expect(ledger.reads.standing(G, 'staff')).toMatchObject({ balance: 1000, rank: null, ranked: false });
      expect(ledger.reads.standing(G, 'alice')).toMatchObject({ balance: 1300, rank: 1, ranked: true });
      rankedFlags(ledger)(G, 'staff', true); // the excluded role was taken away
      expect(ledger.reads.rankOf(G, 'staff', 'all').rank).toBe(2);
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });

    it('spending moves the balance board but not the lifetime board', () => {
      const { db, ledger } = seeded();
      const h = ledger.hold({ guildId: G, userId: 'alice', amount: 290, key: 'h', actor: MOD });
      ledger.closeHold(h.transfer.id, 'post', { key: 'p', actor: MOD });
      // 10 Sparks ties erin; alice's account is older, so she ranks ahead of her.
      expect(ledger.reads.rankOf(G, 'alice', 'all')).toEqual({ rank: 4, score: 10 });
      expect(ledger.reads.rankOf(G, 'alice', 'lifetime')).toEqual({ rank: 1, score: 300 });
      db.cleanup();
    });

    it('week and month count Sparks earned in the current ISO week / calendar month (UTC)', () => {
      const { db, ledger, clock } = freshLedger();
      clock.set(Date.UTC(2026, 9, 28, 12)); // Wed 28 Oct 2026
      award(ledger, 'alice', 500, 'old'); // earlier month and week
      clock.set(Date.UTC(2026, 10, 2, 12)); // Mon 2 Nov 2026 (ISO week 45)
      award(ledger, 'bob', 40, 'nov-early');
      clock.set(Date.UTC(2026, 10, 24, 12)); // Tue 24 Nov 2026 (ISO week 48)
      award(ledger, 'carol', 30, 'this-week');
      award(ledger, 'alice', 20, 'this-week-alice');
      expect(ledger.reads.leaderboard(G, 'week').rows.map((r) => [r.userId, r.score])).toEqual([
        ['carol', 30],
        ['alice', 20],
      ]);
      expect(ledger.reads.leaderboard(G, 'month').rows.map((r) => [r.userId, r.score])).toEqual([
        ['bob', 40],
        ['carol', 30],
        ['alice', 20],
      ]);
      expect(ledger.reads.rankOf(G, 'bob', 'week')).toEqual({ rank: null, score: 0 });
      // A revoke this week counts against this week's earnings.
      ledger.revoke({ guildId: G, userId: 'carol', amount: 25, key: 'rv', actor: MOD });
      expect(ledger.reads.rankOf(G, 'carol', 'week')).toEqual({ rank: 2, score: 5 });
      clock.advance(14 * DAY_MS); // 8 Dec: a new week and month
      expect(ledger.reads.leaderboard(G, 'week').total).toBe(0);
      expect(ledger.reads.leaderboard(G, 'month').total).toBe(0);
      expect(db.verify().ok).toBe(true);
      db.cleanup();
    });
  });
});

// SQLite only: two connections on one file. On PostgreSQL, many connections and processes
// spending at once are tests/pg/contention.test.ts.
describe('several connections on one file', () => {
  it('two connections interleaving holds on one member never overspend', () => {
    const env = freshSqliteLedger({ file: true });
    const other = openDatabase(join(env.db.dir!, 'sparks.db'));
    const ledgerB = new Ledger({ db: other, clock: env.clock });
    award(env.ledger, 'alice', 100, 'i1');
    let ok = 0;
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      const ledger = i % 2 === 0 ? env.ledger : ledgerB;
      try {
        ledger.hold({ guildId: G, userId: 'alice', amount: 15, key: `h${i}`, actor: MOD });
        ok++;
      } catch (e) {
        expect(isSparksError(e, 'SPARKS.INSUFFICIENT')).toBe(true);
        refused++;
      }
    }
    expect([ok, refused]).toEqual([6, 14]);
    expect(ledgerB.reads.standing(G, 'alice').balance).toBe(10);
    expect(verifyLedger(other.sqlite).ok).toBe(true);
    other.close();
    env.db.cleanup();
  });
});
