import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { MembersService } from '../../src/members/members.ts';
import { TierService } from '../../src/tiers/tiers.ts';
import { freshLedger, G, MOD } from '../helpers/db.ts';

let env: ReturnType<typeof freshLedger>;
let members: MembersService;
beforeEach(() => {
  env = freshLedger();
  const { db, ledger, clock } = env;
  members = new MembersService({ db, ledger, tiers: new TierService({ db, ledger, clock }) });
});
afterEach(() => env.db.cleanup());

const earn = (ledger: Ledger, userId: string, amount: number, key: string, extra: object = {}) =>
  ledger.credit({ guildId: G, userId, source: 'award', kind: 'award', amount, key, actor: MOD, ...extra });

describe('MembersService.history', () => {
  it('names each source; a reversal names what it corrects; unknown names stay unknown', () => {
    const trade = env.ledger.credit({
      guildId: G,
      userId: 'alice',
      source: 'platform',
      kind: 'platform.trade',
      amount: 30,
      key: 't',
      actor: { type: 'platform', id: 'evt_1' },
      ref: 'event:evt_1',
    });
    env.ledger.credit({
      guildId: G,
      userId: 'alice',
      source: 'campaign',
      kind: 'campaign.grant',
      amount: 10,
      key: 'c',
      actor: { type: 'campaign', id: '99' },
      ref: 'campaign:99',
    });
    env.ledger.reverse(trade.transfer.id, { key: 'rev', actor: MOD, reason: 'refunded trade' });
    const view = members.history(G, 'alice');
    expect(view.items.map((i) => [i.delta, i.source])).toEqual([
      [-30, { type: 'reversal', of: { type: 'platform', event: 'trade' } }],
      [10, { type: 'campaign', campaignId: 99, name: null }],
      [30, { type: 'platform', event: 'trade' }],
    ]);
    expect(view.items[0]!.reason).toBe('refunded trade');
  });
});

describe('MembersService.leaderboard', () => {
  beforeEach(() => {
    for (let i = 1; i <= 12; i++) earn(env.ledger, `m${i}`, i * 10, `k${i}`);
  });

  it('pages, and clamps a page past the end to the last one, saying so', () => {
    const second = members.leaderboard(G, 'all', 2, 'm1');
    expect(second).toMatchObject({ page: 2, pages: 2, clamped: false, total: 12 });
    expect(second.rows.map((r) => r.userId)).toEqual(['m2', 'm1']);
    expect(second.you).toEqual({ rank: 12, score: 10, ranked: true });
    const past = members.leaderboard(G, 'all', 7, 'm1');
    expect(past).toMatchObject({ page: 2, clamped: true });
    expect(past.rows.map((r) => r.userId)).toEqual(['m2', 'm1']);
  });

  it('an unranked caller has no rank and is told apart from one with no Sparks', () => {
    members.setRanked(G, 'm12', false);
    expect(members.leaderboard(G, 'all', 1, 'm12').you).toEqual({ rank: null, score: 120, ranked: false });
    expect(members.leaderboard(G, 'all', 1, 'nobody').you).toEqual({ rank: null, score: 0, ranked: true });
    expect(members.leaderboard(G, 'all', 1, 'm1').rows[0]!.userId).toBe('m11');
  });
});

describe('ranked flags', () => {
  it('reconcileRanked ranks the listed rankable members and unranks everyone else, in one go', () => {
    for (const u of ['a', 'b', 'c', 'd']) earn(env.ledger, u, 5, u);
    members.setRanked(G, 'c', false);
    const changed = members.reconcileRanked(
      G,
      new Map([
        ['a', true],
        ['b', false], // holds the excluded role
        ['c', true], // excluded role taken away
      ]), // 'd' left the guild
    );
    expect(changed).toBe(3);
    expect(
      ['a', 'b', 'c', 'd'].map((u) => env.ledger.reads.account(G, { type: 'member', ref: u })!.ranked),
    ).toEqual([1, 0, 1, 0]);
    expect(
      members.reconcileRanked(
        G,
        new Map([
          ['a', true],
          ['c', true],
        ]),
      ),
    ).toBe(0);
  });

  it('setRanked changes only an existing account, and only when it differs', () => {
    expect(members.setRanked(G, 'ghost', false)).toBe(false);
    earn(env.ledger, 'a', 5, 'a');
    expect(members.setRanked(G, 'a', true)).toBe(false);
    expect(members.setRanked(G, 'a', false)).toBe(true);
    expect(members.profile(G, 'a')).toMatchObject({ balance: 5, rank: null, ranked: false });
  });
});
