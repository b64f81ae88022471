import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { DAY_MS, MINUTE_MS } from '../../src/core/clock.ts';
import { isSparksError, type ErrorCode } from '../../src/core/errors.ts';
import { FlagService } from '../../src/members/flagging.ts';
import type { FlagRaise } from '../../src/members/flags.ts';
import {
  MAX_WALLETS_PER_MEMBER,
  NONCE_TTL_MS,
  WalletService,
  type Challenge,
} from '../../src/wallets/wallets.ts';
import { PgWalletStore } from '../../src/db/pg/wallet-store.ts';
import { WalletStore } from '../../src/db/wallet-store.ts';
import { fakeClock, freshDb } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const G = '200000000000000001';
const ALICE = '300000000000000001';
const BOB = '300000000000000002';
const SITE = 'http://127.0.0.1:4123';

// Known test keys: the same ones the browser tests inject.
const evm = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const evmOther = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const solSecret = new Uint8Array(32).fill(7);
const solAddress = base58.encode(ed25519.getPublicKey(solSecret));
const solSign = (message: string, secret = solSecret) =>
  base64.encode(ed25519.sign(new TextEncoder().encode(message), secret));

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const fresh = engineDbs();

function setup(engine: Engine, siteUrl: string | null = SITE) {
  const env = fresh(engine);
  const { db } = env;
  cleanup = env.cleanup;
  const clock = fakeClock();
  const audit = new AuditQueue();
  const raised: FlagRaise[] = [];
  let n = 0;
  const wallets = new WalletService({
    db,
    clock,
    audit,
    siteUrl,
    flags: {
      raise: (input) => {
        raised.push(input);
        return { raised: true };
      },
    },
    random: () => `nonce${String(++n).padStart(6, '0')}`,
  });
  return { env, db, clock, wallets, raised, audit };
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ErrorCode | 'none'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'none';
  } catch (e) {
    if (isSparksError(e)) return e.code;
    throw e;
  }
}

