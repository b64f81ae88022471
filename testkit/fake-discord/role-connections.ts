/**
 * Discord's role connections (Linked Roles), as the fake serves them: the application's
 * metadata records (PUT/GET `/applications/{app}/role-connections/metadata`, bot token)
 * and a member's role connection (PUT/GET `/users/@me/applications/{app}/role-connection`,
 * an OAuth2 Bearer token with `role_connections.write` for that application). Both are
 * checked as Discord checks them: at most 5 records, keys of a–z 0–9 _ (1–50, unique),
 * names 1–100, descriptions 1–200, types 1–8, localizations by Discord locale; a
 * connection's platform name ≤ 50, username ≤ 100, and each metadata value a string of at
 * most 100 characters under a registered key, of that record's type (an integer, an ISO
 * 8601 date, a boolean 0/1). Refusals are 400 / 50035 with Discord's nested errors.
 */
import type { FakeDiscord } from './fake-discord.ts';
import { Errors, apiError, type RestResult } from './http-util.ts';
import { FormErrors, invalidFormBody } from './limits.ts';
import type { Route } from './router.ts';
import type { JsonObject } from './state.ts';

/** Discord's locales (the keys localizations may use). */
export const DISCORD_LOCALES = new Set([
  'id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no',
  'pl', 'pt-BR', 'ro', 'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th',
  'zh-CN', 'ja', 'zh-TW', 'ko',
]); // prettier-ignore

export const RoleConnectionLimits = {
  records: 5,
  key: 50,
  name: 100,
  description: 200,
  platformName: 50,
  platformUsername: 100,
  value: 100,
} as const;

export interface MetadataRecordJson extends JsonObject {
  type: number;
  key: string;
  name: string;
  description: string;
}

export interface RoleConnectionJson extends JsonObject {
  platform_name: string | null;
  platform_username: string | null;
  metadata: Record<string, string>;
}

const KEY = /^[a-z0-9_]{1,50}$/;
const INTEGER = /^-?\d{1,19}$/;
/** ISO 8601: a date, or a date and time with an optional fraction and zone. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The role-connection state the routes keep, and what tests read. */
export class FakeRoleConnections {
  /** The application's metadata records, as last registered. */
  metadata: MetadataRecordJson[] = [];
  readonly #connections = new Map<string, RoleConnectionJson>();
  /** Every role connection Discord accepted, in order: who, what, when. */
  readonly history: { userId: string; connection: RoleConnectionJson; at: number }[] = [];

  /** A user's role connection for the application, or undefined before the first PUT. */
  connection(userId: string): RoleConnectionJson | undefined {
    return this.#connections.get(userId);
  }

  /** @internal */
  set(userId: string, connection: RoleConnectionJson): void {
    this.#connections.set(userId, connection);
    this.history.push({ userId, connection, at: Date.now() });
  }
}

/** A body checked: its value as stored, or Discord's refusal. */
export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: RestResult };

function invalid(errors: FormErrors): { ok: false; refusal: RestResult } {
  return { ok: false, refusal: { status: 400, body: invalidFormBody(errors) } };
}

function checkLocalized(errors: FormErrors, path: (string | number)[], value: unknown, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return;
  }
  for (const [locale, text] of Object.entries(value as JsonObject)) {
    if (!DISCORD_LOCALES.has(locale)) errors.add([...path, locale], 'LOCALE_INVALID', 'Invalid locale');
    else errors.between([...path, locale], text, 1, max);
  }
}

/** Validates a bulk overwrite of the metadata records. */
export function checkMetadataRecords(body: unknown): Checked<MetadataRecordJson[]> {
  const errors = new FormErrors();
  if (!Array.isArray(body)) {
    errors.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
    return invalid(errors);
  }
  if (body.length > RoleConnectionLimits.records)
    errors.add([], 'BASE_TYPE_MAX_LENGTH', `Must be ${RoleConnectionLimits.records} or fewer in length.`);
  const keys = new Set<string>();
  body.forEach((raw, i) => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as JsonObject;
    if (typeof r.type !== 'number' || !Number.isInteger(r.type) || r.type < 1 || r.type > 8)
      errors.add([i, 'type'], 'ENUM_TYPE_COERCE', `Value "${String(r.type)}" is not a valid enum value.`);
    if (typeof r.key !== 'string' || !KEY.test(r.key))
      errors.add([i, 'key'], 'STRING_TYPE_REGEX', 'String value did not match validation regex.');
    else if (keys.has(r.key))
      errors.add(
        [i, 'key'],
        'APPLICATION_ROLE_CONNECTIONS_METADATA_DUPLICATE_KEY',
        'Metadata keys must be unique',
      );
    else keys.add(r.key);
    errors.between([i, 'name'], r.name, 1, RoleConnectionLimits.name);
    errors.between([i, 'description'], r.description, 1, RoleConnectionLimits.description);
    checkLocalized(errors, [i, 'name_localizations'], r.name_localizations, RoleConnectionLimits.name);
    checkLocalized(
      errors,
      [i, 'description_localizations'],
      r.description_localizations,
      RoleConnectionLimits.description,
    );
  });
  if (!errors.empty) return invalid(errors);
  const value = (body as JsonObject[]).map((r) => ({
    type: r.type as number,
    key: r.key as string,
    name: r.name as string,
    description: r.description as string,
    ...(r.name_localizations ? { name_localizations: r.name_localizations } : {}),
    ...(r.description_localizations ? { description_localizations: r.description_localizations } : {}),
  }));
  return { ok: true, value };
}

