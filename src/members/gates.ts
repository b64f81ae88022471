/**
 * Gates (SPEC §11): who may take part in a campaign, a quest, a raffle or a reward. Pure:
 * the caller brings the member's facts (roles, when they joined, their id) from wherever
 * it has them — a reaction's member, a fetched member, an interaction — and `now`.
 *
 * The refusals are ordinary `SparksError`s so every edge words them the same way:
 * `SPARKS.ROLE_REQUIRED { roleId }`, `SPARKS.MEMBER_TOO_NEW { days, have }`,
 * `SPARKS.ACCOUNT_TOO_NEW { days, have }` (`have` is whole days, rounded down).
 * `verified_wallet` and flags join here with the identity issue.
 */
import { DAY_MS } from '../core/clock.ts';
import { SparksError, type CodesOf } from '../core/errors.ts';

export const GATE_ERROR_CODES = ['SPARKS.MEMBER_TOO_NEW', 'SPARKS.ACCOUNT_TOO_NEW'] as const;

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
}

export const NO_GATES: Gates = { requiredRoleId: null, minMemberDays: null, minAccountDays: null };

export interface GateFacts {
  userId: string;
  roleIds: readonly string[];
  /** When they joined the server (ms); null when unknown, which fails a member-days gate. */
  joinedAt: number | null;
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
  return null;
}

/** Throws the first refusal (see `gateRefusal`). */
export function assertGates(gates: Gates, facts: GateFacts, now: number): void {
  const refusal = gateRefusal(gates, facts, now);
  if (refusal) throw refusal;
}

/** Checks a gate's numbers as an admin enters them: whole days from 0 to 3650 (0 = no gate). */
export function parseGateDays(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (!Number.isInteger(value) || value < 0 || value > 3650)
    throw new SparksError('SPARKS.OUT_OF_RANGE', { field, min: 0, max: 3650 });
  return value;
}
