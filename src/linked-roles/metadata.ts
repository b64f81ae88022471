/**
 * What Sparks tells Discord about a member for Linked Roles (SPEC §11): the metadata
 * records `npm run deploy-commands` registers once for the application, and the values
 * a member's role connection carries. A server owner then requires, on a role, "Lifetime
 * Sparks ≥ 500" or "Member for ≥ 30 days"; Discord compares the values the bot pushed.
 *
 * Discord's rules (application-role-connection-metadata): at most 5 records; a key is
 * 1–50 of a–z, 0–9 and _; a name 1–100 characters, a description 1–200; types 1–8. Values
 * are sent as strings (integers as decimal, booleans as 1/0, dates as ISO 8601).
 */
import { createHash } from 'node:crypto';

/** Discord's ApplicationRoleConnectionMetadataType. */
export const MetadataType = {
  IntegerLessThanOrEqual: 1,
  IntegerGreaterThanOrEqual: 2,
  IntegerEqual: 3,
  IntegerNotEqual: 4,
  DatetimeLessThanOrEqual: 5,
  DatetimeGreaterThanOrEqual: 6,
  BooleanEqual: 7,
  BooleanNotEqual: 8,
} as const;

export interface MetadataRecord {
  type: (typeof MetadataType)[keyof typeof MetadataType];
  key: string;
  name: string;
  name_localizations: Record<string, string>;
  description: string;
  description_localizations: Record<string, string>;
}

/** The platform name a member's connection shows in Discord. */
export const PLATFORM_NAME = 'Sparks';

/**
 * The records, in the order Discord lists them. Descriptions say what the server's
 * configured value means, as Discord shows it beside the number it asks for.
 */
export const ROLE_CONNECTION_METADATA: readonly MetadataRecord[] = [
  {
    type: MetadataType.IntegerGreaterThanOrEqual,
    key: 'sparks_lifetime',
    name: 'Lifetime Sparks',
    name_localizations: { ko: '누적 Sparks' },
    description: 'Sparks earned in the server, at least',
    description_localizations: { ko: '서버에서 모은 Sparks가 이 값 이상' },
  },
  {
    type: MetadataType.IntegerGreaterThanOrEqual,
    key: 'tier',
    name: 'Tier',
    name_localizations: { ko: '등급' },
    description: 'Sparks tier reached (1 is the first tier), at least',
    description_localizations: { ko: '도달한 Sparks 등급(1이 첫 등급)이 이 값 이상' },
  },
  {
    type: MetadataType.BooleanEqual,
    key: 'verified_trader',
    name: 'Verified trader',
    name_localizations: { ko: '인증된 트레이더' },
    description: 'Has made at least one trade on the platform',
    description_localizations: { ko: '플랫폼에서 한 번 이상 거래함' },
  },
  {
    type: MetadataType.DatetimeGreaterThanOrEqual,
    key: 'member_since',
    name: 'Member for',
    name_localizations: { ko: '가입 기간' },
    description: 'Days since joining the server, at least',
    description_localizations: { ko: '서버에 들어온 지 이 일수 이상' },
  },
];

/** A member's values, as Sparks knows them in the guild they connected from. */
export interface RoleConnectionValues {
  sparksLifetime: number;
  /** 0 below the first tier; n when the n-th distinct tier threshold is reached. */
  tier: number;
  verifiedTrader: boolean;
  /** When they joined the guild (or were first seen there), ms since the epoch. */
  memberSince: number;
}

/** Discord's body for PUT /users/@me/applications/{id}/role-connection. */
export interface RoleConnectionBody {
  platform_name: string;
  platform_username: string;
  metadata: Record<string, string>;
}

/** The values as Discord's metadata strings, keyed as registered. */
export function metadataOf(v: RoleConnectionValues): Record<string, string> {
  return {
    sparks_lifetime: String(v.sparksLifetime),
    tier: String(v.tier),
    verified_trader: v.verifiedTrader ? '1' : '0',
    member_since: new Date(v.memberSince).toISOString(),
  };
}

/** platform_username is at most 100 characters. */
export function connectionBody(username: string, v: RoleConnectionValues): RoleConnectionBody {
  return { platform_name: PLATFORM_NAME, platform_username: username.slice(0, 100), metadata: metadataOf(v) };
}

/** A stable hash of a body: equal bodies need no second push. */
export function bodyHash(body: RoleConnectionBody): string {
  const ordered = {
    platform_name: body.platform_name,
    platform_username: body.platform_username,
    metadata: Object.fromEntries(
      Object.entries(body.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}
