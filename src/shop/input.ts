import { hasValidChecksum, isEvmShape, isSolanaAddress } from '../wallets/addresses.ts';

export { isSolanaAddress, toChecksumAddress } from '../wallets/addresses.ts';

/** How a manual reward's input is validated at redemption. */
export const INPUT_KINDS = ['text', 'evm_address', 'solana_address', 'wallet', 'message_link'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

export function isInputKind(value: unknown): value is InputKind {
  return typeof value === 'string' && (INPUT_KINDS as readonly string[]).includes(value);
}

export const MAX_TEXT_INPUT = 200;

/** The longest value each kind can take (the modal's text field is capped to it). */
export const INPUT_MAX_LENGTH: Record<InputKind, number> = {
  text: MAX_TEXT_INPUT,
  evm_address: 42,
  solana_address: 44,
  wallet: 44,
  message_link: 200,
};

/** Why a value was refused: a stable key the Discord layer turns into a localized hint. */
export type InputProblem =
  | 'empty'
  | 'too_long'
  | 'evm_format'
  | 'evm_checksum'
  | 'solana_format'
  | 'wallet_format'
  | 'link_format'
  | 'link_other_server';

export type InputCheck = { ok: true; value: string } | { ok: false; problem: InputProblem };

/**
 * Validates what a member typed into a manual reward's modal. Pure: the guild id is only
 * used to require a message link into this server. Returns the normalized value to store
 * (trimmed; control characters removed from free text).
 */
export function validateInput(kind: InputKind, raw: string, guildId: string): InputCheck {
  const value = raw.trim();
  if (!value) return { ok: false, problem: 'empty' };
  switch (kind) {
    case 'text': {
      const clean = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
      if (!clean) return { ok: false, problem: 'empty' };
      return clean.length > MAX_TEXT_INPUT ? { ok: false, problem: 'too_long' } : { ok: true, value: clean };
    }
    case 'evm_address':
      return checkEvm(value);
    case 'solana_address':
      return isSolanaAddress(value) ? { ok: true, value } : { ok: false, problem: 'solana_format' };
    case 'wallet': {
      if (value.startsWith('0x')) return checkEvm(value);
      return isSolanaAddress(value) ? { ok: true, value } : { ok: false, problem: 'wallet_format' };
    }
    case 'message_link': {
      const link = parseMessageLink(value);
      if (!link) return { ok: false, problem: 'link_format' };
      if (link.guildId !== guildId) return { ok: false, problem: 'link_other_server' };
      return {
        ok: true,
        value: `https://discord.com/channels/${link.guildId}/${link.channelId}/${link.messageId}`,
      };
    }
  }
}

/**
 * `0x` + 40 hex digits. An all-lower or all-upper address carries no checksum and is
 * accepted; a mixed-case one must match its EIP-55 checksum (a typo usually breaks it).
 */
function checkEvm(value: string): InputCheck {
  if (!isEvmShape(value)) return { ok: false, problem: 'evm_format' };
  return hasValidChecksum(value) ? { ok: true, value } : { ok: false, problem: 'evm_checksum' };
}

/** A Discord message link (discord.com, ptb., canary., discordapp.com). */
export function parseMessageLink(
  value: string,
): { guildId: string; channelId: string; messageId: string } | null {
  const m =
    /^<?https?:\/\/(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/channels\/(\d{17,20})\/(\d{17,20})\/(\d{17,20})\/?>?$/.exec(
      value,
    );
  return m ? { guildId: m[1]!, channelId: m[2]!, messageId: m[3]! } : null;
}