describe.each(ENGINES)('wallets on %s', (engine) => {
  it("run on the engine's own store", () => {
    expect(setup(engine).wallets.store).toBeInstanceOf(engine === 'postgres' ? PgWalletStore : WalletStore);
  });

  describe('linking an EVM wallet (Sign-In with Ethereum)', () => {
    it('issues an EIP-4361 message with the domain, a nonce and an expiry, and links on a good signature', async () => {
      const { wallets, clock } = setup(engine);
      const c = wallets.challenge({
        guildId: G,
        userId: ALICE,
        chain: 'evm',
        address: evm.address.toLowerCase(),
      });
      expect(c.address).toBe(evm.address); // stored checksummed
      expect(c.message).toContain(
        `127.0.0.1:4123 wants you to sign in with your Ethereum account:\n${evm.address}`,
      );
      expect(c.message).toContain(`URI: ${SITE}`);
      expect(c.message).toContain('Nonce: nonce000001');
      expect(c.message).toContain(`Expiration Time: ${new Date(clock() + 10 * MINUTE_MS).toISOString()}`);
      const signature = await evm.signMessage({ message: c.message });
      const linked = await wallets.link({
        guildId: G,
        userId: ALICE,
        chain: 'evm',
        message: c.message,
        signature,
      });
      expect(linked).toMatchObject({ chain: 'evm', address: evm.address, userId: ALICE });
      expect(wallets.list(G, ALICE).map((w) => w.address)).toEqual([evm.address]);
      expect(wallets.hasWallet(G, ALICE)).toBe(true);
      expect(wallets.addressFor(G, ALICE, 'evm')).toBe(evm.address);
      expect(wallets.addressFor(G, ALICE, 'solana')).toBeNull();
    });

    it('unlinks, and the wallet can then be linked again', async () => {
      const { wallets } = setup(engine);
      const w = await linkEvm(wallets, ALICE);
      wallets.unlink({ guildId: G, userId: ALICE, walletId: w.id });
      expect(wallets.hasWallet(G, ALICE)).toBe(false);
      expect(await refusal(() => wallets.unlink({ guildId: G, userId: ALICE, walletId: w.id }))).toBe(
        'SPARKS.WALLET_NOT_FOUND',
      );
      await linkEvm(wallets, BOB);
      expect(wallets.list(G, BOB)).toHaveLength(1);
    });
  });

  describe('linking a Solana wallet (signMessage, ed25519)', () => {
    it('links on a good signature and keeps several wallets per member', async () => {
      const { wallets } = setup(engine);
      await linkEvm(wallets, ALICE);
      const c = wallets.challenge({ guildId: G, userId: ALICE, chain: 'solana', address: solAddress });
      expect(c.message.split('\n').slice(0, 2)).toEqual([
        '127.0.0.1:4123 wants you to sign in with your Solana account:',
        solAddress,
      ]);
      await wallets.link({
        guildId: G,
        userId: ALICE,
        chain: 'solana',
        message: c.message,
        signature: solSign(c.message),
      });
      expect(wallets.list(G, ALICE).map((w) => w.chain)).toEqual(['evm', 'solana']);
      expect(wallets.addressFor(G, ALICE, 'any')).toBe(solAddress);
    });
  });

  describe('refusals: each clear, and nothing written', () => {
    type Case = [string, (s: ReturnType<typeof setup>) => Promise<unknown> | (() => unknown), ErrorCode];
    const cases: Case[] = [
      [
        'a malformed EVM address',
        (s) => () => s.wallets.challenge(ch('evm', '0x1234')),
        'SPARKS.WALLET_ADDRESS_INVALID',
      ],
      [
        'an EVM address with a broken checksum',
        (s) => () =>
          s.wallets.challenge(
            ch(
              'evm',
              evm.address.replace(/[a-f]/, (c) => c.toUpperCase()),
            ),
          ),
        'SPARKS.WALLET_ADDRESS_INVALID',
      ],
      [
        'a malformed Solana address',
        (s) => () => s.wallets.challenge(ch('solana', 'not-base58!')),
        'SPARKS.WALLET_ADDRESS_INVALID',
      ],
      [
        'a signature by another address',
        async (s) => {
          const c = s.wallets.challenge(ch('evm', evm.address));
          return s.wallets.link(lk('evm', c.message, await evmOther.signMessage({ message: c.message })));
        },
        'SPARKS.WALLET_SIGNATURE_INVALID',
      ],
      [
        'a Solana signature by another key',
        async (s) => {
          const c = s.wallets.challenge(ch('solana', solAddress));
          return s.wallets.link(lk('solana', c.message, solSign(c.message, new Uint8Array(32).fill(9))));
        },
        'SPARKS.WALLET_SIGNATURE_INVALID',
      ],
      [
        'a message for another domain',
        async (s) => {
          const c = s.wallets.challenge(ch('evm', evm.address));
          const message = c.message.replace('127.0.0.1:4123 wants', 'evil.example wants');
          return s.wallets.link(lk('evm', message, await evm.signMessage({ message })));
        },
        'SPARKS.WALLET_WRONG_DOMAIN',
      ],
      [
        'an expired nonce',
        async (s) => {
          const c = s.wallets.challenge(ch('evm', evm.address));
          s.clock.advance(10 * MINUTE_MS);
          return s.wallets.link(lk('evm', c.message, await evm.signMessage({ message: c.message })));
        },
        'SPARKS.WALLET_NONCE_EXPIRED',
      ],
      [
        'a reused nonce',
        async (s) => {
          const c = s.wallets.challenge(ch('evm', evm.address));
          const signature = await evm.signMessage({ message: c.message });
          await s.wallets.link(lk('evm', c.message, signature));
          s.wallets.unlink({ guildId: G, userId: ALICE, walletId: s.wallets.list(G, ALICE)[0]!.id });
          return s.wallets.link(lk('evm', c.message, signature));
        },
        'SPARKS.WALLET_NONCE_USED',
      ],
      [
        'a nonce issued to another member',
        async (s) => {
          const c = s.wallets.challenge({ guildId: G, userId: BOB, chain: 'evm', address: evm.address });
          return s.wallets.link(lk('evm', c.message, await evm.signMessage({ message: c.message })));
        },
        'SPARKS.WALLET_NONCE_UNKNOWN',
      ],
      [
        'a message changed after it was issued',
        async (s) => {
          const c = s.wallets.challenge(ch('evm', evm.address));
          const message = c.message.replace('Link this wallet', 'Give away this wallet');
          return s.wallets.link(lk('evm', message, await evm.signMessage({ message })));
        },
        'SPARKS.WALLET_MESSAGE_INVALID',
      ],
      [
        'text that is no sign-in message',
        (s) => s.wallets.link(lk('evm', 'hello', '0x00')),
        'SPARKS.WALLET_MESSAGE_INVALID',
      ],
      [
        'a malformed signature',
        (s) => s.wallets.link(lk('evm', s.wallets.challenge(ch('evm', evm.address)).message, '0xnot')),
        'SPARKS.WALLET_SIGNATURE_INVALID',
      ],
    ];

    it.each(cases)('%s', async (_name, act, code) => {
      const s = setup(engine);
      expect(await refusal(act(s))).toBe(code);
      expect(s.wallets.list(G, ALICE)).toEqual([]);
      expect(s.raised).toEqual([]);
    });

    it('a wallet already linked to someone else: refused, and both members flagged for review', async () => {
      const s = setup(engine);
      await linkEvm(s.wallets, BOB);
      // Alice proves the same wallet, typed in another letter case: the same wallet.
      const c = s.wallets.challenge(ch('evm', evm.address.toUpperCase().replace('0X', '0x')));
      const signature = await evm.signMessage({ message: c.message });
      expect(await refusal(s.wallets.link(lk('evm', c.message, signature)))).toBe('SPARKS.WALLET_TAKEN');
      expect(s.wallets.list(G, ALICE)).toEqual([]);
      expect(s.wallets.list(G, BOB)).toHaveLength(1);
      expect(s.raised.map((f) => [f.userId, f.source, f.raisedBy])).toEqual([
        [ALICE, 'auto:wallet_shared', null],
        [BOB, 'auto:wallet_shared', null],
      ]);
      expect(s.raised[0]!.reason).toContain(evm.address);
      // The nonce was not spent: nothing but the flags was written.
      expect(s.wallets.store.nonce(c.nonce)?.usedAt).toBeNull();
    });

    it('the same wallet in another server is another member’s to link', async () => {
      const s = setup(engine);
      await linkEvm(s.wallets, BOB);
      const c = s.wallets.challenge({
        guildId: '200000000000000002',
        userId: ALICE,
        chain: 'evm',
        address: evm.address,
      });
      const signature = await evm.signMessage({ message: c.message });
      await s.wallets.link({
        guildId: '200000000000000002',
        userId: ALICE,
        chain: 'evm',
        message: c.message,
        signature,
      });
      expect(s.wallets.list('200000000000000002', ALICE)).toHaveLength(1);
      expect(s.raised).toEqual([]);
    });

    it('a wallet the member linked already is refused before they sign', async () => {
      const s = setup(engine);
      await linkEvm(s.wallets, ALICE);
      expect(await refusal(() => s.wallets.challenge(ch('evm', evm.address.toLowerCase())))).toBe(
        'SPARKS.WALLET_ALREADY_LINKED',
      );
    });
  });

  describe('the wallet page link', () => {
    it('points at the member’s wallets page on the site, or nowhere when the site is off', () => {
      expect(setup(engine).wallets.pageUrl(G)).toBe(`${SITE}/g/${G}/wallets`);
      cleanup?.();
      expect(setup(engine, null).wallets.pageUrl(G)).toBeNull();
    });
  });

  describe('linked wallets over time', () => {
    it('lists them oldest first; names the newest of a kind; an unlink keeps the row and frees the wallet', async () => {
      const s = setup(engine);
      const t0 = s.clock();
      const first = await linkEvm(s.wallets, ALICE);
      s.clock.advance(1000);
      const second = await linkSol(s.wallets, ALICE, solSecret);
      expect(first).toEqual({
        id: expect.any(Number) as number,
        guildId: G,
        userId: ALICE,
        chain: 'evm',
        address: evm.address,
        nonce: 'nonce000001',
        linkedAt: t0,
        unlinkedAt: null,
      });
      expect(s.wallets.list(G, ALICE).map((w) => w.id)).toEqual([first.id, second.id]);
      expect(s.wallets.hasWallet(G, ALICE)).toBe(true);
      expect(s.wallets.hasWallet(G, BOB)).toBe(false);
      expect(s.wallets.addressFor(G, ALICE, 'any')).toBe(solAddress);
      expect(s.wallets.addressFor(G, ALICE, 'evm')).toBe(evm.address);

      s.clock.advance(1000);
      expect(s.wallets.unlink({ guildId: G, userId: ALICE, walletId: second.id })).toEqual({
        ...second,
        unlinkedAt: s.clock(),
      });
      expect(s.wallets.list(G, ALICE)).toEqual([first]);
      expect(s.wallets.addressFor(G, ALICE, 'solana')).toBeNull();
      expect(s.wallets.addressFor(G, ALICE, 'any')).toBe(evm.address);
      for (const [userId, walletId] of [
        [ALICE, second.id],
        [BOB, first.id],
        [ALICE, first.id + second.id + 1],
      ] as const)
        expect(await refusal(() => s.wallets.unlink({ guildId: G, userId, walletId }))).toBe(
          'SPARKS.WALLET_NOT_FOUND',
        );
      expect(s.wallets.list(G, ALICE)).toEqual([first]);
      // The unlinked row stays, and the wallet is free for another member.
      const bobs = await linkSol(s.wallets, BOB, solSecret);
      expect(bobs.id).toBeGreaterThan(second.id);
      expect(s.env.rows('SELECT COUNT(*) AS n FROM wallets')).toEqual([{ n: 3 }]);
      expect(s.raised).toEqual([]);
    });

    it(`refuses a wallet past ${MAX_WALLETS_PER_MEMBER}, before and after the signature`, async () => {
      const s = setup(engine);
      const keys = Array.from({ length: MAX_WALLETS_PER_MEMBER + 1 }, (_, i) =>
        new Uint8Array(32).fill(20 + i),
      );
      const last = keys.pop()!;
      const address = base58.encode(ed25519.getPublicKey(last));
      // A challenge issued while there was room cannot be spent once the member is full.
      const early = s.wallets.challenge(ch('solana', address));
      for (const key of keys) await linkSol(s.wallets, ALICE, key);
      expect(s.wallets.list(G, ALICE)).toHaveLength(MAX_WALLETS_PER_MEMBER);
      expect(await refusal(() => s.wallets.challenge(ch('solana', address)))).toBe('SPARKS.WALLET_LIMIT');
      expect(await refusal(s.wallets.link(lk('solana', early.message, solSign(early.message, last))))).toBe(
        'SPARKS.WALLET_LIMIT',
      );
      expect(s.wallets.store.nonce(early.nonce)?.usedAt).toBeNull();
      expect(s.wallets.list(G, ALICE)).toHaveLength(MAX_WALLETS_PER_MEMBER);
    });

    it('a challenge clears nonces that expired over a day ago, spent or not', () => {
      const s = setup(engine);
      const old = s.wallets.challenge(ch('evm', evm.address));
      s.clock.advance(NONCE_TTL_MS + DAY_MS);
      const recent = s.wallets.challenge(ch('evm', evm.address));
      expect(s.wallets.store.nonce(old.nonce)).toMatchObject({ guildId: G, userId: ALICE, usedAt: null });
      s.clock.advance(1);
      const next = s.wallets.challenge(ch('solana', solAddress));
      expect(s.wallets.store.nonce(old.nonce)).toBeUndefined();
      expect(s.wallets.store.nonce(recent.nonce)).toEqual({
        nonce: recent.nonce,
        guildId: G,
        userId: ALICE,
        chain: 'evm',
        address: evm.address,
        issuedAt: recent.expiresAt - NONCE_TTL_MS,
        expiresAt: recent.expiresAt,
        usedAt: null,
      });
      // Spending is guarded: a second spend (a concurrent link) changes nothing and says so.
      expect(s.db.write(() => s.wallets.store.useNonce(next.nonce, s.clock()))).toBe(true);
      expect(s.db.write(() => s.wallets.store.useNonce(next.nonce, s.clock() + 5))).toBe(false);
      expect(s.wallets.store.nonce(next.nonce)?.usedAt).toBe(s.clock());
      expect(s.env.rows('SELECT nonce FROM wallet_nonces ORDER BY nonce')).toEqual([
        { nonce: recent.nonce },
        { nonce: next.nonce },
      ]);
    });

    it.each([
      [
        'an unknown chain',
        `INSERT INTO wallets (guild_id, user_id, chain, address, nonce, linked_at) VALUES ('g', 'u', 'btc', 'a', 'n', 1)`,
      ],
      [
        'one wallet linked twice',
        `INSERT INTO wallets (guild_id, user_id, chain, address, nonce, linked_at) VALUES ('g', 'u', 'evm', 'a', 'n', 1), ('g', 'v', 'evm', 'a', 'm', 2)`,
      ],
      [
        'a nonce issued twice',
        `INSERT INTO wallet_nonces (nonce, guild_id, user_id, chain, address, issued_at, expires_at) VALUES ('n', 'g', 'u', 'evm', 'a', 1, 2), ('n', 'g', 'v', 'evm', 'b', 1, 2)`,
      ],
    ])('the schema refuses %s', (_label, statement) => {
      const s = setup(engine);
      expect(() => s.env.exec(statement)).toThrow();
      expect(s.env.rows('SELECT COUNT(*) AS n FROM wallets')).toEqual([{ n: 0 }]);
      expect(s.env.rows('SELECT COUNT(*) AS n FROM wallet_nonces')).toEqual([{ n: 0 }]);
      // A wallet unlinked by one member may be linked by another.
      s.env.exec(
        `INSERT INTO wallets (guild_id, user_id, chain, address, nonce, linked_at, unlinked_at) VALUES ('g', 'u', 'evm', 'a', 'n', 1, 2), ('g', 'v', 'evm', 'a', 'm', 2, NULL)`,
      );
      expect(s.env.rows('SELECT COUNT(*) AS n FROM wallets')).toEqual([{ n: 2 }]);
    });
  });
});

