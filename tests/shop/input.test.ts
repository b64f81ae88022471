import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationParts, parseDuration } from '../../src/shop/duration.ts';
import { isSolanaAddress, toChecksumAddress, validateInput, type InputKind } from '../../src/shop/input.ts';
import { keccak256 } from 'viem';

const GUILD = '200000000000000001';

// The EIP-55 checksum hashes with viem's keccak-256 (Ethereum's, not SHA3-256): its vectors.
describe('keccak-256 (Ethereum’s, not SHA3-256)', () => {
  it.each([
    ['', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    ['abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  ])('hashes %j', (input, digest) => {
    expect(keccak256(new TextEncoder().encode(input), 'hex')).toBe(`0x${digest}`);
  });

  it('handles inputs longer than one block', () => {
    const long = new TextEncoder().encode('a'.repeat(200));
    expect(keccak256(long, 'hex')).toHaveLength(66);
    expect(keccak256(long, 'hex')).not.toBe(keccak256(long.subarray(1), 'hex'));
  });
});

describe('manual reward input', () => {
  // EIP-55's own examples.
  const checksummed = [
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ];

  it.each(checksummed)('computes the EIP-55 checksum of %s', (address) => {
    expect(toChecksumAddress(address.toLowerCase())).toBe(address);
  });

  type Row = [InputKind, string, string];
  it.each<Row>([
    ['evm_address', checksummed[0]!, 'ok'],
    ['evm_address', checksummed[0]!.toLowerCase(), 'ok'],
    ['evm_address', `0x${checksummed[0]!.slice(2).toUpperCase()}`, 'ok'],
    ['evm_address', checksummed[0]!.replace('aA', 'Aa'), 'evm_checksum'],
    ['evm_address', '0x1234', 'evm_format'],
    ['evm_address', '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'evm_format'],
    ['evm_address', '0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'evm_format'],
    ['solana_address', '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T', 'ok'],
    ['solana_address', '11111111111111111111111111111111', 'ok'],
    ['solana_address', '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4', 'solana_format'],
    ['solana_address', '0Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T', 'solana_format'],
    ['wallet', checksummed[1]!, 'ok'],
    ['wallet', '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T', 'ok'],
    ['wallet', 'my wallet', 'wallet_format'],
    ['wallet', '0xabc', 'evm_format'],
    ['message_link', `https://discord.com/channels/${GUILD}/300000000000000001/400000000000000001`, 'ok'],
    ['message_link', `https://ptb.discord.com/channels/${GUILD}/300000000000000001/400000000000000001`, 'ok'],
    [
      'message_link',
      `https://discord.com/channels/999999999999999999/300000000000000001/400000000000000001`,
      'link_other_server',
    ],
    ['message_link', 'https://example.com/channels/1/2/3', 'link_format'],
    ['text', '  Pro plan, yearly  ', 'ok'],
    ['text', 'x'.repeat(201), 'too_long'],
    ['text', '   ', 'empty'],
    ['wallet', '', 'empty'],
  ])('%s %j → %s', (kind, value, expected) => {
    const check = validateInput(kind, value, GUILD);
    expect(check.ok ? 'ok' : check.problem).toBe(expected);
  });

  it('stores free text trimmed, without control characters', () => {
    expect(validateInput('text', ' a\u0000b\nc ', GUILD)).toEqual({ ok: true, value: 'a b c' });
  });

  it('a Solana key is exactly 32 bytes of base58', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(isSolanaAddress(base58(bytes))).toBe(true);
      }),
    );
    expect(isSolanaAddress(base58(new Uint8Array(31).fill(7)))).toBe(false);
    expect(isSolanaAddress(base58(new Uint8Array(33).fill(7)))).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    ['7d', 604_800],
    ['12h', 43_200],
    ['1d 12h', 129_600],
    ['1d12h', 129_600],
    ['90m', 5_400],
    ['2 weeks', 1_209_600],
    ['30s', 30],
    ['7일', 604_800],
    ['12시간 30분', 45_000],
    ['', null],
    ['soon', null],
    ['7', null],
    ['0s', null],
    ['400d', null],
    ['-1d', null],
  ])('%j → %s seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it('splits seconds back into units that add up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 365 * 86_400 }), (s) => {
        const total = durationParts(s).reduce(
          (sum, p) => sum + p.n * { d: 86_400, h: 3_600, m: 60, s: 1 }[p.unit],
          0,
        );
        expect(total).toBe(s);
        expect(
          parseDuration(
            durationParts(s)
              .map((p) => `${p.n}${p.unit}`)
              .join(' '),
          ),
        ).toBe(s);
      }),
    );
  });
});

function base58(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}
