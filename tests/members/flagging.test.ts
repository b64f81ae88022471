import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { FlagService } from '../../src/members/flagging.ts';
import { fakeClock, G } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const MOD = '100000000000000001';
const MOD2 = '100000000000000009';
const ALICE = '100000000000000002';
const BOB = '100000000000000003';
const CAROL = '100000000000000004';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const fresh = engineDbs();

function world(engine: Engine) {
  const env = fresh(engine);
  const { db } = env;
  cleanup = env.cleanup;
  const clock = fakeClock();
  const audit = new AuditQueue();
  const flags = new FlagService({ db, clock, audit });
  const rows = () => env.rows('SELECT * FROM member_flags ORDER BY id');
  return { db, exec: env.exec, clock, audit, flags, rows };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e)) return e.code;
    throw e;
  }
  return 'no error';
};

describe.each(ENGINES)('flags on %s', (engine) => {
  it('a moderator flags a member, who is then flagged until another clears it, with the history kept', () => {
    const { flags, clock, audit } = world(engine);
    expect(flags.isFlagged(G, ALICE)).toBe(false);
    const row = flags.flag({
      guildId: G,
      userId: ALICE,
      targetIsBot: false,
      moderatorId: MOD,
      reason: ' alts ',
    });
    expect(row).toMatchObject({ source: 'moderator', reason: 'alts', raisedBy: MOD, clearedAt: null });
    expect(flags.isFlagged(G, ALICE)).toBe(true);
    expect(flags.isFlagged(G, BOB)).toBe(false);
    expect(flags.isFlagged('200000000000000999', ALICE)).toBe(false);
    clock.advance(60_000);
    const cleared = flags.clear({ guildId: G, userId: ALICE, moderatorId: MOD2, reason: 'talked to them' });
    expect(cleared).toMatchObject({ clearedBy: MOD2, clearReason: 'talked to them', reason: 'alts' });
    expect(flags.isFlagged(G, ALICE)).toBe(false);
    // Flagged again later: a new row; the old one stays as history.
    flags.flag({ guildId: G, userId: ALICE, targetIsBot: false, moderatorId: MOD, reason: 'again' });
    expect(flags.list(G).total).toBe(1);
    expect(flags.list(G, { open: false }).items.map((f) => f.reason)).toEqual(['again', 'alts']);
    expect(audit.take(10).map((e) => [e.kind, e.userId, e.actorId, e.reason])).toEqual([
      ['flag.raised', ALICE, MOD, 'alts'],
      ['flag.cleared', ALICE, MOD2, 'talked to them'],
      ['flag.raised', ALICE, MOD, 'again'],
    ]);
  });

  it('refuses a bot, oneself, a blank or long reason, a second open flag, and clearing nothing — writing nothing', () => {
    const { flags, rows, audit } = world(engine);
    const flag = (o: Partial<Parameters<FlagService['flag']>[0]>) => () =>
      flags.flag({ guildId: G, userId: ALICE, targetIsBot: false, moderatorId: MOD, reason: 'x', ...o });
    expect(code(flag({ targetIsBot: true }))).toBe('SPARKS.FLAG_BOT');
    expect(code(flag({ userId: MOD }))).toBe('SPARKS.SELF_FLAG');
    expect(code(flag({ reason: '   ' }))).toBe('SPARKS.INVALID_INPUT');
    expect(code(flag({ reason: 'x'.repeat(501) }))).toBe('SPARKS.INVALID_INPUT');
    expect(code(() => flags.clear({ guildId: G, userId: ALICE, moderatorId: MOD, reason: 'ok' }))).toBe(
      'SPARKS.NOT_FLAGGED',
    );
    expect(rows()).toEqual([]);
    flag({})();
    expect(code(flag({ reason: 'twice' }))).toBe('SPARKS.ALREADY_FLAGGED');
    expect(code(() => flags.clear({ guildId: G, userId: ALICE, moderatorId: MOD, reason: '' }))).toBe(
      'SPARKS.INVALID_INPUT',
    );
    expect(code(() => flags.clear({ guildId: G, userId: ALICE, moderatorId: ALICE, reason: 'me' }))).toBe(
      'SPARKS.SELF_FLAG',
    );
    expect(rows()).toHaveLength(1);
    expect(audit.take(10)).toHaveLength(1);
  });

  it('an automatic raise opens one flag at most, inside the caller’s transaction', async () => {
    const { flags, db, exec, audit } = world(engine);
    const raise = () =>
      flags.raise({
        guildId: G,
        userId: BOB,
        source: 'auto:young_invitee',
        reason: 'account 2 days old',
        raisedBy: null,
      });
    expect(raise()).toEqual({ raised: true });
    expect(raise()).toEqual({ raised: false });
    expect(flags.list(G).items).toMatchObject([
      { source: 'auto:young_invitee', raisedBy: null, userId: BOB },
    ]);
    // Rolled back with the caller's write.
    expect(() =>
      db.write(() => {
        flags.raise({
          guildId: G,
          userId: ALICE,
          source: 'auto:fresh_referrals',
          reason: 'r',
          raisedBy: null,
        });
        throw new Error('the event failed');
      }),
    ).toThrow('the event failed');
    expect(flags.isFlagged(G, ALICE)).toBe(false);
    // Raised inside a write that commits: audited once that write is over; the rolled back one never.
    db.write(() =>
      flags.raise({ guildId: G, userId: CAROL, source: 'auto:wallet_shared', reason: 'w', raisedBy: null }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(audit.take(10).map((e) => e.userId)).toEqual([BOB, CAROL]);
    // The database itself keeps one open flag per member.
    expect(() =>
      exec(
        `INSERT INTO member_flags (guild_id, user_id, source, reason, raised_at) VALUES ('${G}', '${BOB}', 'moderator', 'x', 1)`,
      ),
    ).toThrow(/UNIQUE|member_flags_open/);
    // …and refuses a reason the service would never write.
    expect(
      code(() =>
        db.write(() =>
          flags.store.insert({
            guildId: G,
            userId: MOD2,
            source: 'moderator',
            reason: '',
            raisedBy: MOD,
            raisedAt: 1,
          }),
        ),
      ),
    ).toBe('SPARKS.INVALID_INPUT');
    expect(flags.isFlagged(G, MOD2)).toBe(false);
  });

  it('lists open flags newest first, paged', () => {
    const { flags, clock } = world(engine);
    for (let i = 0; i < 12; i++) {
      clock.advance(1000);
      flags.flag({
        guildId: G,
        userId: `1000000000000001${String(i).padStart(2, '0')}`,
        targetIsBot: false,
        moderatorId: MOD,
        reason: `r${i}`,
      });
    }
    const first = flags.list(G, { offset: 0, limit: 5 });
    expect(first.total).toBe(12);
    expect(first.items.map((f) => f.reason)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7']);
    expect(flags.list(G, { offset: 10, limit: 5 }).items.map((f) => f.reason)).toEqual(['r1', 'r0']);
  });
});
