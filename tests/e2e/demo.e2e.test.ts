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
    expect(run.stdout).toMatch(
      /Redeemed \*\*VIP Pass\*\* for 500 Sparks: you have @VIP until .* \(in 7 days\)/,
    );
    expect(run.stdout).toContain('the reward’s role sits above mine');
    expect(run.stdout).toContain('Your Sparks were returned.');
    expect(run.stdout).toContain('Sparks ledger verification: CLEAN');
  });
});
