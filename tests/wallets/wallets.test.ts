import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { MINUTE_MS } from '../../src/core/clock.ts';
import { isSparksError, type ErrorCode } from '../../src/core/errors.ts';
import { FlagService } from '../../src/members/flagging.ts';
import type { FlagRaise } from '../../src/members/flags.ts';
import { WalletService, type Challenge } from '../../src/wallets/wallets.ts';
import { fakeClock, freshDb } from '../helpers/db.ts';

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

function setup(siteUrl = SITE) {
  const db = freshDb();
  cleanup = db.cleanup;
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
  return { db, clock, wallets, raised, audit };
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

describe('linking an EVM wallet (Sign-In with Ethereum)', () => {
  it('issues an EIP-4361 message with the domain, a nonce and an expiry, and links on a good signature', async () => {
    const { wallets, clock } = setup();
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
    const { wallets } = setup();
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
    const { wallets } = setup();
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
    const s = setup();
    expect(await refusal(act(s))).toBe(code);
    expect(s.wallets.list(G, ALICE)).toEqual([]);
    expect(s.raised).toEqual([]);
  });

  it('a wallet already linked to someone else: refused, and both members flagged for review', async () => {
    const s = setup();
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
    const s = setup();
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
    const s = setup();
    await linkEvm(s.wallets, ALICE);
    expect(await refusal(() => s.wallets.challenge(ch('evm', evm.address.toLowerCase())))).toBe(
      'SPARKS.WALLET_ALREADY_LINKED',
    );
  });
});

describe('the wallet page link', () => {
  it('points at the member’s wallets page on the site, or nowhere when the site is off', () => {
    expect(setup().wallets.pageUrl(G)).toBe(`${SITE}/g/${G}/wallets`);
    const db = freshDb();
    const off = new WalletService({
      db,
      clock: fakeClock(),
      audit: new AuditQueue(),
      siteUrl: null,
      flags: { raise: () => ({ raised: false }) },
    });
    expect(off.pageUrl(G)).toBeNull();
    db.cleanup();
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
