import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import {
  DISCORD_EPOCH_MS,
  NO_GATES,
  accountCreatedAt,
  assertGates,
  gateRefusal,
  gatesOf,
  isGated,
  parseGateDays,
} from '../../src/members/gates.ts';

/** A snowflake minted at `ms`. */
const idAt = (ms: number) => String(BigInt(ms - DISCORD_EPOCH_MS) << 22n);
const NOW = Date.UTC(2026, 11, 2, 12);

describe('gates', () => {
  it('reads an account creation time from its id', () => {
    expect(accountCreatedAt('175928847299117063')).toBe(Date.UTC(2016, 3, 30, 11, 18, 25, 796));
    expect(accountCreatedAt(idAt(NOW - 3 * DAY_MS))).toBe(NOW - 3 * DAY_MS);
    expect(() => accountCreatedAt('12a')).toThrow(/INVALID_INPUT/);
  });

  it('passes everyone when there are no gates', () => {
    expect(gateRefusal(NO_GATES, { userId: idAt(NOW), roleIds: [], joinedAt: null }, NOW)).toBeNull();
  });

  it('names the first gate a member fails, with the days they have', () => {
    const gates = { requiredRoleId: '900', minMemberDays: 7, minAccountDays: 30, verifiedWallet: false };
    const member = { userId: idAt(NOW - 29.5 * DAY_MS), roleIds: ['900'], joinedAt: NOW - 6.9 * DAY_MS };
    const role = gateRefusal(gates, { ...member, roleIds: [] }, NOW);
    expect(role?.code).toBe('SPARKS.ROLE_REQUIRED');
    expect(role?.params).toEqual({ roleId: '900' });
    const days = gateRefusal(gates, member, NOW);
    expect(days?.code).toBe('SPARKS.MEMBER_TOO_NEW');
    expect(days?.params).toEqual({ days: 7, have: 6 });
    const unknownJoin = gateRefusal(gates, { ...member, joinedAt: null }, NOW);
    expect(unknownJoin?.code).toBe('SPARKS.MEMBER_TOO_NEW');
    const account = gateRefusal(gates, { ...member, joinedAt: NOW - 7 * DAY_MS }, NOW);
    expect(account?.code).toBe('SPARKS.ACCOUNT_TOO_NEW');
    expect(account?.params).toEqual({ days: 30, have: 29 });
    const old = { ...member, userId: idAt(NOW - 30 * DAY_MS), joinedAt: NOW - 7 * DAY_MS };
    expect(gateRefusal(gates, old, NOW)).toBeNull();
    expect(() => assertGates(gates, member, NOW)).toThrow(/MEMBER_TOO_NEW/);
  });

  it('asks a wallet gate for a linked wallet, and says where to link one', () => {
    const gates = { ...NO_GATES, verifiedWallet: true };
    const member = { userId: idAt(NOW - 400 * DAY_MS), roleIds: [], joinedAt: NOW - 400 * DAY_MS };
    const page = 'https://sparks.example/g/1/wallets';
    const none = gateRefusal(gates, { ...member, hasWallet: false, walletPage: page }, NOW);
    expect(none?.code).toBe('SPARKS.WALLET_REQUIRED');
    expect(none?.params).toEqual({ chain: 'any', reasonKey: 'wallet.required.link', url: page });
    expect(gateRefusal(gates, member, NOW)?.params.reasonKey).toBe('wallet.required.no_site');
    expect(gateRefusal(gates, { ...member, hasWallet: true }, NOW)).toBeNull();
    // Without the gate, no wallet is needed.
    expect(gateRefusal(NO_GATES, { ...member, hasWallet: false }, NOW)).toBeNull();
  });

  it("reads a row's gate columns", () => {
    const row = { requiredRoleId: null, minMemberDays: 3, minAccountDays: null, verifiedWallet: 1 };
    expect(gatesOf(row)).toEqual({
      requiredRoleId: null,
      minMemberDays: 3,
      minAccountDays: null,
      verifiedWallet: true,
    });
    expect(isGated(gatesOf(row))).toBe(true);
    expect(isGated(NO_GATES)).toBe(false);
  });

  it('checks the days an admin enters', () => {
    expect(parseGateDays(undefined, 'min_account_days')).toBeNull();
    expect(parseGateDays(0, 'min_account_days')).toBeNull();
    expect(parseGateDays(14, 'min_account_days')).toBe(14);
    for (const bad of [-1, 1.5, 3651]) {
      let error: unknown;
      try {
        parseGateDays(bad, 'min_account_days');
      } catch (e) {
        error = e;
      }
      expect(isSparksError(error, 'SPARKS.OUT_OF_RANGE')).toBe(true);
    }
  });
});