/** Validates a user's role connection against the registered records. */
export function checkRoleConnection(
  body: unknown,
  records: readonly MetadataRecordJson[],
  previous: RoleConnectionJson | undefined,
): Checked<RoleConnectionJson> {
  const errors = new FormErrors();
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as JsonObject;
  for (const [field, max] of [
    ['platform_name', RoleConnectionLimits.platformName],
    ['platform_username', RoleConnectionLimits.platformUsername],
  ] as const) {
    const v = b[field];
    if (v !== undefined && v !== null && typeof v !== 'string')
      errors.add([field], 'BASE_TYPE_STRING', 'Must be a string.');
    else errors.maxLength([field], v, max);
  }
  const metadata: Record<string, string> = {};
  if (b.metadata !== undefined && b.metadata !== null) {
    if (typeof b.metadata !== 'object' || Array.isArray(b.metadata)) {
      errors.add(['metadata'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    } else {
      for (const [key, raw] of Object.entries(b.metadata as JsonObject)) {
        const record = records.find((r) => r.key === key);
        const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(Number(raw)) : raw;
        if (!record) {
          errors.add(
            ['metadata', key],
            'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_KEY',
            'Invalid metadata key',
          );
          continue;
        }
        if (typeof value !== 'string') {
          errors.add(['metadata', key], 'BASE_TYPE_STRING', 'Must be a string.');
          continue;
        }
        if ([...value].length > RoleConnectionLimits.value) {
          errors.add(
            ['metadata', key],
            'BASE_TYPE_MAX_LENGTH',
            `Must be ${RoleConnectionLimits.value} or fewer in length.`,
          );
          continue;
        }
        const ok =
          record.type <= 4
            ? INTEGER.test(value)
            : record.type <= 6
              ? ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
              : value === '0' || value === '1' || value === 'true' || value === 'false';
        if (!ok)
          errors.add(
            ['metadata', key],
            'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_VALUE',
            record.type <= 4
              ? 'Must be an integer.'
              : record.type <= 6
                ? 'Must be an ISO8601 timestamp.'
                : 'Must be a boolean.',
          );
        else metadata[key] = value;
      }
    }
  }
  if (!errors.empty) return invalid(errors);
  // PUT replaces what it names; fields it leaves out keep their value (Discord's behaviour).
  const value: RoleConnectionJson = {
    platform_name:
      b.platform_name === undefined ? (previous?.platform_name ?? null) : (b.platform_name as string | null),
    platform_username:
      b.platform_username === undefined
        ? (previous?.platform_username ?? null)
        : (b.platform_username as string | null),
    metadata: b.metadata === undefined ? (previous?.metadata ?? {}) : metadata,
  };
  return { ok: true, value };
}

/** The role-connection routes (a RouteTable: listed in ROUTE_TABLES). */
export function roleConnectionRoutes(fake: FakeDiscord): Route[] {
  const store = fake.roleConnections;
  const empty: RoleConnectionJson = { platform_name: null, platform_username: null, metadata: {} };
  /** The member behind a Bearer token for this application with role_connections.write, or an error. */
  const member = (appId: string, authorization: string | undefined): string | RestResult => {
    const token = fake.oauth2.bearer(authorization);
    if (!token) return Errors.unauthorized();
    if (token.clientId !== appId || appId !== fake.applicationId)
      return apiError(404, 10002, 'Unknown Application');
    if (!token.scopes.includes('role_connections.write')) return Errors.missingAccess();
    return token.userId;
  };
  const metadataPath = '/applications/:appId/role-connections/metadata';
  const connectionPath = '/users/@me/applications/:appId/role-connection';
  return [
    {
      method: 'GET',
      pattern: metadataPath,
      auth: true,
      handle: ({ params }) =>
        params.appId !== fake.applicationId ? Errors.missingAccess() : { status: 200, body: store.metadata },
    },
    {
      method: 'PUT',
      pattern: metadataPath,
      auth: true,
      handle: ({ params, body }) => {
        if (params.appId !== fake.applicationId) return Errors.missingAccess();
        const checked = checkMetadataRecords(body);
        if (!checked.ok) return checked.refusal;
        store.metadata = checked.value;
        return { status: 200, body: checked.value };
      },
    },
    {
      method: 'GET',
      pattern: connectionPath,
      auth: false,
      handle: ({ params, headers }) => {
        const userId = member(params.appId!, headers.authorization);
        if (typeof userId !== 'string') return userId;
        return { status: 200, body: store.connection(userId) ?? empty };
      },
    },
    {
      method: 'PUT',
      pattern: connectionPath,
      auth: false,
      handle: ({ params, headers, body }) => {
        const userId = member(params.appId!, headers.authorization);
        if (typeof userId !== 'string') return userId;
        const checked = checkRoleConnection(body, store.metadata, store.connection(userId));
        if (!checked.ok) return checked.refusal;
        store.set(userId, checked.value);
        return { status: 200, body: checked.value };
      },
    },
  ];
}
