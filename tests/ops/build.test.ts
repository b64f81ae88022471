import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from '../../src/scripts/build.ts';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(root, '.build-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run build (the esbuild bundle)', () => {
  it('keeps the discord.js cache limits, which are looked up by manager class name', async () => {
    // Bundled with the bot's own options, as dist/index.js is.
    const entry = join(dir, 'caches.ts');
    writeFileSync(
      entry,
      `import { createClient } from '../src/discord/client.ts';
const client = createClient();
const cache = client.users.cache as unknown as { constructor: { name: string }; maxSize?: number };
console.log(JSON.stringify({ users: [cache.constructor.name, cache.maxSize ?? null] }));
await client.destroy();
`,
    );
    await bundle([entry], dir);
    const out = execFileSync(process.execPath, [join(dir, 'caches.js')], { encoding: 'utf8' });
    const report = JSON.parse(out) as Record<string, [string, number | null]>;
    expect(report.users).toEqual(['LimitedCollection', 1000]);
  });
});
