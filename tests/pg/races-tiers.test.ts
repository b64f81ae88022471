/**
 * Two `tiers.set` at once on PostgreSQL, from two bot processes: the 25-tier limit holds.
 * SQLite's single writer gives it for free; here the second `set` reads the tiers after the
 * first committed because `list` inside a write takes the guild's tier lock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.ts';
import { MAX_TIERS, TierService } from '../../src/tiers/tiers.ts';
import { race, sharedDatabase } from './races-kit.ts';

const G = '200000000000000001';
const role = (n: number) => `3000000000000000${String(n).padStart(2, '0')}`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('two tier sets at once on PostgreSQL', () => {
  it('the second waits for the first and is refused at the limit: never more than 25 tiers', async () => {
    const shared = await sharedDatabase();
    close = shared.close;
    const tiers = new TierService({ db: shared.db, ledger: new Ledger({ db: shared.db }), clock: Date.now });
    for (let n = 1; n < MAX_TIERS; n++) tiers.set(G, role(n), n * 100, { moderatorRoleId: null });
    const { first, second, blockedIn } = await race(
      shared.db,
      shared.url,
      () => tiers.set(G, role(MAX_TIERS), 10_000, { moderatorRoleId: null }),
      'tier-set',
      { guildId: G, roleId: role(MAX_TIERS + 1), threshold: 20_000 },
    );
    expect(first.previous).toBeNull();
    expect(tiers.list(G)).toHaveLength(MAX_TIERS);
    expect(second.outcome).toBe('SPARKS.TIER_INVALID');
    expect(blockedIn).toContain('pg_advisory_xact_lock');
    // Moving an existing tier is not a new one: still allowed at the limit.
    expect(tiers.set(G, role(1), 150, { moderatorRoleId: null }).previous).toBe(100);
  }, 90_000);
});
