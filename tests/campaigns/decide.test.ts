import { describe, expect, it } from 'vitest';
import {
  decideEnd,
  decideGrant,
  decideRevoke,
  evolve,
  type CampaignTally,
  type GrantRequest,
  type RevokeRequest,
} from '../../src/campaigns/decide.ts';

const END = 1_000_000;
/** A campaign of 10 Sparks per member, ending at END, with a budget of 100 and room for 5 claims. */
const given = (over: Partial<CampaignTally> = {}): CampaignTally => ({
  sparks: 10,
  endsAt: END,
  maxClaims: 5,
  budgeted: true,
  claims: 2,
  granted: 20,
  budgetLeft: 80,
  endReason: null,
  ...over,
});
const live = (over: Partial<GrantRequest> = {}): GrantRequest => ({
  at: END - 1,
  reconcile: false,
  claimed: false,
  ...over,
});

describe('decideGrant', () => {
  it.each<[string, CampaignTally, GrantRequest, string]>([
    ['an open campaign, a first reaction', given(), live(), 'granted'],
    ['a reaction at the end time', given(), live({ at: END }), 'late'],
    ['a reaction after the end time', given(), live({ at: END + 1 }), 'late'],
    ['a reconciled reaction after the end time', given(), live({ at: END + 1, reconcile: true }), 'granted'],
    ['no end time, any time', given({ endsAt: null }), live({ at: END * 10 }), 'granted'],
    ['a member who already claimed', given(), live({ claimed: true }), 'duplicate'],
    ['late and claimed: late wins', given(), live({ at: END, claimed: true }), 'late'],
    ['a budget short of one grant', given({ budgetLeft: 9 }), live(), 'budget'],
    ['a budget of exactly one grant', given({ budgetLeft: 10 }), live(), 'granted'],
    [
      'claimed and out of budget: duplicate wins',
      given({ budgetLeft: 0 }),
      live({ claimed: true }),
      'duplicate',
    ],
    ['no budget at all (issuance)', given({ budgeted: false, budgetLeft: Infinity }), live(), 'granted'],
    ['a campaign ending in this batch', given({ endReason: 'cap' }), live(), 'ended'],
  ])('given %s, then %s', (_case, state, request, outcome) => {
    expect(decideGrant(state, request).type).toBe(outcome);
  });

  it('grants the campaign’s amount', () => {
    expect(decideGrant(given({ sparks: 7 }), live())).toEqual({ type: 'granted', amount: 7 });
  });
});

describe('decideRevoke', () => {
  const rule = { revokeOnUnreact: true, endsAt: END };
  const removed = (over: Partial<RevokeRequest> = {}): RevokeRequest => ({
    at: END - 1,
    claim: { amount: 50, reversed: false },
    held: 100,
    ...over,
  });
  it.each<[string, typeof rule, RevokeRequest, object]>([
    ['a claim and enough held', rule, removed(), { type: 'revoked', amount: 50 }],
    ['some of it spent', rule, removed({ held: 30 }), { type: 'revoked', amount: 30 }],
    ['all of it spent', rule, removed({ held: 0 }), { type: 'nothing_left' }],
    ['no claim', rule, removed({ claim: null }), { type: 'not_claimed' }],
    [
      'a claim already reversed',
      rule,
      removed({ claim: { amount: 50, reversed: true } }),
      { type: 'not_claimed' },
    ],
    ['after the end time', rule, removed({ at: END }), { type: 'late' }],
    [
      'a campaign without revoke_on_unreact',
      { ...rule, revokeOnUnreact: false },
      removed(),
      { type: 'not_claimed' },
    ],
  ])('given %s, then %j', (_case, r, request, outcome) => {
    expect(decideRevoke(r, request)).toEqual(outcome);
  });
});

describe('evolve', () => {
  it.each<
    [
      string,
      CampaignTally,
      Parameters<typeof evolve>[1],
      Parameters<typeof evolve>[2],
      Partial<CampaignTally>,
    ]
  >([
    [
      'a grant',
      given(),
      'grant',
      { type: 'granted', amount: 10 },
      { claims: 3, granted: 30, budgetLeft: 70 },
    ],
    [
      'the grant that reaches max_claims',
      given({ claims: 4 }),
      'grant',
      { type: 'granted', amount: 10 },
      { claims: 5, endReason: 'cap' },
    ],
    [
      'the grant that leaves less than one grant',
      given({ budgetLeft: 15, maxClaims: null }),
      'grant',
      { type: 'granted', amount: 10 },
      { budgetLeft: 5, endReason: 'budget' },
    ],
    [
      'cap and budget together: cap',
      given({ claims: 4, budgetLeft: 10 }),
      'grant',
      { type: 'granted', amount: 10 },
      { endReason: 'cap' },
    ],
    [
      'a refused grant with the budget already short',
      given({ budgetLeft: 5 }),
      'grant',
      { type: 'budget' },
      { claims: 2, endReason: 'budget' },
    ],
    ['a duplicate', given(), 'grant', { type: 'duplicate' }, { claims: 2, granted: 20, endReason: null }],
    [
      'a revoke refills the budget',
      given(),
      'revoke',
      { type: 'revoked', amount: 10 },
      { budgetLeft: 90, claims: 2 },
    ],
    [
      'a revoke never ends the campaign',
      given({ budgetLeft: 5 }),
      'revoke',
      { type: 'not_claimed' },
      { endReason: null },
    ],
    [
      'a revoke without a budget',
      given({ budgeted: false, budgetLeft: Infinity }),
      'revoke',
      { type: 'revoked', amount: 10 },
      { budgetLeft: Infinity },
    ],
    [
      'a campaign already ending stays as it is',
      given({ endReason: 'budget', claims: 4 }),
      'grant',
      { type: 'granted', amount: 10 },
      { claims: 4, endReason: 'budget' },
    ],
  ])('given %s', (_case, state, kind, outcome, then) => {
    expect(evolve(state, kind, outcome)).toMatchObject(then);
  });

  it('returns a new state and leaves the given one as it was', () => {
    const state = given();
    const next = evolve(state, 'grant', { type: 'granted', amount: 10 });
    expect(next).not.toBe(state);
    expect(state).toEqual(given());
  });
});

describe('decideEnd', () => {
  it.each<[string, Partial<CampaignTally>, string | null]>([
    ['room left', {}, null],
    ['max_claims reached', { claims: 5 }, 'cap'],
    ['no max_claims', { maxClaims: null, claims: 1_000 }, null],
    ['budget below one grant', { budgetLeft: 9 }, 'budget'],
  ])('given %s, then %s', (_case, over, reason) => {
    expect(decideEnd(given(over))).toBe(reason);
  });
});
