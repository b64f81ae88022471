import { keccak256 } from './keccak.ts';

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
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return { ok: false, problem: 'evm_format' };
  const body = value.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return { ok: true, value };
  return value === toChecksumAddress(value) ? { ok: true, value } : { ok: false, problem: 'evm_checksum' };
}

/** EIP-55: a hex letter is upper case when the matching nibble of keccak256(lower-case hex) is ≥ 8. */
export function toChecksumAddress(address: string): string {
  const lower = address.slice(2).toLowerCase();
  const hash = keccak256(new TextEncoder().encode(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A Solana public key: base58 of exactly 32 bytes (32–44 characters). */
export function isSolanaAddress(value: string): boolean {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(value)) return false;
  let n = 0n;
  for (const ch of value) n = n * 58n + BigInt(BASE58.indexOf(ch));
  let bytes = 0;
  for (let v = n; v > 0n; v >>= 8n) bytes++;
  let zeros = 0;
  while (value[zeros] === '1') zeros++;
  return bytes + zeros === 32;
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
