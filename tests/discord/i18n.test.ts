import { describe, expect, it } from 'vitest';
import { missingTranslations, translate } from '../../src/discord/i18n/index.ts';

describe('i18n', () => {
  it('every string exists in English and Korean', () => {
    expect(missingTranslations()).toEqual([]);
  });

  it('fills parameters and formats numbers for the locale', () => {
    expect(translate('en', 'balance.next_tier_value', { amount: 3500, role: 'Gold' })).toBe(
      '3,500 Sparks to Gold',
    );
    expect(translate('ko', 'balance.next_tier_value', { amount: 3500, role: 'Gold' })).toBe(
      'Gold까지 3,500 Sparks',
    );
    expect(translate('ko', 'leaderboard.footer', { page: 1, pages: 2, total: 15 })).toBe(
      '2페이지 중 1페이지 · 15명',
    );
  });
});
