/**
 * Wallet addresses as members type or sign them: EVM (`0x` + 40 hex digits, EIP-55
 * checksummed with viem's keccak-256) and Solana (base58 of a 32-byte ed25519 public key,
 * decoded with @scure/base). Pure; the shop's input check and the wallet links share it.
 */
import { base58 } from '@scure/base';
import { checksumAddress } from 'viem';

import { WALLET_CHAINS } from '../db/schema.ts';

export { WALLET_CHAINS };
export type WalletChain = (typeof WALLET_CHAINS)[number];

export function isWalletChain(value: unknown): value is WalletChain {
  return typeof value === 'string' && (WALLET_CHAINS as readonly string[]).includes(value);
}

const EVM = /^0x[0-9a-fA-F]{40}$/;

/** `0x` + 40 hex digits, in any letter case (the checksum is checked apart). */
export function isEvmShape(value: string): boolean {
  return EVM.test(value);
}

/** EIP-55: a hex letter is upper case when the matching nibble of keccak256(lower-case hex) is ≥ 8. */
export function toChecksumAddress(address: string): string {
  return checksumAddress(address.toLowerCase() as `0x${string}`);
}

/**
 * Whether an EVM address's letter case is acceptable: all lower or all upper carries no
 * checksum; a mixed-case one must match EIP-55 (a typo usually breaks it).
 */
export function hasValidChecksum(address: string): boolean {
  const body = address.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
  return address === toChecksumAddress(address);
}

/** A Solana public key: base58 of exactly 32 bytes (32–44 characters). */
export function isSolanaAddress(value: string): boolean {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(value)) return false;
  try {
    return base58.decode(value).length === 32;
  } catch {
    return false;
  }
}

/** The 32 bytes of a Solana address (call after `isSolanaAddress`). */
export function solanaPublicKey(address: string): Uint8Array {
  return base58.decode(address);
}

/**
 * The one spelling a wallet is stored and compared under: an EVM address checksummed (so
 * `0xabc…` and `0xABC…` are one wallet), a Solana address as it is (base58 is case-sensitive).
 * Null when `raw` is not an address of `chain` (or a mixed-case EVM address with a bad checksum).
 */
export function canonicalAddress(chain: WalletChain, raw: string): string | null {
  const value = raw.trim();
  switch (chain) {
    case 'evm':
      return isEvmShape(value) && hasValidChecksum(value) ? toChecksumAddress(value) : null;
    case 'solana':
      return isSolanaAddress(value) ? value : null;
  }
}
