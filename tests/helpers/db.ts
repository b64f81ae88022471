import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { Ledger, MEMBER } from '../../src/ledger/ledger.ts';

/** A fresh database with the real migrations applied; in memory unless `file` is asked for. */
export function freshDb(options: { file?: boolean } = {}): Db & { dir?: string; cleanup: () => void } {
  if (!options.file) {
    const db = openDatabase(':memory:');
    return Object.assign(db, { cleanup: () => db.close() });
  }
  const dir = mkdtempSync(join(tmpdir(), 'sparks-test-'));
  const db = openDatabase(join(dir, 'sparks.db'));
  return Object.assign(db, {
    dir,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** A controllable clock: starts at a fixed instant, moves only when told. */
export function fakeClock(start = Date.UTC(2026, 10, 24, 12, 0, 0)) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  });
}

export function freshLedger(options: { file?: boolean } = {}) {
  const db = freshDb(options);
  const clock = fakeClock();
  return { db, clock, ledger: new Ledger({ db, clock }) };
}

/**
 * Sets members' ranked flags the way the Discord side ends up doing (a member left, or took
 * or lost the excluded role): the ledger writes the flag, which the members service decides.
 * Not through MembersService itself: the upgrade tests run this on databases of earlier
 * releases, whose schema lacks tables the service's stores prepare statements for.
 */
export function rankedFlags(ledger: Ledger): (guildId: string, userId: string, ranked: boolean) => void {
  return (guildId, userId, ranked) => {
    if ((ledger.reads.account(guildId, MEMBER(userId))?.ranked === 1) !== ranked)
      ledger.setRanked(guildId, userId, ranked);
  };
}

export const MOD = { type: 'moderator', id: '100000000000000001' } as const;
export const G = '200000000000000001';

/** Credits a member of guild G through the ledger, as MOD's award (test set-up). */
export function award(ledger: Ledger, userId: string, amount: number, key: string, reason?: string) {
  return ledger.credit({
    guildId: G,
    userId,
    source: 'award',
    kind: 'award',
    amount,
    key,
    actor: MOD,
    ...(reason === undefined ? {} : { reason }),
  });
}
