import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { openDatabase } from '../../src/db/open.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { AwardService } from '../../src/moderation/awards.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { fakeClock, freshDb, G } from '../helpers/db.ts';

const DEFAULTS = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};
const MODERATOR = '100000000000000001';
const MEMBER_ID = '100000000000000002';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('moderator awards', () => {
  it('record each award and revoke in the audit feed after commit, and not a replay or a refusal', () => {
    const db = freshDb();
    cleanup = db.cleanup;
    const clock = fakeClock();
    const ledger = new Ledger({ db, clock });
    const settings = new SettingsService({ db, defaults: DEFAULTS, clock });
    const audit = new AuditQueue();
    const awards = new AwardService({ db, ledger, settings, clock, audit });
    const input = {
      guildId: G,
      moderatorId: MODERATOR,
      userId: MEMBER_ID,
      amount: 50,
      reason: 'AMA',
      key: 'i1',
    };
    awards.award(input);
    awards.award(input);
    expect(() => awards.award({ ...input, userId: MODERATOR, key: 'i2' })).toThrow(/SELF_AWARD/);
    awards.revoke({ ...input, amount: 20, reason: 'typo', key: 'i3' });
    expect(audit.take(10).map((e) => [e.kind, e.actorId, e.userId, e.amount, e.reason])).toEqual([
      ['award', MODERATOR, MEMBER_ID, 50, 'AMA'],
      ['revoke', MODERATOR, MEMBER_ID, 20, 'typo'],
    ]);
  });

  it('several processes awarding at once never take a moderator past the daily limit', async () => {
    const db = freshDb({ file: true });
    cleanup = db.cleanup;
    new SettingsService({ db, defaults: DEFAULTS }).update(G, { dailyAwardLimit: 100 });
    const file = join(db.dir!, 'sparks.db');
    // Each process tries five awards of 10; together they ask for 200 against a limit of 100.
    const script = (p: number) => `
      const { openDatabase } = await import('./src/db/open.ts');
      const { Ledger } = await import('./src/ledger/ledger.ts');
      const { SettingsService } = await import('./src/settings/settings.ts');
      const { AwardService } = await import('./src/moderation/awards.ts');
      const db = openDatabase(${JSON.stringify(file)});
      const ledger = new Ledger({ db });
      const awards = new AwardService({ db, ledger, settings: new SettingsService({ db, defaults: ${JSON.stringify(DEFAULTS)} }), clock: Date.now });
      let ok = 0;
      for (let i = 0; i < 5; i++) {
        try {
          awards.award({ guildId: '${G}', moderatorId: '${MODERATOR}', userId: '${MEMBER_ID}', amount: 10, reason: 'burst', key: 'p${p}-' + i });
          ok++;
        } catch (e) {
          if (e.code !== 'SPARKS.DAILY_LIMIT') throw e;
        }
        await new Promise((r) => setImmediate(r));
      }
      db.close();
      process.stdout.write(String(ok));
    `;
    const cwd = join(import.meta.dirname, '../..');
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        (p) =>
          new Promise<{ code: number; ok: number }>((resolve) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', '--input-type=module', '-e', script(p)],
              { cwd },
            );
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.on('exit', (code) => resolve({ code: code ?? -1, ok: Number(out) }));
          }),
      ),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.reduce((n, r) => n + r.ok, 0)).toBe(10);
    const check = openDatabase(file);
    const ledger = new Ledger({ db: check });
    expect(ledger.reads.standing(G, MEMBER_ID).balance).toBe(100);
    check.close();
  });
});
