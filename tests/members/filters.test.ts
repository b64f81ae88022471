import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.ts';
import {
  HISTORY_KINDS,
  MembersService,
  type HistoryFilter,
  type HistoryKind,
} from '../../src/members/members.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { LedgerRollup } from '../../src/moderation/ledger-rollup.ts';
import { TierService } from '../../src/tiers/tiers.ts';
import { award, freshLedger, G, MOD } from '../helpers/db.ts';

let env: ReturnType<typeof freshLedger>;
let members: MembersService;
const ME = { type: 'member', id: 'alice' } as const;
const start = Date.UTC(2026, 10, 24, 12, 0, 0);

/**
 * Alice's month: day 0 two awards and a revoke, day 1 a campaign grant and a trade, day 2
 * a reward bought and one refunded, day 3 the trade reversed.
 */
function seed(): void {
  const { ledger, clock } = env;
  award(ledger, 'alice', 50, 'a1');
  award(ledger, 'alice', 30, 'a2');
  ledger.revoke({ guildId: G, userId: 'alice', amount: 10, key: 'r1', actor: MOD });
  clock.advance(DAY_MS);
  const credit = (kind: 'campaign.grant' | 'platform.trade', amount: number, key: string) =>
    ledger.credit({
      guildId: G,
      userId: 'alice',
      source: kind === 'campaign.grant' ? 'campaign' : 'platform',
      kind,
      amount,
      key,
      actor: { type: 'platform', id: key },
    });
  credit('campaign.grant', 40, 'c1');
  const trade = credit('platform.trade', 25, 't1');
  clock.advance(DAY_MS);
  const bought = ledger.hold({ guildId: G, userId: 'alice', amount: 20, key: 'h1', actor: ME });
  ledger.closeHold(bought.transfer.id, 'post', { key: 'h1p', actor: ME });
  const refunded = ledger.hold({ guildId: G, userId: 'alice', amount: 15, key: 'h2', actor: ME });
  ledger.closeHold(refunded.transfer.id, 'void', { key: 'h2v', actor: ME });
  clock.advance(DAY_MS);
  ledger.reverse(trade.transfer.id, { key: 'x1', actor: MOD, reason: 'trade cancelled' });
}

const deltas = (filter: HistoryFilter, limit = 100) =>
  members.history(G, 'alice', {}, limit, filter).items.map((i) => i.delta);

beforeEach(() => {
  env = freshLedger();
  env.clock.set(start);
  const { db, ledger, clock } = env;
  members = new MembersService({ db, ledger, tiers: new TierService({ db, ledger, clock }), clock });
  seed();
});
afterEach(() => env.db.cleanup());

