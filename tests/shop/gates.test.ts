import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { isSparksError, type ErrorCode } from '../../src/core/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService, type RewardFields } from '../../src/shop/rewards.ts';
import type { RequiredWallet, WalletLookup } from '../../src/wallets/wallets.ts';
import { award, fakeClock, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const PAGE = `https://sparks.example/g/${G}/wallets`;
const freshEnv = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** The shop over a fake wallet directory: `linked` maps a member to their wallets, newest last. */
function setup(engine: Engine, linked: Record<string, { chain: 'evm' | 'solana'; address: string }[]> = {}) {
  const env = freshEnv(engine);
  const { db } = env;
  cleanup = env.cleanup;
  const clock = fakeClock();
  const audit = new AuditQueue();
  const ledger = new Ledger({ db, clock });
  const wallets: WalletLookup = {
    hasWallet: (_g, u) => (linked[u] ?? []).length > 0,
    addressFor: (_g, u, kind: RequiredWallet) =>
      (linked[u] ?? []).filter((w) => kind === 'any' || w.chain === kind).at(-1)?.address ?? null,
    pageUrl: () => PAGE,
  };
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit, wallets });
  const idAt = (daysOld: number) => String(BigInt(clock() - daysOld * DAY_MS - DISCORD_EPOCH_MS) << 22n);
  const add = (fields: Partial<RewardFields>) =>
    rewards.add(G, MOD.id, { name: 'Whitelist spot', cost: 100, kind: 'manual', ...fields });
  let n = 0;
  const redeem = (userId: string, rewardId: number, joinedDaysAgo: number | null = 400) => {
    award(ledger, userId, 100, `fund:${++n}`);
    return redemptions.reserve({
      guildId: G,
      userId,
      rewardId,
      confirmedCost: 100,
      key: `k:${n}`,
      memberRoleIds: [],
      joinedAt: joinedDaysAgo === null ? null : clock() - joinedDaysAgo * DAY_MS,
    });
  };
  const refusal = (fn: () => unknown): ErrorCode | 'none' => {
    try {
      fn();
      return 'none';
    } catch (e) {
      if (isSparksError(e)) return e.code;
      throw e;
    }
  };
  return { db, rewards, redemptions, add, redeem, idAt, refusal, ledger };
}

describe.each(ENGINES)('the shop gates on %s', (engine) => {
  describe('reward gates', () => {
    it('min_member_days, min_account_days and verified_wallet refuse and admit the right members', () => {
      const s = setup(engine);
      const veteran = s.idAt(400);
      const fresh = s.idAt(3);
      const gated = s.add({ minMemberDays: 7, minAccountDays: 30 });
      expect(s.refusal(() => s.redeem(veteran, gated.id, 6))).toBe('SPARKS.MEMBER_TOO_NEW');
      expect(s.refusal(() => s.redeem(veteran, gated.id, null))).toBe('SPARKS.MEMBER_TOO_NEW');
      expect(s.refusal(() => s.redeem(fresh, gated.id, 400))).toBe('SPARKS.ACCOUNT_TOO_NEW');
      expect(s.redeem(veteran, gated.id, 7).redemption.status).toBe('pending_manual');
    });

    it('a wallet gate names where to link one, and admits a member who has one', () => {
      const holder = '300000000000000011';
      const s = setup(engine, { [holder]: [{ chain: 'evm', address: '0xabc' }] });
      const reward = s.add({ verifiedWallet: true });
      let error: unknown;
      try {
        s.redeem('300000000000000012', reward.id);
      } catch (e) {
        error = e;
      }
      expect(isSparksError(error, 'SPARKS.WALLET_REQUIRED')).toBe(true);
      expect((error as { params: Record<string, unknown> }).params).toMatchObject({
        url: PAGE,
        chain: 'any',
      });
      expect(s.redeem(holder, reward.id).redemption.status).toBe('pending_manual');
    });

    it('refuses days out of range and a wallet on a non-manual reward, writing nothing', () => {
      const s = setup(engine);
      expect(s.refusal(() => s.add({ minMemberDays: 3651 }))).toBe('SPARKS.REWARD_INVALID');
      expect(s.refusal(() => s.add({ minAccountDays: -1 }))).toBe('SPARKS.REWARD_INVALID');
      expect(s.refusal(() => s.add({ kind: 'badge', requiresWallet: 'evm' }))).toBe('SPARKS.REWARD_INVALID');
      expect(s.rewards.list(G)).toEqual([]);
      // 0 days is no gate.
      expect(s.add({ minMemberDays: 0 }).minMemberDays).toBeNull();
    });

    it('edits the gates and clears them', () => {
      const s = setup(engine);
      const r = s.add({});
      const gated = s.rewards.edit(G, r.id, MOD.id, { minAccountDays: 14, verifiedWallet: true });
      expect([gated.minAccountDays, gated.verifiedWallet]).toEqual([14, 1]);
      const cleared = s.rewards.edit(G, r.id, MOD.id, { minAccountDays: 0, verifiedWallet: false });
      expect([cleared.minAccountDays, cleared.verifiedWallet]).toEqual([null, 0]);
    });
  });

  describe('a manual reward that requires a wallet', () => {
    const alice = '300000000000000021';
    const EVM = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const SOL = '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T';

    it('is refused without a linked wallet of that kind, pointing to the wallets page; nothing is held', () => {
      const s = setup(engine, { [alice]: [{ chain: 'solana', address: SOL }] });
      const reward = s.add({ requiresWallet: 'evm' });
      let error: unknown;
      try {
        s.redeem(alice, reward.id);
      } catch (e) {
        error = e;
      }
      expect(isSparksError(error, 'SPARKS.WALLET_REQUIRED')).toBe(true);
      expect((error as { params: Record<string, unknown> }).params).toMatchObject({
        chain: 'evm',
        url: PAGE,
      });
      expect(s.ledger.reads.standing(G, alice).balance).toBe(100);
      expect(s.redemptions.heldByReward(G, alice).size).toBe(0);
      expect(
        s.refusal(() =>
          s.redemptions.preview({ guildId: G, userId: alice, rewardId: reward.id, memberRoleIds: [] }),
        ),
      ).toBe('SPARKS.WALLET_REQUIRED');
    });

    it('fills the address in for the moderators when one is linked (the newest of that kind)', () => {
      const s = setup(engine, {
        [alice]: [
          { chain: 'evm', address: EVM },
          { chain: 'solana', address: SOL },
        ],
      });
      const evmReward = s.add({ name: 'EVM spot', requiresWallet: 'evm' });
      const anyReward = s.add({ name: 'Any spot', requiresWallet: 'any' });
      expect(s.redeem(alice, evmReward.id).redemption.walletAddress).toBe(EVM);
      expect(s.redeem(alice, anyReward.id).redemption.walletAddress).toBe(SOL);
    });
  });
});
