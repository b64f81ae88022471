/**
 * Signs a JSON event file the way the platform does and POSTs it to the webhook:
 *
 *   npm run webhook:send -- examples/events/trade.json [--url <url>] [--id <webhook-id>]
 *
 * Signs with the first WEBHOOK_SECRET; posts to http://127.0.0.1:$WEBHOOK_PORT/v1/events
 * unless --url is given. A fresh webhook-id is used per run; pass --id to replay one.
 * Prints the status and the reply; exits 0 on a 2xx, 1 otherwise, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../config.ts';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, id: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: npm run webhook:send -- <event.json> [--url <url>] [--id <webhook-id>]');
    return 2;
  }
  const config = loadConfig();
  const secret = config.webhookSecrets[0];
  if (!secret) {
    console.error('WEBHOOK_SECRET is not set (see .env.example)');
    return 2;
  }
  const url =
    values.url ?? (config.webhook ? `http://127.0.0.1:${config.webhook.port}/v1/events` : undefined);
  if (!url) {
    console.error('set WEBHOOK_PORT or pass --url <url>');
    return 2;
  }
  const body = readFileSync(file, 'utf8');
  const id = values.id ?? `msg_${randomUUID()}`;
  const now = new Date();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now, body),
    },
    body,
  });
  const text = await response.text();
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: print as received
  }
  console.log(`POST ${url}\nwebhook-id: ${id}\nHTTP ${response.status}\n${shown}`);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : `webhook:send failed: ${(e as Error).message}`);
    process.exit(2);
  },
);
