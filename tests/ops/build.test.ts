import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from '../../src/scripts/build.ts';
import { freshDatabase } from '../testkit/postgres.ts';

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

  it('runs the PostgreSQL facade from the bundle, its worker the bundled sync-worker.js', async () => {
    const database = await freshDatabase();
    try {
      const entry = join(dir, 'pg-facade.ts');
      writeFileSync(
        entry,
        `import { openPgSync } from '../src/db/pg/sync.ts';
const db = openPgSync(process.env.SPARKS_TEST_PG!);
const rows = db.query('SELECT count(*) AS n FROM accounts');
db.close();
console.log(JSON.stringify(rows));
`,
      );
      await bundle([entry, join(root, 'src/db/pg/sync-worker.ts')], dir);
      const out = execFileSync(process.execPath, [join(dir, 'pg-facade.js')], {
        encoding: 'utf8',
        env: { ...process.env, SPARKS_TEST_PG: database.url },
      });
      // Migrated from the bundle (the accounts table exists) and answered through the worker.
      expect(JSON.parse(out)).toEqual([{ n: 0 }]);
    } finally {
      await database.drop();
    }
  });
});
