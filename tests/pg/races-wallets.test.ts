/**
 * Two wallet links at once on PostgreSQL, from two bot processes, as SQLite's single writer
 * has them: a member never passes MAX_WALLETS_PER_MEMBER, and a member proving a wallet that
 * another member is linking at that moment is refused and both are flagged (not merely
 * refused by the unique index, which flags no one).
 */
import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import type { FlagRaise } from '../../src/members/flags.ts';
import { MAX_WALLETS_PER_MEMBER, WalletService } from '../../src/wallets/wallets.ts';
import type { WalletChain } from '../../src/wallets/addresses.ts';
import { sharedDatabase, startChild, untilBlockedOrDone, type Child } from './races-kit.ts';

const G = '200000000000000001';
const ALICE = '300000000000000001';
const BOB = '300000000000000002';
const SITE = 'http://127.0.0.1:4123';
const evm = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const solKey = (n: number) => new Uint8Array(32).fill(n);
const solAddress = (secret: Uint8Array) => base58.encode(ed25519.getPublicKey(secret));
const solSign = (message: string, secret: Uint8Array) =>
  base64.encode(ed25519.sign(new TextEncoder().encode(message), secret));

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setup() {
  const shared = await sharedDatabase();
  close = shared.close;
  const raised: FlagRaise[] = [];
  let n = 0;
  const wallets = new WalletService({
    db: shared.db,
    clock: Date.now,
    audit: new AuditQueue(),
    siteUrl: SITE,
    flags: { raise: (input) => (raised.push(input), { raised: true }) },
    random: () => `nonce${String(++n).padStart(6, '0')}`,
  });
  /** A signed proof for `userId`: the challenge issued, the wallet's signature over it. */
  const proof = async (
    userId: string,
    chain: WalletChain,
    address: string,
    sign: (m: string) => Promise<string>,
  ) => {
    const c = wallets.challenge({ guildId: G, userId, chain, address });
    return {
      guildId: G,
      userId,
      chain,
      message: c.message,
      signature: await sign(c.message),
      nonce: c.nonce,
    };
  };
  /**
   * Links `first` here, and right after its wallet row is written — its transaction still
   * open — starts a second process linking `second`, until that one blocks or finishes.
   */
  const linkBoth = async (
    first: Awaited<ReturnType<typeof proof>>,
    second: Awaited<ReturnType<typeof proof>>,
  ) => {
    const insert = wallets.store.insert.bind(wallets.store);
    let child: Child | undefined;
    let blockedIn: string | null = null;
    wallets.store.insert = (input) => {
      const row = insert(input);
      child ??= startChild(shared.url, 'wallet-link', { ...second, site: SITE });
      blockedIn = untilBlockedOrDone(shared.db, child);
      return row;
    };
    const linked = await wallets.link(first);
    wallets.store.insert = insert;
    return { linked, second: await child!.done, blockedIn: blockedIn as string | null };
  };
  return { ...shared, wallets, raised, proof, linkBoth };
}

describe('two wallet links at once on PostgreSQL', () => {
  it('by one member: the second counts after the first, and the member stops at the limit', async () => {
    const s = await setup();
    for (let i = 0; i < MAX_WALLETS_PER_MEMBER - 1; i++) {
      s.db.run(
        `INSERT INTO wallets (guild_id, user_id, chain, address, nonce, linked_at) VALUES ($1, $2, 'solana', $3, $4, $5)`,
        [G, ALICE, `linked-${i}`, `seed-${i}`, Date.now()],
      );
    }
    const [a, b] = [solKey(1), solKey(2)];
    const first = await s.proof(ALICE, 'solana', solAddress(a), (m) => Promise.resolve(solSign(m, a)));
    const second = await s.proof(ALICE, 'solana', solAddress(b), (m) => Promise.resolve(solSign(m, b)));
    const { linked, second: other, blockedIn } = await s.linkBoth(first, second);
    expect(linked.address).toBe(solAddress(a));
    expect(s.wallets.list(G, ALICE)).toHaveLength(MAX_WALLETS_PER_MEMBER);
    expect(other.outcome).toBe('SPARKS.WALLET_LIMIT');
    expect(blockedIn).toContain('pg_advisory_xact_lock');
    // Refused: its nonce was not spent.
    expect(s.wallets.store.nonce(second.nonce)?.usedAt).toBeNull();
  }, 90_000);

  it('of one wallet by two members: the second is refused and both are flagged, as on SQLite', async () => {
    const s = await setup();
    const sign = (message: string) => evm.signMessage({ message });
    const bob = await s.proof(BOB, 'evm', evm.address, sign);
    const alice = await s.proof(ALICE, 'evm', evm.address.toLowerCase(), sign);
    const { linked, second, blockedIn } = await s.linkBoth(bob, alice);
    expect(linked.userId).toBe(BOB);
    expect(second.outcome).toBe('SPARKS.WALLET_TAKEN');
    expect(second.raised).toEqual([
      [ALICE, 'auto:wallet_shared'],
      [BOB, 'auto:wallet_shared'],
    ]);
    expect(blockedIn).toContain('pg_advisory_xact_lock');
    expect(s.wallets.list(G, ALICE)).toEqual([]);
    expect(s.wallets.list(G, BOB)).toHaveLength(1);
    // Nothing but the flags was written: Alice's nonce was not spent.
    expect(s.wallets.store.nonce(alice.nonce)?.usedAt).toBeNull();
  }, 90_000);
});
