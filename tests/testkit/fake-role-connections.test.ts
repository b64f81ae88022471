import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../testkit/fake-discord/index.ts';

let fake: FakeDiscord;
let alice: string;
const SECRET = 'fake-client-secret-0123456789';

beforeEach(async () => {
  fake = await FakeDiscord.start();
  const guild = fake.createGuild({ name: 'Lab' });
  alice = fake.addMember(guild.id, { username: 'alice' }).userId;
  fake.oauth2.register({
    clientId: fake.applicationId,
    clientSecret: SECRET,
    redirectUris: ['http://127.0.0.1:1/linked-role/callback'],
  });
});
afterEach(() => fake.stop());

const api = (path: string) => `${fake.apiBase}/v10${path}`;
const metadataUrl = () => api(`/applications/${fake.applicationId}/role-connections/metadata`);
const connectionUrl = (app = fake.applicationId) => api(`/users/@me/applications/${app}/role-connection`);

/** Discord's JSON answers, read loosely (the tests assert their shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(url: string, init: { method?: string; auth?: string; body?: unknown } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.auth ? { authorization: init.auth } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const bot = () => `Bot ${fake.token}`;
const RECORDS = [
  {
    type: 2,
    key: 'sparks_lifetime',
    name: 'Lifetime Sparks',
    description: 'at least',
    name_localizations: { ko: '누적' },
  },
  { type: 7, key: 'verified_trader', name: 'Verified trader', description: 'is one' },
  { type: 6, key: 'member_since', name: 'Member for', description: 'days, at least' },
];

async function tokenForm(fields: Record<string, string>) {
  const res = await fetch(api('/oauth2/token'), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${fake.applicationId}:${SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('fake Discord: role-connection metadata', () => {
  it('registers and lists the records with the bot token', async () => {
    const put = await call(metadataUrl(), { method: 'PUT', auth: bot(), body: RECORDS });
    expect(put.status).toBe(200);
    expect((put.body as { key: string }[]).map((r) => r.key)).toEqual([
      'sparks_lifetime',
      'verified_trader',
      'member_since',
    ]);
    expect((await call(metadataUrl(), { auth: bot() })).body).toEqual(put.body);
    expect(fake.roleConnections.metadata[0]).toMatchObject({
      key: 'sparks_lifetime',
      name_localizations: { ko: '누적' },
    });
    expect((await call(metadataUrl(), { auth: 'Bot wrong' })).status).toBe(401);
    const other = api('/applications/123456789012345678/role-connections/metadata');
    expect((await call(other, { method: 'PUT', auth: bot(), body: RECORDS })).status).toBe(403);
  });

  it.each([
    [
      'six records',
      Array.from({ length: 6 }, (_, i) => ({ type: 2, key: `k${i}`, name: 'n', description: 'd' })),
      ['_errors', 0, 'code'],
      'BASE_TYPE_MAX_LENGTH',
    ],
    [
      'a key with capitals',
      [{ type: 2, key: 'Lifetime', name: 'n', description: 'd' }],
      ['0', 'key', '_errors', 0, 'code'],
      'STRING_TYPE_REGEX',
    ],
    [
      'a key of 51 characters',
      [{ type: 2, key: 'k'.repeat(51), name: 'n', description: 'd' }],
      ['0', 'key', '_errors', 0, 'code'],
      'STRING_TYPE_REGEX',
    ],
    [
      'type 9',
      [{ type: 9, key: 'k', name: 'n', description: 'd' }],
      ['0', 'type', '_errors', 0, 'code'],
      'ENUM_TYPE_COERCE',
    ],
    [
      'a duplicate key',
      [RECORDS[0], RECORDS[0]],
      ['1', 'key', '_errors', 0, 'code'],
      'APPLICATION_ROLE_CONNECTIONS_METADATA_DUPLICATE_KEY',
    ],
    [
      'an empty name',
      [{ type: 2, key: 'k', name: '', description: 'd' }],
      ['0', 'name', '_errors', 0, 'code'],
      'BASE_TYPE_BAD_LENGTH',
    ],
    [
      'a description of 201',
      [{ type: 2, key: 'k', name: 'n', description: 'd'.repeat(201) }],
      ['0', 'description', '_errors', 0, 'code'],
      'BASE_TYPE_BAD_LENGTH',
    ],
    [
      'an unknown locale',
      [{ type: 2, key: 'k', name: 'n', description: 'd', name_localizations: { kr: 'x' } }],
      ['0', 'name_localizations', 'kr', '_errors', 0, 'code'],
      'LOCALE_INVALID',
    ],
  ])('refuses %s with 50035 and keeps the old records', async (_label, body, path, code) => {
    await call(metadataUrl(), { method: 'PUT', auth: bot(), body: RECORDS });
    const res = await call(metadataUrl(), { method: 'PUT', auth: bot(), body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(50035);
    let node = res.body.errors;
    for (const key of path) node = node[key];
    expect(node).toBe(code);
    expect(fake.roleConnections.metadata).toHaveLength(3);
  });
});

describe('fake Discord: a member’s role connection', () => {
  beforeEach(async () => {
    await call(metadataUrl(), { method: 'PUT', auth: bot(), body: RECORDS });
  });

  it('is written and read with a Bearer token carrying role_connections.write', async () => {
    const { access_token: token } = fake.oauth2.issue(fake.applicationId, alice, [
      'role_connections.write',
      'identify',
    ]);
    expect((await call(connectionUrl(), { auth: `Bearer ${token}` })).body).toEqual({
      platform_name: null,
      platform_username: null,
      metadata: {},
    });
    const body = {
      platform_name: 'Sparks',
      platform_username: 'Alice',
      metadata: { sparks_lifetime: '120', verified_trader: '1', member_since: '2025-01-15T09:30:00.000Z' },
    };
    const put = await call(connectionUrl(), { method: 'PUT', auth: `Bearer ${token}`, body });
    expect(put).toEqual({ status: 200, body });
    expect(fake.roleConnections.connection(alice)).toEqual(body);
    expect((await call(connectionUrl(), { auth: `Bearer ${token}` })).body).toEqual(body);
    // Numbers and booleans are stringified, as Discord does.
    await call(connectionUrl(), {
      method: 'PUT',
      auth: `Bearer ${token}`,
      body: { metadata: { sparks_lifetime: 7, verified_trader: false } },
    });
    expect(fake.roleConnections.connection(alice)).toEqual({
      ...body,
      metadata: { sparks_lifetime: '7', verified_trader: '0' },
    });
    expect(fake.roleConnections.history).toHaveLength(2);
  });

  it('refuses a missing, foreign or under-scoped token', async () => {
    const body = { metadata: { sparks_lifetime: '1' } };
    expect((await call(connectionUrl(), { method: 'PUT', body })).status).toBe(401);
    expect((await call(connectionUrl(), { method: 'PUT', auth: 'Bearer nope', body })).status).toBe(401);
    const identifyOnly = fake.oauth2.issue(fake.applicationId, alice, ['identify']).access_token;
    expect(
      (await call(connectionUrl(), { method: 'PUT', auth: `Bearer ${identifyOnly}`, body })).body.code,
    ).toBe(50001);
    const token = fake.oauth2.issue(fake.applicationId, alice, ['role_connections.write']).access_token;
    expect(
      (await call(connectionUrl('123456789012345678'), { method: 'PUT', auth: `Bearer ${token}`, body }))
        .status,
    ).toBe(404);
    expect(fake.roleConnections.connection(alice)).toBeUndefined();
  });

  it.each([
    ['an unregistered key', { metadata: { tier: '2' } }, 'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_KEY'],
    [
      'a non-integer for an integer record',
      { metadata: { sparks_lifetime: '12.5' } },
      'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_VALUE',
    ],
    [
      'a non-date for a datetime record',
      { metadata: { member_since: 'last year' } },
      'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_VALUE',
    ],
    [
      'a non-boolean for a boolean record',
      { metadata: { verified_trader: 'yes' } },
      'APPLICATION_ROLE_CONNECTIONS_METADATA_INVALID_VALUE',
    ],
    ['a value of 101 characters', { metadata: { sparks_lifetime: '1'.repeat(101) } }, 'BASE_TYPE_MAX_LENGTH'],
    ['a platform name of 51 characters', { platform_name: 'x'.repeat(51) }, 'BASE_TYPE_MAX_LENGTH'],
  ])('refuses %s (50035) and keeps nothing', async (_label, body, code) => {
    const token = fake.oauth2.issue(fake.applicationId, alice, ['role_connections.write']).access_token;
    const res = await call(connectionUrl(), { method: 'PUT', auth: `Bearer ${token}`, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(50035);
    expect(JSON.stringify(res.body.errors)).toContain(code);
    expect(fake.roleConnections.connection(alice)).toBeUndefined();
  });
});

describe('fake Discord: refresh tokens', () => {
  it('work once, answer a new pair, and stop when the member removes the app', async () => {
    const first = fake.oauth2.issue(fake.applicationId, alice, ['role_connections.write', 'identify']);
    fake.oauth2.expireAccessTokens(alice);
    expect(fake.oauth2.bearer(`Bearer ${first.access_token}`)).toBeNull();
    const refreshed = await tokenForm({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'Bearer', scope: 'role_connections.write identify' });
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect(fake.oauth2.bearer(`Bearer ${refreshed.body.access_token}`)).toMatchObject({ userId: alice });
    const again = await tokenForm({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(again).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid "refresh_token" in request.' },
    });

    fake.oauth2.deauthorize(alice);
    expect(fake.oauth2.bearer(`Bearer ${refreshed.body.access_token}`)).toBeNull();
    const after = await tokenForm({
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token,
    });
    expect(after.body.error).toBe('invalid_grant');
    expect(fake.oauth2.log.map((l) => `${l.kind} ${l.status}`)).toEqual([
      'refresh 200',
      'refresh 400',
      'refresh 400',
    ]);
  });
});
