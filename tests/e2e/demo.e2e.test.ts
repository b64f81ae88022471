import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('plays the scripted session against the fake Discord, prints the transcript and exits 0', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/demo.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('@alice received **1,500 Sparks** from @mod');
    expect(run.stdout).toContain('잔액: 800 Sparks');
    expect(run.stdout).toContain('Launch day (#1): 🟢 active · 🔥 50 Sparks each · 3 participant(s)');
    expect(run.stdout).toMatch(/\[🏁 Campaign ended\]\n\s*By: @mod\n\s*Campaign: Launch day/);
    expect(run.stdout).toContain('Sparks ledger verification: CLEAN');
  });
});
