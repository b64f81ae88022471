/**
 * Scenario 5 — secrets never leak. The bot token, both webhook secrets (rotation) and
 * PLATFORM_API_TOKEN are configured; then errors are forced — a handler that crashes with
 * the secrets in its error (message, cause and properties), outbound events to a platform
 * that refuses connections, bad webhooks, a read-back with a wrong token, an export, the
 * settings and verify replies, /metrics and /healthz, and child `npm start` processes with
 * a token Discord rejects and with a malformed secret — and every captured output is
 * searched for every secret: the logs, every request the bot sent to Discord (replies,
 * follow-ups, edits, channel messages, DMs, the CSV attachment), every HTTP reply, and the
 * children's stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';
import { createPlugins } from '../src/discord/plugins/index.ts';
import type { Plugin } from '../src/discord/plugins/plugin.ts';
import { FakeDiscord, text } from '../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../testkit/bot.ts';
import { ROOT, type ScenarioResult } from './support.ts';

const SECRET_A = `whsec_${Buffer.from('reliability-secret-a-0123456789ab').toString('base64')}`;
const SECRET_B = `whsec_${Buffer.from('reliability-secret-b-0123456789ab').toString('base64')}`;
const API_TOKEN = 'platform-api-token-reliability-0123456789';

/** Each secret, and the parts of it that identify it on their own. */
function needles(token: string, extra: string[] = []): string[] {
  const base = [token, SECRET_A, SECRET_B, API_TOKEN, ...extra];
  return [...base, ...base.filter((s) => s.startsWith('whsec_')).map((s) => s.slice('whsec_'.length))];
}

/** Runs `npm start` with `env` until it exits (at most 30 s); its stdout and stderr. */
function npmStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Everything the bot sent to Discord, except the Authorization header it must send. */
function sentToDiscord(fake: FakeDiscord): string {
  return fake.requests
    .map((r) => {
      const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'authorization'));
      const files = r.files.map((f) => {
        const data = f.filename.endsWith('.gz') ? gunzipSync(f.data) : f.data;
        return `${f.filename}\n${data.toString('utf8')}`;
      });
      return [
        r.method,
        r.path,
        JSON.stringify(r.query),
        JSON.stringify(headers),
        JSON.stringify(r.body),
        ...files,
      ].join('\n');
    })
    .join('\n');
}

