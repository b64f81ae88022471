/**
 * Gates (SPEC §11): who may take part in a campaign, a quest, a raffle or a reward. Pure:
 * the caller brings the member's facts (roles, when they joined, their id) from wherever
 * it has them — a reaction's member, a fetched member, an interaction — and `now`.
 *
 * The refusals are ordinary `SparksError`s so every edge words them the same way:
 * `SPARKS.ROLE_REQUIRED { roleId }`, `SPARKS.MEMBER_TOO_NEW { days, have }`,
 * `SPARKS.ACCOUNT_TOO_NEW { days, have }` (`have` is whole days, rounded down),
 * `SPARKS.WALLET_REQUIRED { chain, reasonKey, url }` (the member links one on the web page
 * the caller names: `walletPage`, or none when the site is off).
 */
import { DAY_MS } from '../core/clock.ts';
import { SparksError, type CodesOf } from '../core/errors.ts';

export const GATE_ERROR_CODES = [
  'SPARKS.MEMBER_TOO_NEW',
  'SPARKS.ACCOUNT_TOO_NEW',
  'SPARKS.WALLET_REQUIRED',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof GATE_ERROR_CODES> {}
}

/** Discord's epoch (2015-01-01T00:00:00Z): a snowflake's top 42 bits count ms from it. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** When the account behind a Discord id was created (ms since the Unix epoch). */
export function accountCreatedAt(userId: string): number {
  if (!/^\d{1,20}$/.test(userId)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'user' });
  return Number(BigInt(userId) >> 22n) + DISCORD_EPOCH_MS;
}

export interface Gates {
  /** The member must hold this role. */
  requiredRoleId: string | null;
  /** Whole days since the member joined this server. */
  minMemberDays: number | null;
  /** Whole days since the Discord account was created (from its id). */
  minAccountDays: number | null;
  /** The member must have linked a wallet by signature (SPEC §11). */
  verifiedWallet: boolean;
}

export const NO_GATES: Gates = {
  requiredRoleId: null,
  minMemberDays: null,
  minAccountDays: null,
  verifiedWallet: false,
};

/** The gate columns as a campaign, raffle or reward row stores them. */
export interface GateColumns {
  requiredRoleId: string | null;
  minMemberDays: number | null;
  minAccountDays: number | null;
  verifiedWallet: number;
}

export function gatesOf(row: GateColumns): Gates {
  return {
    requiredRoleId: row.requiredRoleId,
    minMemberDays: row.minMemberDays,
    minAccountDays: row.minAccountDays,
    verifiedWallet: row.verifiedWallet === 1,
  };
}

/** Whether any gate needs more than the member's id and roles (their join date or wallets). */
export function isGated(gates: Gates): boolean {
  return (
    gates.requiredRoleId !== null ||
    gates.minMemberDays !== null ||
    gates.minAccountDays !== null ||
    gates.verifiedWallet
  );
}

export interface GateFacts {
  userId: string;
  roleIds: readonly string[];
  /** When they joined the server (ms); null when unknown, which fails a member-days gate. */
  joinedAt: number | null;
  /** Whether they hold a linked wallet; only asked by a `verifiedWallet` gate (absent = no). */
  hasWallet?: boolean;
  /** Where they link one (the member's wallets page); null when the site is off. */
  walletPage?: string | null;
}

/** Whole days from `since` to `now`, never negative. */
function daysSince(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / DAY_MS));
}

/** The first gate `facts` fail, as the error to raise; null when every gate passes. */
export function gateRefusal(gates: Gates, facts: GateFacts, now: number): SparksError | null {
  if (gates.requiredRoleId && !facts.roleIds.includes(gates.requiredRoleId))
    return new SparksError('SPARKS.ROLE_REQUIRED', { roleId: gates.requiredRoleId });
  if (gates.minMemberDays) {
    const have = facts.joinedAt === null ? 0 : daysSince(facts.joinedAt, now);
    if (facts.joinedAt === null || have < gates.minMemberDays)
      return new SparksError('SPARKS.MEMBER_TOO_NEW', { days: gates.minMemberDays, have });
  }
  if (gates.minAccountDays) {
    const have = daysSince(accountCreatedAt(facts.userId), now);
    if (have < gates.minAccountDays)
      return new SparksError('SPARKS.ACCOUNT_TOO_NEW', { days: gates.minAccountDays, have });
  }
  if (gates.verifiedWallet && facts.hasWallet !== true)
    return walletRequired('any', facts.walletPage ?? null);
  return null;
}

/**
 * The refusal for a missing wallet (a gate, or a manual reward that fills in the address):
 * `chain` is the kind asked for, `url` where to link one.
 */
export function walletRequired(chain: 'any' | 'evm' | 'solana', url: string | null): SparksError {
  return new SparksError('SPARKS.WALLET_REQUIRED', {
    chain,
    reasonKey: url ? 'wallet.required.link' : 'wallet.required.no_site',
    url: url ?? '',
  });
}

/** Throws the first refusal (see `gateRefusal`). */
export function assertGates(gates: Gates, facts: GateFacts, now: number): void {
  const refusal = gateRefusal(gates, facts, now);
  if (refusal) throw refusal;
}

/** The longest a days gate may ask for (ten years). */
export const MAX_GATE_DAYS = 3650;

/** Checks a gate's numbers as an admin enters them: whole days from 0 to 3650 (0 = no gate). */
export function parseGateDays(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_GATE_DAYS)
    throw new SparksError('SPARKS.OUT_OF_RANGE', { field, min: 0, max: MAX_GATE_DAYS });
  return value;
}
