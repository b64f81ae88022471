import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDb, G } from '../helpers/db.ts';
import { BOB, SECRET_A, SECRET_B, startPlatform } from '../helpers/platform.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function send(args: string[], env: Record<string, string>) {
  try {
    const { stdout } = await run(TSX, ['src/scripts/webhook-send.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

describe('npm run webhook:send', () => {
  it('signs an example event with the first WEBHOOK_SECRET and posts it; --id replays it', async () => {
    const db = freshDb();
    cleanups.push(() => db.cleanup());
    const p = await startPlatform(db, { secrets: [SECRET_A] });
    cleanups.push(() => p.close());
    const env = { WEBHOOK_SECRET: `${SECRET_A} ${SECRET_B}`, WEBHOOK_PORT: String(p.server.port) };

    const first = await send(['examples/events/trade.json', '--id', 'msg_example_1'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('HTTP 200');
    expect(first.stdout).toContain('"status": "applied"');
    expect(p.ledger.reads.standing(G, BOB).balance).toBe(123);

    const again = await send(
      ['examples/events/trade.json', '--id', 'msg_example_1', '--url', `${p.url}/v1/events`],
      env,
    );
    expect(again.stdout).toContain('"status": "duplicate"');
    expect(p.ledger.reads.standing(G, BOB).balance).toBe(123);
  }, 20_000);

  it('exits 2 naming what is missing', async () => {
    const result = await send(['examples/events/trade.json'], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('WEBHOOK_SECRET is not set');
  }, 20_000);
});
