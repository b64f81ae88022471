import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../helpers/members.ts';

describe('npm run demo', () => {
  it('plays the scripted session against the fake Discord, prints the transcript and exits 0', async () => {
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
    expect(run.stdout).toMatch(
      /Redeemed \*\*VIP Pass\*\* for 500 Sparks: you have @VIP until \d{4}-\d\d-\d\d \d\d:\d\d/,
    );
    expect(run.stdout).toContain('the reward’s role sits above mine');
    expect(run.stdout).toContain('Your Sparks were returned.');
    expect(run.stdout).toContain('Sparks ledger verification: CLEAN');
    // Tiers, the leaderboard and a balance card written for a look.
    expect(run.stdout).toContain("@bob's roles: none (the bot does not fight the moderator)");
    expect(run.stdout).toMatch(/Your rank: \*\*#\d\*\* · [\d,]+ Sparks/);
    expect(run.stdout).toContain('(card written to demo-output/balance-card.png)');
    const card = readFileSync(join(import.meta.dirname, '../../demo-output/balance-card.png'));
    expect(await decodePng(card)).toEqual({ width: 800, height: 300 });
  });
});
