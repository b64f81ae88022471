import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo:web -- --check', () => {
  it('starts the populated demo world with the web on, fetches the leaderboard, prints OK and exits 0', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/demo-web.ts', '--check'], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('OK\n');
    expect(run.status).toBe(0);
  }, 100_000);
});