describe('MembersService.history with a filter', () => {
  it.each<[HistoryFilter, number[]]>([
    [{}, [-25, 15, -15, -20, 25, 40, -10, 30, 50]],
    [{ kind: 'earned' }, [25, 40, 30, 50]],
    [{ kind: 'spent' }, [-25, -15, -20, -10]],
    [{ kind: 'refunds' }, [15]],
    [{ source: 'award' }, [-10, 30, 50]],
    [{ source: 'campaign' }, [40]],
    // The reversal of a trade is still about the platform.
    [{ source: 'platform' }, [-25, 25]],
    [{ source: 'shop' }, [15, -15, -20]],
    [{ kind: 'earned', source: 'award' }, [30, 50]],
    [{ kind: 'refunds', source: 'award' }, []],
    [{ from: start + DAY_MS }, [-25, 15, -15, -20, 25, 40]],
    [{ to: start + DAY_MS }, [-10, 30, 50]],
    [{ from: start + DAY_MS, to: start + 2 * DAY_MS, kind: 'earned' }, [25, 40]],
  ])('%j keeps %j', (filter, expected) => {
    expect(deltas(filter)).toEqual(expected);
  });

  it('earned, spent and refunds split the history: every entry in exactly one', () => {
    const all = deltas({});
    const parts = HISTORY_KINDS.flatMap((kind: HistoryKind) => deltas({ kind }));
    expect(parts.sort()).toEqual([...all].sort());
  });

  it('pages a filtered history with the same cursors as the unfiltered one', () => {
    const first = members.history(G, 'alice', {}, 2, { kind: 'spent' });
    expect(first.items.map((i) => i.delta)).toEqual([-25, -15]);
    expect(first.prevCursor).toBeNull();
    const second = members.history(G, 'alice', { before: first.nextCursor }, 2, { kind: 'spent' });
    expect(second.items.map((i) => i.delta)).toEqual([-20, -10]);
    expect(second.nextCursor).toBeNull();
    const back = members.history(G, 'alice', { after: second.prevCursor }, 2, { kind: 'spent' });
    expect(back.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    expect(back.prevCursor).toBeNull();
  });
});

describe('MembersService.earningsBySource', () => {
  it('nets revokes and reversals into the source they correct, adding up to lifetime earned', () => {
    const earnings = members.earningsBySource(G, 'alice');
    // The trade was reversed in full: the platform nets to nothing and is left out.
    expect(earnings).toEqual([
      { source: 'award', sparks: 70 },
      { source: 'campaign', sparks: 40 },
    ]);
    const total = earnings.reduce((sum, e) => sum + e.sparks, 0);
    expect(total).toBe(members.profile(G, 'alice').lifetimeEarned);
  });

  it('reads the same at every point of the rollup: its sums up to the watermark, the entries after it', () => {
    const unfolded = members.earningsBySource(G, 'alice');
    const rollup = new LedgerRollup({ db: env.db, clock: env.clock, chunk: 1 });
    const entries = (env.db.sqlite.prepare('SELECT COUNT(*) AS n FROM transfers').get() as { n: number }).n;
    for (let folded = 1; folded <= entries; folded++) {
      expect(rollup.catchUp(1).watermark).toBe(folded);
      expect(members.earningsBySource(G, 'alice')).toEqual(unfolded);
      expect(verifyLedger(env.db.sqlite)).toMatchObject({ ok: true });
    }
    const stored = env.db.sqlite
      .prepare('SELECT kind, sparks FROM ledger_account_earned ORDER BY kind')
      .all();
    // The reversed trade nets to zero in the rollup too; the service nets revokes into awards.
    expect(stored).toEqual([
      { kind: 'award', sparks: 80 },
      { kind: 'campaign.grant', sparks: 40 },
      { kind: 'platform.trade', sparks: 0 },
      { kind: 'revoke', sparks: -10 },
    ]);
    // A rollup that disagrees with the journal is caught by verify.
    env.db.sqlite.prepare(`UPDATE ledger_account_earned SET sparks = 81 WHERE kind = 'award'`).run();
    expect(verifyLedger(env.db.sqlite).checks.find((c) => !c.ok)?.name).toMatch(/earnings per member/);
  });

  it('is empty for a member without an account', () => {
    expect(members.earningsBySource(G, 'nobody')).toEqual([]);
  });
});

describe('MembersService.setLeaderboardHidden', () => {
  it('records the choice per guild, says whether it changed, and lists the hidden among a page', () => {
    expect(members.leaderboardHidden(G, 'alice')).toBe(false);
    expect(members.setLeaderboardHidden(G, 'alice', true)).toBe(true);
    expect(members.setLeaderboardHidden(G, 'alice', true)).toBe(false);
    expect(members.leaderboardHidden(G, 'alice')).toBe(true);
    expect(members.leaderboardHidden('300000000000000001', 'alice')).toBe(false);
    expect([...members.hiddenOnLeaderboard(G, ['bob', 'alice', 'carol'])]).toEqual(['alice']);
    expect(members.setLeaderboardHidden(G, 'alice', false)).toBe(true);
    expect(members.hiddenOnLeaderboard(G, ['alice']).size).toBe(0);
  });
});
