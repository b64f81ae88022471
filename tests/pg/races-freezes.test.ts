/**
 * Two streak-freeze purchases by one member at once on PostgreSQL, from two bot processes:
 * the second sees the first's freeze and is refused at MAX_FREEZES (on SQLite the single
 * writer orders them; here the freeze count inside a write waits on the member's lock).
 * Without that the member pays for a freeze the fold then drops (held never passes the max).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { MAX_FREEZES, StreakService } from '../../src/streaks/streaks.ts';
import { award, G } from '../helpers/db.ts';
import { DEFAULTS } from '../helpers/platform.ts';
import { race, sharedDatabase } from './races-kit.ts';

const ALICE = '300000000000000001';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('two streak-freeze purchases at once on PostgreSQL', () => {
  it('the second waits for the first and is refused at the most a member may hold', async () => {
    const shared = await sharedDatabase();
    close = shared.close;
    const { db } = shared;
    const clock = Date.now;
    const audit = new AuditQueue();
    const ledger = new Ledger({ db, clock });
    const settings = new SettingsService({ db, clock, defaults: DEFAULTS });
    const streaks = new StreakService({ db, ledger, settings, clock });
    const rewards = new RewardService({ db, clock, audit });
    const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit, freezes: streaks });
    const freeze = rewards.add(G, 'mod', { name: 'Freeze', cost: 20, kind: 'streak_freeze' });
    award(ledger, ALICE, 1000, 'fund');
    const buy = (key: string) =>
      redemptions.reserve({
        guildId: G,
        userId: ALICE,
        rewardId: freeze.id,
        confirmedCost: freeze.cost,
        key,
        memberRoleIds: [],
      });
    for (let i = 1; i < MAX_FREEZES; i++) buy(`buy:${i}`);
    expect(streaks.freezesHeld(G, ALICE)).toBe(MAX_FREEZES - 1);

    const { first, second, blockedIn } = await race(db, shared.url, () => buy('buy:last'), 'freeze-reserve', {
      guildId: G,
      userId: ALICE,
      rewardId: freeze.id,
      cost: freeze.cost,
      key: 'buy:other',
    });
    expect(first.redemption.status).toBe('fulfilled');
    const bought = db.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM redemptions WHERE user_id = $1 AND status = 'fulfilled'`,
      [ALICE],
    )[0]!.n;
    expect(bought).toBe(MAX_FREEZES);
    expect(second.outcome).toBe('SPARKS.STREAK_FREEZES_FULL');
    expect(blockedIn).toContain('pg_advisory_xact_lock');
    expect(streaks.freezesHeld(G, ALICE)).toBe(MAX_FREEZES);
    // Paid for exactly the freezes held.
    expect(ledger.reads.standing(G, ALICE).balance).toBe(1000 - MAX_FREEZES * freeze.cost);
  }, 90_000);
});
