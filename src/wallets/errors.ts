import type { CodesOf } from '../core/errors.ts';

/**
 * The codes linking a wallet raises (see src/core/errors.ts). Each refusal writes nothing,
 * except SPARKS.WALLET_TAKEN, which flags both members for review (and links nothing).
 */
export const WALLET_ERROR_CODES = [
  /** `{ chain }`: not an address of that chain (or a mixed-case EVM address with a bad checksum). */
  'SPARKS.WALLET_ADDRESS_INVALID',
  /** The signed text is not a message this site issued (unreadable, or a field changed). */
  'SPARKS.WALLET_MESSAGE_INVALID',
  /** `{ expected, got }`: the message names another site. */
  'SPARKS.WALLET_WRONG_DOMAIN',
  /** No such challenge for this member (or for this server). */
  'SPARKS.WALLET_NONCE_UNKNOWN',
  'SPARKS.WALLET_NONCE_EXPIRED',
  'SPARKS.WALLET_NONCE_USED',
  /** `{ address }`: the signature was not made by that wallet. */
  'SPARKS.WALLET_SIGNATURE_INVALID',
  /** `{ address }`: another member of this server linked it; both are flagged for review. */
  'SPARKS.WALLET_TAKEN',
  /** `{ address }`: the member linked it already. */
  'SPARKS.WALLET_ALREADY_LINKED',
  /** `{ max }`: the member holds as many wallets as one may link. */
  'SPARKS.WALLET_LIMIT',
  'SPARKS.WALLET_NOT_FOUND',
] as const;

declare module '../core/errors.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ErrorCodeRegistry extends CodesOf<typeof WALLET_ERROR_CODES> {}
}
