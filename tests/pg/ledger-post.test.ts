/**
 * One post on PostgreSQL in two round trips (src/db/pg/ledger-store.ts `lookupPost`, the
 * facade's held-back BEGIN and `runLater`): the look-ups in one statement that also opens
 * missing accounts, the INSERT sent with the COMMIT. What the INSERT's refusal at COMMIT
 * must still give: a key another connection took meanwhile answers as a duplicate after
 * the transaction ran again; a balance another connection spent meanwhile is refused by
 * the triggers as SPARKS.INSUFFICIENT with nothing kept — not even the accounts it opened.
 */
import { MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { databaseForFile } from '../testkit/postgres.ts';

const G = '300000000000000002';
const ACTOR = { type: 'system' as const, id: 'test' };
const database = databaseForFile();
let db: PgSyncDb;
let other: PgSyncDb;

beforeAll(() => {
  db = openPgSync(database().url);
  other = openPgSync(database().url, { migrate: false });
});
afterAll(() => {
  db?.close();
  other?.close();
});

function messages(fn: () => void): number {
  let n = 0;
  // Called with each port as `this` below, never unbound.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (this: MessagePort, ...args: Parameters<typeof post>) {
    n++;
    return post.apply(this, args);
  };
  try {
    fn();
  } finally {
    MessagePort.prototype.postMessage = post;
  }
  return n;
}

const credit = (ledger: Ledger, userId: string, key: string, amount = 5) =>
  ledger.credit({ guildId: G, userId, source: 'award', kind: 'award', amount, key, actor: ACTOR });

describe('a post on PostgreSQL in two round trips', () => {
  it('opens new accounts in order and posts in two messages; a duplicate reads the first', () => {
    const ledger = new Ledger({ db });
    let sent = 0;
    const first = (() => {
      let r: ReturnType<typeof credit> | undefined;
      sent = messages(() => (r = credit(ledger, 'ann', 'p-1')));
      return r!;
    })();
    expect(sent).toBe(2);
    expect(first.duplicate).toBe(false);
    const issuance = ledger.reads.account(G, { type: 'issuance', ref: 'award' })!;
    const ann = ledger.reads.account(G, { type: 'member', ref: 'ann' })!;
    // Opened in the order of the entry: the debit side first.
    expect(issuance.id).toBeLessThan(ann.id);
    expect(first.transfer).toMatchObject({ debitAccountId: issuance.id, creditAccountId: ann.id, amount: 5 });
    expect(ledger.reads.transferByKey(G, 'p-1')!.id).toBe(first.transfer.id);
    expect(ledger.reads.standing(G, 'ann')).toMatchObject({ balance: 5, lifetimeEarned: 5 });
    const again = credit(ledger, 'ann', 'p-1');
    expect(again).toEqual({ transfer: first.transfer, duplicate: true });
    expect(() => credit(ledger, 'ann', 'p-1', 6)).toThrow(/already used for a different transfer/);
  });

  it('a key another connection posted before this COMMIT: run again, answered as a duplicate', () => {
    const ours = new Ledger({ db });
    const theirs = new Ledger({ db: other });
    // Opened before: an account our transaction opens stays locked until it ends.
    ours.openAccounts([{ guildId: G, type: 'member', ref: 'bob' }]);
    let raced = false;
    // Runs inside our transaction after the (held-back) INSERT, before the COMMIT.
    const off = ours.onPosted(
      () => {
        if (raced) return;
        raced = true;
        expect(credit(theirs, 'bob', 'race-1').duplicate).toBe(false);
      },
      { transactional: true },
    );
    try {
      const retries = db.retries;
      const result = credit(ours, 'bob', 'race-1');
      expect(raced).toBe(true);
      expect(result.duplicate).toBe(true);
      expect(db.retries - retries).toBe(1);
      expect(result.transfer.id).toBe(theirs.reads.transferByKey(G, 'race-1')!.id);
      expect(ours.reads.standing(G, 'bob').balance).toBe(5);
    } finally {
      off();
    }
  });

  it('a balance spent meanwhile: the triggers refuse at COMMIT, SPARKS.INSUFFICIENT, nothing kept', () => {
    const ours = new Ledger({ db });
    const theirs = new Ledger({ db: other });
    credit(ours, 'cat', 'fund-cat', 10);
    let spent = false;
    const off = ours.onPosted(
      () => {
        if (spent) return;
        spent = true;
        theirs.hold({ guildId: G, userId: 'cat', amount: 8, key: 'their-hold', actor: ACTOR });
      },
      { transactional: true },
    );
    try {
      let error: unknown;
      try {
        ours.post({
          guildId: G,
          kind: 'award',
          from: { type: 'member', ref: 'cat' },
          to: { type: 'member', ref: 'newcomer' },
          amount: 6,
          key: 'our-spend',
          actor: ACTOR,
        });
      } catch (e) {
        error = e;
      }
      expect(spent).toBe(true);
      expect(String(error)).toMatch(/SPARKS.INSUFFICIENT|accounts_balance_range/);
      expect(isSparksError(error, 'SPARKS.INSUFFICIENT')).toBe(true);
      expect(ours.reads.transferByKey(G, 'our-spend')).toBeUndefined();
      expect(ours.reads.account(G, { type: 'member', ref: 'newcomer' })).toBeUndefined();
      expect(ours.reads.standing(G, 'cat').balance).toBe(2);
      expect(db.inTransaction).toBe(false);
    } finally {
      off();
    }
  });

  it('a post inside an outer write whose INSERT is refused fails alone; the outer write commits', () => {
    const ledger = new Ledger({ db });
    credit(ledger, 'dan', 'fund-dan', 3);
    db.write(() => {
      // The INSERT goes out with this post's own RELEASE, so its refusal is this call's.
      let error: unknown;
      try {
        db.write(() => {
          ledger.post({
            guildId: G,
            kind: 'award',
            from: { type: 'member', ref: 'dan' },
            to: { type: 'member', ref: 'eve' },
            amount: 3,
            key: 'dan-1',
            actor: ACTOR,
          });
          // Spent by the triggers' rule, not the Ledger's check: the same account again.
          ledger.post({
            guildId: G,
            kind: 'award',
            from: { type: 'member', ref: 'dan' },
            to: { type: 'member', ref: 'eve' },
            amount: 1,
            key: 'dan-2',
            actor: ACTOR,
          });
        });
      } catch (e) {
        error = e;
      }
      expect(isSparksError(error, 'SPARKS.INSUFFICIENT')).toBe(true);
      credit(ledger, 'dan', 'fund-dan-2', 4);
    });
    expect(ledger.reads.transferByKey(G, 'dan-1')).toBeUndefined();
    expect(ledger.reads.standing(G, 'dan').balance).toBe(7);
  });
});
