/**
 * Model-based test: random sequences of ledger operations run against the real ledger
 * (a real migrated database of each engine) and against a plain in-memory model; after every step the two
 * must agree and every invariant of verifyLedger must hold. Two deliberately broken
 * ledgers prove the property is able to fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { Ledger, type PostInput, type PostResult } from '../../src/ledger/ledger.ts';
import { fakeClock, freshDb, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const USERS = ['u1', 'u2', 'u3'] as const;
type User = (typeof USERS)[number];

type Op =
  | { t: 'grant'; user: User; amount: number; key: string }
  | { t: 'revoke'; user: User; amount: number; key: string }
  | { t: 'hold'; user: User; amount: number; key: string }
  | { t: 'post' | 'void'; index: number; key: string }
  | { t: 'reverse'; index: number; key: string; partial: number | null }
  | { t: 'replay'; index: number };

const key = fc.integer({ min: 0, max: 14 }).map((i) => `k${i}`);
const user = fc.constantFrom(...USERS);
const amount = fc.integer({ min: 1, max: 400 });
const index = fc.nat({ max: 20 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('grant' as const), user, amount, key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('revoke' as const), user, amount, key }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('hold' as const), user, amount, key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('post' as const, 'void' as const), index, key }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('reverse' as const),
      index,
      key,
      partial: fc.option(amount, { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('replay' as const), index }) },
);

interface Model {
  balance: Record<User, number>;
  lifetime: Record<User, number>;
  keys: Map<string, string>;
  holds: { id: number; user: User; amount: number; closed: boolean }[];
  grants: { id: number; user: User; amount: number; closed: boolean }[];
  applied: Op[];
}

/** 'ok', 'duplicate', or an error code. */
type Outcome = string;

/** What the model says should happen, and the state change if it does. */
function expected(
  m: Model,
  o: Exclude<Op, { t: 'replay' }>,
): { outcome: Outcome; signature: string; apply: () => void } {
  const sig = (kind: string, from: string, to: string, amt: number, closes: number | null) =>
    `${kind}|${from}|${to}|${amt}|${closes ?? ''}`;
  let signature: string;
  let guard: Outcome = 'ok';
  let apply: () => void = () => undefined;
  switch (o.t) {
    case 'grant':
      signature = sig('award', 'issuance:award', `member:${o.user}`, o.amount, null);
      apply = () => {
        m.balance[o.user] += o.amount;
        m.lifetime[o.user] += o.amount;
        m.grants.push({ id: -1, user: o.user, amount: o.amount, closed: false });
      };
      break;
    case 'revoke':
      signature = sig('revoke', `member:${o.user}`, 'issuance:award', o.amount, null);
      if (m.balance[o.user] < o.amount) guard = 'SPARKS.INSUFFICIENT';
      apply = () => {
        m.balance[o.user] -= o.amount;
        m.lifetime[o.user] -= o.amount;
      };
      break;
    case 'hold':
      signature = sig('hold', `member:${o.user}`, 'hold:shop', o.amount, null);
      if (m.balance[o.user] < o.amount) guard = 'SPARKS.INSUFFICIENT';
      apply = () => {
        m.balance[o.user] -= o.amount;
        m.holds.push({ id: -1, user: o.user, amount: o.amount, closed: false });
      };
      break;
    case 'post':
    case 'void': {
      const h = m.holds[o.index % m.holds.length]!;
      signature =
        o.t === 'post'
          ? sig('hold.post', 'hold:shop', 'redeemed:shop', h.amount, h.id)
          : sig('hold.void', 'hold:shop', `member:${h.user}`, h.amount, h.id);
      if (h.closed) guard = 'SPARKS.ALREADY_CLOSED';
      apply = () => {
        h.closed = true;
        if (o.t === 'void') m.balance[h.user] += h.amount;
      };
      break;
    }
    case 'reverse': {
      const g = m.grants[o.index % m.grants.length]!;
      const amt = o.partial === null ? g.amount : Math.min(o.partial, g.amount);
      signature = sig('reversal', `member:${g.user}`, 'issuance:award', amt, g.id);
      if (g.closed) guard = 'SPARKS.ALREADY_CLOSED';
      else if (m.balance[g.user] < amt) guard = 'SPARKS.INSUFFICIENT';
      apply = () => {
        g.closed = true;
        m.balance[g.user] -= amt;
        m.lifetime[g.user] -= amt;
      };
      break;
    }
  }
  const seen = m.keys.get(o.key);
  if (seen !== undefined)
    return { outcome: seen === signature ? 'duplicate' : 'SPARKS.IDEMPOTENCY_CONFLICT', signature, apply };
  return { outcome: guard, signature, apply };
}

function perform(ledger: Ledger, m: Model, o: Exclude<Op, { t: 'replay' }>): PostResult {
  const a = { guildId: G, actor: MOD, key: o.key };
  switch (o.t) {
    case 'grant':
      return ledger.credit({ ...a, userId: o.user, source: 'award', kind: 'award', amount: o.amount });
    case 'revoke':
      return ledger.revoke({ ...a, userId: o.user, amount: o.amount });
    case 'hold':
      return ledger.hold({ ...a, userId: o.user, amount: o.amount });
    case 'post':
      return ledger.closeHold(m.holds[o.index % m.holds.length]!.id, 'post', a);
    case 'void':
      return ledger.closeHold(m.holds[o.index % m.holds.length]!.id, 'void', a);
    case 'reverse': {
      const g = m.grants[o.index % m.grants.length]!;
      return ledger.reverse(g.id, {
        ...a,
        amount: o.partial === null ? undefined : Math.min(o.partial, g.amount),
      });
    }
  }
}