const ch = (chain: 'evm' | 'solana', address: string) => ({ guildId: G, userId: ALICE, chain, address });
const lk = (chain: 'evm' | 'solana', message: string, signature: string) => ({
  guildId: G,
  userId: ALICE,
  chain,
  message,
  signature,
});

async function linkSol(wallets: WalletService, userId: string, secret: typeof solSecret) {
  const address = base58.encode(ed25519.getPublicKey(secret));
  const c = wallets.challenge({ guildId: G, userId, chain: 'solana', address });
  return wallets.link({
    guildId: G,
    userId,
    chain: 'solana',
    message: c.message,
    signature: solSign(c.message, secret),
  });
}

async function linkEvm(wallets: WalletService, userId: string) {
  const c: Challenge = wallets.challenge({ guildId: G, userId, chain: 'evm', address: evm.address });
  const signature = await evm.signMessage({ message: c.message });
  return wallets.link({ guildId: G, userId, chain: 'evm', message: c.message, signature });
}

describe('the shared-wallet flag, through the real flag service', () => {
  it('two members giving one wallet are both flagged once, for review', async () => {
    const db = freshDb();
    cleanup = db.cleanup;
    const clock = fakeClock();
    const audit = new AuditQueue();
    const flags = new FlagService({ db, clock, audit });
    const wallets = new WalletService({ db, clock, audit, siteUrl: SITE, flags });
    await linkEvm(wallets, BOB);
    expect(flags.isFlagged(G, BOB)).toBe(false);
    for (let attempt = 0; attempt < 2; attempt++) {
      const c = wallets.challenge(ch('evm', evm.address));
      const signature = await evm.signMessage({ message: c.message });
      expect(await refusal(wallets.link(lk('evm', c.message, signature)))).toBe('SPARKS.WALLET_TAKEN');
    }
    expect(flags.isFlagged(G, ALICE)).toBe(true);
    expect(flags.isFlagged(G, BOB)).toBe(true);
    const open = flags.list(G);
    // A second attempt raises nothing new: one open flag per member.
    expect(open.total).toBe(2);
    expect(open.items.map((f) => [f.userId, f.source, f.raisedBy]).sort()).toEqual([
      [ALICE, 'auto:wallet_shared', null],
      [BOB, 'auto:wallet_shared', null],
    ]);
    expect(wallets.list(G, ALICE)).toEqual([]);
  });
});
