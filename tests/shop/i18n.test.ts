import { describe, expect, it } from 'vitest';
import { missingTranslations, translate, type Locale } from '../../src/discord/i18n/index.ts';
import type { InputKind, InputProblem } from '../../src/shop/input.ts';
import type { FailureCode } from '../../src/shop/redemptions.ts';
import type { RewardProblem } from '../../src/shop/rewards.ts';

// Records force every member of each union to be listed: a new code without words fails to compile.
const failures: Record<FailureCode, true> = {
  role_missing: true,
  role_managed: true,
  role_dangerous: true,
  role_too_high: true,
  bot_missing_permission: true,
  member_left: true,
  discord_unavailable: true,
  interrupted: true,
  rejected: true,
};
const problems: Record<InputProblem, true> = {
  empty: true,
  too_long: true,
  evm_format: true,
  evm_checksum: true,
  solana_format: true,
  wallet_format: true,
  link_format: true,
  link_other_server: true,
};
const invalid: Record<RewardProblem, true> = {
  name_length: true,
  name_taken: true,
  cost_range: true,
  description_length: true,
  stock_range: true,
  limit_range: true,
  role_required: true,
  role_not_allowed: true,
  duration_role_only: true,
  duration_range: true,
  input_manual_only: true,
  input_label_length: true,
  input_kind_invalid: true,
  role_change_active: true,
  image_url: true,
  gate_days: true,
  wallet_manual_only: true,
  wallet_kind: true,
};
const kinds: Record<InputKind, true> = {
  text: true,
  evm_address: true,
  solana_address: true,
  wallet: true,
  message_link: true,
};
const paused = [
  'role_missing',
  'role_managed',
  'role_dangerous',
  'role_too_high',
  'bot_missing_permission',
  'moderator',
];

const keys = [
  ...Object.keys(failures).map((k) => `shop.failure.${k}`),
  ...Object.keys(problems).map((k) => `shop.input.${k}`),
  ...Object.keys(invalid).map((k) => `shop.invalid.${k}`),
  ...Object.keys(kinds).map((k) => `shop.input_label.${k}`),
  ...paused.map((k) => `shop.reason.${k}`),
  ...['role_missing', 'role_managed', 'role_dangerous', 'role_too_high', 'bot_missing_permission'].map(
    (k) => `shop.fix.${k}`,
  ),
];

describe('the shop speaks English and Korean', () => {
  it('has every key in both languages', () => {
    expect(missingTranslations()).toEqual([]);
  });

  it.each(['en', 'ko'] as Locale[])(
    'words every failure, input problem and reward problem in %s',
    (locale) => {
      const missing = keys.filter((key) => translate(locale, key) === key);
      expect(missing).toEqual([]);
    },
  );
});
