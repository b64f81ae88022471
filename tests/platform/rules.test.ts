import { describe, expect, it } from 'vitest';
import {
  capToDaily,
  planSparks,
  referralFirstSubShare,
  referralTradeShare,
  subscriptionSparks,
  tradeSparks,
} from '../../src/platform/rules.ts';
import { formatUsd, parseUsdCents } from '../../src/platform/schemas.ts';

const rates = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  planSparks: { pro: 250, constructor: 7 } as Record<string, number>,
  firstSubscriptionBonus: 40,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

describe('trade Sparks = floor(volume cents × rate / 10 000)', () => {
  it.each([
    // [volume cents, rate per 100 USD, Sparks]
    [999, 10, 0], // 9.99 USD: not a whole 10 USD
    [1_000, 10, 1], // 10.00 USD
    [1_999, 10, 1], // 19.99 USD rounds down
    [123_456, 10, 123], // 1,234.56 USD
    [123_456, 0, 0], // trading earns nothing in this guild
    [50, 1_000_000, 5_000], // 0.50 USD at the highest rate
    [100_000_000_000_000, 10, 100_000_000_000], // 1e12 USD: exact, beyond what one entry may hold
  ])('%i cents at %i per 100 USD → %i', (cents, rate, sparks) => {
    expect(tradeSparks({ tradeSparksPer100Usd: rate }, cents)).toBe(sparks);
  });

  it('saturates instead of losing precision when cents × rate passes 2^53', () => {
    expect(tradeSparks({ tradeSparksPer100Usd: 1_000_000 }, 100_000_000_000_000)).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });
});

describe('subscription Sparks', () => {
  it.each([
    ['basic', false, 100], // no plan rate: the flat rate
    ['pro', false, 250], // the plan's own rate
    ['pro', true, 290], // plus the first-subscription bonus
    ['basic', true, 140],
    ['toString', false, 100], // inherited object keys are not plans
    ['constructor', false, 7], // …unless the guild really named a plan so
  ])('plan %s, first %s → %i', (plan, first, sparks) => {
    expect(subscriptionSparks(rates, plan, first)).toBe(sparks);
  });

  it('reads a plan rate of 0 as 0, not as "unset"', () => {
    expect(planSparks({ planSparks: { free: 0 }, subscriptionSparks: 100 }, 'free')).toBe(0);
  });
});

describe('referral shares round down', () => {
  it.each([
    [123, 10, 12],
    [9, 10, 0],
    [100, 100, 100],
    [1_000_000_000, 37, 370_000_000],
  ])('%i invitee trade Sparks at %i %% → %i', (sparks, pct, share) => {
    expect(referralTradeShare({ referralTradeSharePct: pct }, sparks)).toBe(share);
  });

  it.each([
    [100, 50, 50],
    [101, 50, 50],
    [1, 50, 0],
  ])('%i first-subscription Sparks at %i %% → %i', (sparks, pct, share) => {
    expect(referralFirstSubShare({ referralFirstSubPct: pct }, sparks)).toBe(share);
  });
});

describe('daily cap', () => {
  it.each([
    [null, 5_000, 300, 300], // no cap
    [1_000, 0, 300, 300],
    [1_000, 900, 300, 100], // credit up to the cap
    [1_000, 1_000, 300, 0], // the rest is not credited
    [1_000, 1_200, 300, 0], // never negative (the cap was lowered today)
  ])('cap %s, %i earned today, %i due → %i credited', (cap, earned, amount, credited) => {
    expect(capToDaily(cap, earned, amount)).toBe(credited);
  });
});

describe('USD amounts to integer cents', () => {
  it.each([
    [1234.56, 123_456], // a float that is not exact in binary
    ['1234.56', 123_456],
    [0.1 + 0.2, 30],
    [19.99, 1_999],
    ['0.019', 1], // rounded down to the cent
    ['10', 1_000],
    [1e-7, 0], // positive, but less than a cent
    [1_000_000_000_000, 100_000_000_000_000],
  ])('%s → %i cents', (value, cents) => {
    expect(parseUsdCents(value)).toEqual({ cents });
  });

  it.each([
    [0, 'greater than 0'],
    ['0.00', 'greater than 0'],
    [-5, 'greater than 0'],
    [Number.NaN, 'finite'],
    [Number.POSITIVE_INFINITY, 'finite'],
    [1_000_000_000_000.5, 'at most'],
    ['1000000000000.01', 'at most'],
    ['1e3', 'decimal string'],
    [' 12', 'decimal string'],
    ['-12', 'decimal string'],
    ['12,5', 'decimal string'],
    [true, 'positive number'],
    [null, 'positive number'],
    [undefined, 'required'],
  ])('refuses %s (%s)', (value, message) => {
    const result = parseUsdCents(value);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toContain(message);
  });

  it('formats cents for reasons', () => {
    expect(formatUsd(123_456)).toBe('1,234.56');
    expect(formatUsd(5)).toBe('0.05');
  });
});