/** Runs one sequence; throws (failing the property) on the first disagreement. */
function runSequence(makeLedger: () => Made, ops: Op[]): void {
  const { ledger, verify, cleanup } = makeLedger();
  const m: Model = {
    balance: { u1: 0, u2: 0, u3: 0 },
    lifetime: { u1: 0, u2: 0, u3: 0 },
    keys: new Map(),
    holds: [],
    grants: [],
    applied: [],
  };
  try {
    for (const raw of ops) {
      const o = raw.t === 'replay' ? m.applied[raw.index % Math.max(1, m.applied.length)] : raw;
      if (!o || o.t === 'replay') continue;
      if ((o.t === 'post' || o.t === 'void') && m.holds.length === 0) continue;
      if (o.t === 'reverse' && m.grants.length === 0) continue;
      const want = expected(m, o);
      let got: Outcome;
      let result: PostResult | undefined;
      try {
        result = perform(ledger, m, o);
        got = result.duplicate ? 'duplicate' : 'ok';
      } catch (e) {
        if (!isSparksError(e)) throw e;
        got = e.code;
      }
      if (got !== want.outcome)
        throw new Error(`op ${JSON.stringify(o)}: expected ${want.outcome}, got ${got}`);
      if (got === 'ok') {
        want.apply();
        m.keys.set(o.key, want.signature);
        m.applied.push(o);
        if (o.t === 'grant') m.grants[m.grants.length - 1]!.id = result!.transfer.id;
        if (o.t === 'hold') m.holds[m.holds.length - 1]!.id = result!.transfer.id;
      }
      for (const u of USERS) {
        const s = ledger.reads.standing(G, u);
        if (s.balance !== m.balance[u] || s.lifetimeEarned !== m.lifetime[u]) {
          throw new Error(
            `after ${JSON.stringify(o)}: ${u} is ${s.balance}/${s.lifetimeEarned}, model ${m.balance[u]}/${m.lifetime[u]}`,
          );
        }
      }
      const report = verify();
      if (!report.ok)
        throw new Error(`invariant broken after ${JSON.stringify(o)}: ${JSON.stringify(report.problems)}`);
    }
  } finally {
    cleanup();
  }
}

interface Made {
  ledger: Ledger;
  verify: () => { ok: boolean; problems: string[] };
  cleanup: () => void;
}

const fresh = engineDbs();

/** A ledger of class `L` on a fresh database of `engine`. */
const ledgerOf =
  (engine: Engine, L: typeof Ledger = Ledger) =>
  (): Made => {
    const env = fresh(engine);
    return { ledger: new L({ db: env.db, clock: fakeClock() }), verify: env.verify, cleanup: env.cleanup };
  };

/** Broken on purpose: replays are applied again under a fresh key (no idempotency). */
class ReplayingLedger extends Ledger {
  override post(input: PostInput): PostResult {
    const result = super.post(input);
    return result.duplicate ? super.post({ ...input, key: `${input.key}#again${Math.random()}` }) : result;
  }
}

const sequences = fc.array(op, { minLength: 1, maxLength: 40 });

// Fewer runs on PostgreSQL: each statement is a loopback round trip there (~0.3 ms), and a
// run posts up to 40 operations and re-verifies the ledger after each.
const RUNS: Record<Engine, number> = { sqlite: 150, postgres: 40 };

describe.each(ENGINES)('ledger model on %s', (engine) => {
  it('agrees with the model and keeps every invariant after every step', () => {
    fc.assert(
      fc.property(sequences, (ops) => runSequence(ledgerOf(engine), ops)),
      { numRuns: RUNS[engine] },
    );
  });

  it('catches a ledger that applies replayed operations twice', () => {
    const result = fc.check(
      fc.property(sequences, (ops) => runSequence(ledgerOf(engine, ReplayingLedger), ops)),
      { numRuns: 150, seed: 42 },
    );
    expect(result.failed).toBe(true);
  });
});

// SQLite only: it swaps a trigger for a broken one in a database of its own. The same proof
// for the PostgreSQL triggers is the tampering test of tests/pg/model.property.test.ts.
describe('ledger model', () => {
  it('catches a database whose balance trigger forgets lifetime earned', () => {
    const result = fc.check(
      fc.property(sequences, (ops) =>
        runSequence(() => {
          const db = freshDb();
          db.sqlite.exec(`DROP TRIGGER transfers_apply;
            CREATE TRIGGER transfers_apply AFTER INSERT ON transfers BEGIN
              UPDATE accounts SET balance = balance - NEW.amount WHERE id = NEW.debit_account_id;
              UPDATE accounts SET balance = balance + NEW.amount WHERE id = NEW.credit_account_id;
            END;`);
          const ledger = new Ledger({ db, clock: fakeClock() });
          return {
            ledger,
            verify: () => ({ ok: verifyLedger(db.sqlite).ok, problems: [] }),
            cleanup: db.cleanup,
          };
        }, ops),
      ),
      { numRuns: 150, seed: 42 },
    );
    expect(result.failed).toBe(true);
  });
});