export async function secretsNeverLeak(): Promise<ScenarioResult> {
  const failures: string[] = [];
  const outputs: { where: string; text: string }[] = [];
  const proofs: string[] = [];
  let w: BotWorld | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sparks-secrets-'));
  try {
    let token = '';
    // A handler that crashes with every secret in its error: message, cause, properties.
    const crash: Plugin = {
      name: 'crash',
      start({ services }) {
        services.members.profile = () => {
          throw Object.assign(new Error(`disk on fire: ${token} ${SECRET_A} ${API_TOKEN}`), {
            cause: new Error(`inner: ${SECRET_B}`),
            config: { token, headers: { authorization: `Bot ${token}` } },
            secret: SECRET_A,
          });
        };
      },
    };
    w = await startWorld({
      plugins: [...createPlugins(), crash],
      env: {
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_SECRET: `${SECRET_A} ${SECRET_B}`,
        PLATFORM_API_TOKEN: API_TOKEN,
        PLATFORM_EVENTS_URL: 'http://127.0.0.1:9/events', // the discard port: refused
      },
    });
    token = w.fake.token;
    const world = w;
    const url = w.app.http!.url;

    // 1. The crashed handler: a reference for the member, the error in the log.
    const crashed = text(await w.slash(w.users.alice, 'sparks balance').final());
    if (/reference \d+/.test(crashed)) proofs.push('crash');
    // 2. An award: its sparks.credited event goes to a platform that refuses connections.
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 5, reason: 'thanks' })
      .final();
    const until = Date.now() + 10_000;
    while (!world.logs.some((l) => l.msg === 'outbox delivery failed') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    if (w.logs.some((l) => l.msg === 'outbox delivery failed')) proofs.push('outbox');
    // 3. The export, the settings, verify.
    const exported = await w.slash(w.users.mod, 'sparks-admin export').final();
    if (exported.attachments.some((a) => a.size > 0)) proofs.push('export');
    await w.slash(w.users.mod, 'sparks-admin config').final();
    await w.slash(w.users.mod, 'sparks-admin verify').final();
    // 4. Bad webhooks, a wrong read-back token, the right one, metrics and health.
    const body = JSON.stringify({
      type: 'trade.executed',
      occurred_at: '2026-11-24T12:00:00Z',
      discord_user_id: w.users.alice,
      volume_usd: '100',
      guild_id: w.guildId,
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const http: { path: string; init?: RequestInit }[] = [
      {
        path: '/v1/events',
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'evt_bad_sig',
            'webhook-timestamp': ts,
            // The secret itself where the signature goes: never echoed.
            'webhook-signature': `v1,${SECRET_A.slice(6)}`,
          },
          body,
        },
      },
      { path: '/v1/events', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body } },
      {
        path: '/v1/events',
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'evt_bad_body',
            'webhook-timestamp': ts,
            'webhook-signature': new Webhook(SECRET_B).sign('evt_bad_body', new Date(), '{"type":"nope"}'),
          },
          body: '{"type":"nope"}',
        },
      },
      { path: `/v1/members/${w.users.alice}`, init: { headers: { authorization: `Bearer ${API_TOKEN}x` } } },
      {
        path: `/v1/members/${w.users.alice}?guild_id=${w.guildId}`,
        init: { headers: { authorization: `Bearer ${API_TOKEN}` } },
      },
      { path: '/metrics' },
      { path: '/healthz' },
    ];
    const statuses: number[] = [];
    for (const h of http) {
      const res = await fetch(`${url}${h.path}`, h.init);
      statuses.push(res.status);
      outputs.push({
        where: `HTTP ${h.path} reply`,
        text: JSON.stringify([...res.headers]) + (await res.text()),
      });
    }
    if (statuses.join(',') === '401,401,400,401,200,200,200') proofs.push('http');
    else failures.push(`HTTP statuses ${statuses.join(',')}`);
    await w.stop();
    outputs.push({ where: 'logs', text: JSON.stringify(w.logs) });
    outputs.push({ where: 'requests to Discord', text: sentToDiscord(w.fake) });
    for (const n of needles(token)) {
      for (const o of outputs) if (o.text.includes(n)) failures.push(`${o.where} contain ${n.slice(0, 6)}…`);
    }

    // 5. `npm start` with a token Discord rejects, and with a malformed secret.
    // Well-formed (config accepts it), but not the token Discord knows.
    const [id = '', stamp = '', hmac = ''] = token.split('.');
    const rejected = `${id}.${stamp}.${hmac.split('').reverse().join('')}`;
    const base = {
      DISCORD_CLIENT_ID: w.fake.applicationId,
      DISCORD_API_URL: w.fake.apiBase,
      DATABASE_PATH: join(dir, 'sparks.db'),
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      PLATFORM_API_TOKEN: API_TOKEN,
      LOG_LEVEL: 'trace',
      SHARD_COUNT: '', // blank, as an .env line `SHARD_COUNT=` leaves it
    };
    const fake = await FakeDiscord.start();
    try {
      const badToken = await npmStart({
        ...base,
        DISCORD_API_URL: fake.apiBase,
        DISCORD_TOKEN: rejected,
        WEBHOOK_SECRET: `${SECRET_A} ${SECRET_B}`,
      });
      if (badToken.code !== 0 && badToken.output.includes('Discord rejected DISCORD_TOKEN'))
        proofs.push('login');
      else
        failures.push(
          `npm start with a bad token: exit ${String(badToken.code)}: ${badToken.output.slice(-300)}`,
        );
      const malformed = `not-a-webhook-secret-${API_TOKEN}`;
      const badSecret = await npmStart({ ...base, DISCORD_TOKEN: token, WEBHOOK_SECRET: malformed });
      if (badSecret.code !== 0 && badSecret.output.includes('WEBHOOK_SECRET')) proofs.push('config');
      else failures.push(`npm start with a malformed secret: exit ${String(badSecret.code)}`);
      for (const [where, run, extra] of [
        ['npm start (rejected token)', badToken, [rejected]],
        ['npm start (malformed secret)', badSecret, [malformed]],
      ] as const) {
        for (const n of needles(token, [...extra]))
          if (run.output.includes(n)) failures.push(`${where} printed ${n.slice(0, 6)}…`);
      }
    } finally {
      await fake.stop();
    }
  } catch (e) {
    failures.push((e as Error).message);
  } finally {
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const expected = ['crash', 'outbox', 'export', 'http', 'login', 'config'];
  const missing = expected.filter((p) => !proofs.includes(p));
  if (missing.length) failures.push(`not exercised: ${missing.join(', ')}`);
  return {
    scenario: 'secrets never in logs, replies, exports, output',
    runs: expected.length,
    figure: failures.length
      ? failures.slice(0, 4).join('; ')
      : `4 secrets × ${outputs.length + 2} outputs (${expected.join(', ')}): 0 found`,
    pass: failures.length === 0,
  };
}
