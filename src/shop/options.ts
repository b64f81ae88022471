/**
 * The reward fields as `/sparks-admin reward add|edit` options and the dashboard's shop form
 * name them (the same names: SPEC §8), with the bounds both give them. One table, so the
 * command and the form offer and refuse the same values; RewardService still checks them.
 */
import { MAX_AMOUNT, MIN_AMOUNT } from '../ledger/amount.ts';
import { MAX_GATE_DAYS } from '../members/gates.ts';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_IMAGE_URL_LENGTH,
  MAX_INPUT_LABEL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PER_MEMBER_LIMIT,
  MAX_STOCK,
} from './rewards.ts';
import { REQUIRED_WALLET_KINDS } from '../wallets/wallets.ts';

export const REWARD_OPTIONS = {
  name: { maxLength: MAX_NAME_LENGTH },
  cost: { min: MIN_AMOUNT, max: MAX_AMOUNT },
  description: { maxLength: MAX_DESCRIPTION_LENGTH },
  stock: { min: 0, max: MAX_STOCK },
  per_member_limit: { min: 1, max: MAX_PER_MEMBER_LIMIT },
  /** Text such as `1d 12h`; durationFromText decides what it means. */
  duration: { maxLength: 40 },
  input_label: { maxLength: MAX_INPUT_LABEL_LENGTH },
  image_url: { maxLength: MAX_IMAGE_URL_LENGTH },
  /** Gates (SPEC §11); 0 = none. `verified_wallet` is yes/no. */
  min_member_days: { min: 0, max: MAX_GATE_DAYS },
  min_account_days: { min: 0, max: MAX_GATE_DAYS },
  /** Manual rewards: which linked wallet is filled in (REQUIRED_WALLET_KINDS). */
  requires_wallet: { choices: REQUIRED_WALLET_KINDS },
} as const;
