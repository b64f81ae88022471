/**
 * The messages a member signs to prove they hold a wallet, and the checks of a signature.
 * EVM: Sign-In with Ethereum (EIP-4361), built and parsed by viem's `viem/siwe`, signed
 * with `personal_sign` and checked with viem's `verifyMessage` (EOA signatures, recovered
 * offline: the bot talks to no chain). Solana: the same fields in the Sign-In With Solana
 * layout ("… with your Solana account"), signed by the wallet's `signMessage` and checked
 * with @noble/curves' ed25519. Every message carries the site's domain, a single-use nonce
 * and an expiry; the service checks those against what it issued.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { base64 } from '@scure/base';
import { verifyMessage, type Hex } from 'viem';
import { createSiweMessage, parseSiweMessage } from 'viem/siwe';
import { solanaPublicKey, type WalletChain } from './addresses.ts';

/** What the site asks a wallet to sign. */
export interface ProofFields {
  chain: WalletChain;
  /** The canonical address (checksummed for EVM). */
  address: string;
  /** The site's authority (host and port, from PUBLIC_URL). */
  domain: string;
  /** The site's origin. */
  uri: string;
  statement: string;
  /** Letters and digits only, at least 8 (EIP-4361). */
  nonce: string;
  issuedAt: number;
  expiresAt: number;
}

/** The fields read back out of a message a wallet signed; null where the message has none. */
export interface ParsedProof {
  domain: string;
  address: string;
  nonce: string;
  expiresAt: number | null;
}

/** The chain id an EVM message names: the proof is of the key, which is the same on every chain. */
const EVM_CHAIN_ID = 1;

export function proofMessage(f: ProofFields): string {
  switch (f.chain) {
    case 'evm':
      return createSiweMessage({
        domain: f.domain,
        address: f.address as Hex,
        statement: f.statement,
        uri: f.uri,
        version: '1',
        chainId: EVM_CHAIN_ID,
        nonce: f.nonce,
        issuedAt: new Date(f.issuedAt),
        expirationTime: new Date(f.expiresAt),
      });
    case 'solana':
      return [
        `${f.domain} wants you to sign in with your Solana account:`,
        f.address,
        '',
        f.statement,
        '',
        `URI: ${f.uri}`,
        'Version: 1',
        'Chain ID: mainnet',
        `Nonce: ${f.nonce}`,
        `Issued At: ${new Date(f.issuedAt).toISOString()}`,
        `Expiration Time: ${new Date(f.expiresAt).toISOString()}`,
      ].join('\n');
  }
}

const SOLANA_HEADER =
  /^(\S+) wants you to sign in with your Solana account:\n([1-9A-HJ-NP-Za-km-z]{32,44})\n/;

/** The fields of a signed message, or null when it is not a message of that chain's layout. */
export function parseProof(chain: WalletChain, message: string): ParsedProof | null {
  if (message.length > 2000) return null;
  switch (chain) {
    case 'evm': {
      let m: ReturnType<typeof parseSiweMessage>;
      try {
        m = parseSiweMessage(message);
      } catch {
        return null;
      }
      if (!m.domain || !m.address || !m.nonce) return null;
      return {
        domain: m.domain,
        address: m.address,
        nonce: m.nonce,
        expiresAt: m.expirationTime ? m.expirationTime.getTime() : null,
      };
    }
    case 'solana': {
      const head = SOLANA_HEADER.exec(message);
      const nonce = /\nNonce: ([A-Za-z0-9]{8,})(?:\n|$)/.exec(message)?.[1];
      if (!head || !nonce) return null;
      const expiry = /\nExpiration Time: (\S+)(?:\n|$)/.exec(message)?.[1];
      const expiresAt = expiry ? Date.parse(expiry) : null;
      return {
        domain: head[1]!,
        address: head[2]!,
        nonce,
        expiresAt: expiresAt === null || Number.isNaN(expiresAt) ? null : expiresAt,
      };
    }
  }
}

/**
 * Whether `signature` over `message` was made by the wallet `address`: an EVM
 * `personal_sign` signature (0x + 65 bytes, hex), or a Solana ed25519 signature (64
 * bytes, base64). A malformed signature is simply not valid.
 */
export async function verifyProof(
  chain: WalletChain,
  address: string,
  message: string,
  signature: string,
): Promise<boolean> {
  try {
    switch (chain) {
      case 'evm':
        if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
        return await verifyMessage({ address: address as Hex, message, signature: signature as Hex });
      case 'solana': {
        const bytes = base64.decode(signature);
        if (bytes.length !== 64) return false;
        return ed25519.verify(bytes, new TextEncoder().encode(message), solanaPublicKey(address));
      }
    }
  } catch {
    return false;
  }
}
