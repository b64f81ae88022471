/**
 * The synchronous PostgreSQL facade (src/db/pg/sync.ts) on the suite's real server: round
 * trips, errors with their SQLSTATE and constraint, savepoints, a serialization failure that
 * re-runs `fn` (and the effects held back until COMMIT that must not run twice), the retry
 * bound, a dying worker, what one statement costs through the facade, and the statements
 * it holds back (BEGIN, savepoints, `runLater`) to send them in fewer round trips.
 */
import { MessagePort } from 'node:worker_threads';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import {
  killWorkerForTest,
  openPgSync,
  PgStatementError,
  PgWorkerGoneError,
  type PgSyncDb,
} from '../../src/db/pg/sync.ts';
import { databaseForFile } from '../testkit/postgres.ts';

const database = databaseForFile();
let db: PgSyncDb;
let other: PgSyncDb;

beforeAll(() => {
  db = openPgSync(database().url, { migrate: false });
  other = openPgSync(database().url, { migrate: false });
  db.run('CREATE TABLE kv (k text PRIMARY KEY, v bigint NOT NULL CONSTRAINT kv_v_small CHECK (v < 1000))');
});
afterAll(() => {
  db?.close();
  other?.close();
});

/** How many messages (round trips) `fn` sends to the facade's worker. */
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

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('the synchronous PostgreSQL facade', () => {
  it('connects again after its session was ended, but never in the middle of a transaction', async () => {
    const own = openPgSync(database().url, { migrate: false });
    try {
      own.run(`INSERT INTO kv (k, v) VALUES ('reconnect', 1) ON CONFLICT (k) DO UPDATE SET v = 1`);
      const pid = (): number => own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')[0]!.pid;
      const first = pid();
      // Ended from outside while idle (a failover, an operator's pg_terminate_backend): the
      // next statement outside a transaction runs on a new session.
      other.query('SELECT pg_terminate_backend($1)', [first]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = pid();
      expect(second).not.toBe(first);
      // Ended inside a write: that write fails (its statements cannot silently go on in a
      // new session) and changes nothing; the next write connects again and commits.
      const failure = caught(() =>
        own.write(() => {
          own.run(`UPDATE kv SET v = 2 WHERE k = 'reconnect'`);
          own.query('SELECT pg_terminate_backend(pg_backend_pid())');
          own.run(`UPDATE kv SET v = 3 WHERE k = 'reconnect'`);
        }),
      );
      expect(String(failure)).toMatch(/terminat|lost/);
      own.write(() => own.run(`UPDATE kv SET v = v + 10 WHERE k = 'reconnect'`));
      expect(other.query(`SELECT v FROM kv WHERE k = 'reconnect'`)).toEqual([{ v: 11 }]);
      expect(pid()).not.toBe(second);
    } finally {
      own.close();
      other.run(`DELETE FROM kv WHERE k = 'reconnect'`);
    }
  });

  it('answers a statement synchronously, int8 as numbers, and says how many rows a write touched', () => {
    expect(db.query('SELECT $1::int8 AS n, $2::text AS s, NULL::int AS z', [2 ** 40, 'x'])).toEqual([
      { n: 2 ** 40, s: 'x', z: null },
    ]);
    expect(db.run('INSERT INTO kv VALUES ($1, 1), ($2, 2)', ['a', 'b'])).toEqual({ rowCount: 2 });
    expect(db.query<{ k: string }>('SELECT k FROM kv ORDER BY k').map((r) => r.k)).toEqual(['a', 'b']);
    expect(db.inTransaction).toBe(false);
  });

  it('gives a refused statement back as an error with its SQLSTATE and constraint, and carries on', () => {
    const dup = caught(() => db.run("INSERT INTO kv VALUES ('a', 5)"));
    expect(dup).toBeInstanceOf(PgStatementError);
    expect(dup).toMatchObject({ code: '23505', constraint: 'kv_pkey' });
    expect(caught(() => db.run("INSERT INTO kv VALUES ('big', 5000)"))).toMatchObject({
      code: '23514',
      constraint: 'kv_v_small',
    });
    expect(caught(() => db.query('SELEC 1'))).toMatchObject({ code: '42601' });
    expect(db.query('SELECT count(*)::int AS n FROM kv')).toEqual([{ n: 2 }]);
  });

  it('prepares a statement anew after a schema change made its plan stale, and names stay unique', () => {
    const fresh = openPgSync(database().url, { migrate: false });
    try {
      fresh.run('CREATE TABLE plan_t (a int, b int)');
      fresh.run('INSERT INTO plan_t VALUES (1, 2)');
      const all = 'SELECT * FROM plan_t WHERE a = $1';
      const first = 'SELECT a FROM plan_t WHERE a = $1';
      expect(fresh.query(first, [1])).toEqual([{ a: 1 }]);
      expect(fresh.query(all, [1])).toEqual([{ a: 1, b: 2 }]);
      fresh.run('ALTER TABLE plan_t DROP COLUMN b');
      // The prepared `SELECT *` now has another result type: refused once, then prepared again.
      expect(caught(() => fresh.query(all, [1]))).toMatchObject({ code: '0A000' });
      expect(fresh.query(all, [1])).toEqual([{ a: 1 }]);
      // A text prepared after that gets a name of its own (none taken by another text).
      expect(fresh.query('SELECT a + $1::int AS c FROM plan_t', [1])).toEqual([{ c: 2 }]);
      expect(fresh.query(first, [1])).toEqual([{ a: 1 }]);
    } finally {
      fresh.close();
    }
  });

  it('commits a write, rolls one back on a throw, and makes a nested write a savepoint', () => {
    db.write(() => {
      db.run("INSERT INTO kv VALUES ('w1', 1)");
      expect(db.inTransaction).toBe(true);
      expect(
        caught(() =>
          db.write(() => {
            db.run("INSERT INTO kv VALUES ('inner-lost', 1)");
            throw new Error('inner fails');
          }),
        ),
      ).toMatchObject({ message: 'inner fails' });
      // A refused statement inside a savepoint leaves the outer transaction usable.
      expect(caught(() => db.write(() => db.run("INSERT INTO kv VALUES ('w1', 2)")))).toMatchObject({
        code: '23505',
      });
      db.write(() => db.run("INSERT INTO kv VALUES ('inner-kept', 1)"));
    });
    expect(() =>
      db.write(() => {
        db.run("INSERT INTO kv VALUES ('outer-lost', 1)");
        throw new Error('outer fails');
      }),
    ).toThrow('outer fails');
    const keys = db.query<{ k: string }>("SELECT k FROM kv WHERE k NOT IN ('a', 'b') ORDER BY k");
    expect(keys.map((r) => r.k)).toEqual(['inner-kept', 'w1']);
    expect(db.inTransaction).toBe(false);
  });

  it('runs fn again after a serialization failure, even one fn caught, and delivers its effects once', () => {
    db.run("INSERT INTO kv VALUES ('c', 0)");
    let attempts = 0;
    const delivered: number[] = [];
    const before = db.retries;
    const result = db.write(
      () => {
        attempts++;
        const [{ v }] = db.query<{ v: number }>("SELECT v FROM kv WHERE k = 'c'") as [{ v: number }];
        db.afterCommit(() => delivered.push(attempts));
        // Another connection changes the row after this snapshot, on the first attempt only.
        if (attempts === 1) other.run("UPDATE kv SET v = v + 100 WHERE k = 'c'");
        try {
          db.run("UPDATE kv SET v = $1 WHERE k = 'c'", [v + 1]);
        } catch (e) {
          // A caller swallowing the failure does not stop the retry.
          expect(e).toMatchObject({ code: '40001' });
        }
        return v + 1;
      },
      { isolation: 'serializable' },
    );
    expect(attempts).toBe(2);
    expect(result).toBe(101);
    expect(delivered).toEqual([2]);
    expect(db.retries - before).toBe(1);
    expect(db.query("SELECT v FROM kv WHERE k = 'c'")).toEqual([{ v: 101 }]);
  });

  it('runs every effect after COMMIT even when one throws, and drops those of a rolled-back savepoint', () => {
    const ran: string[] = [];
    expect(() =>
      db.write(() => {
        db.run("INSERT INTO kv VALUES ('fx', 1)");
        db.afterCommit(() => ran.push('first'));
        db.afterCommit(() => {
          throw new Error('effect fails');
        });
        expect(
          caught(() =>
            db.write(() => {
              db.afterCommit(() => ran.push('rolled back'));
              throw new Error('inner');
            }),
          ),
        ).toMatchObject({ message: 'inner' });
        db.write(() => db.afterCommit(() => ran.push('released')));
        db.afterCommit(() => ran.push('last'));
      }),
    ).toThrow('effect fails');
    expect(ran).toEqual(['first', 'released', 'last']);
    expect(db.query("SELECT v FROM kv WHERE k = 'fx'")).toEqual([{ v: 1 }]);
  });

  it('sends BEGIN with the first statement, savepoints with the next, and nothing for an empty write', () => {
    expect(messages(() => db.write(() => db.query('SELECT 1')))).toBe(2);
    expect(messages(() => db.write(() => undefined))).toBe(0);
    // Savepoints that ran nothing send nothing; one that did goes out with its statement, and
    // its RELEASE with the COMMIT.
    expect(
      messages(() =>
        db.write(() => {
          db.write(() => undefined);
          expect(
            caught(() =>
              db.write(() => {
                throw new Error('empty');
              }),
            ),
          ).toMatchObject({ message: 'empty' });
          db.write(() => db.run("INSERT INTO kv VALUES ('sp-kept', 1)"));
        }),
      ),
    ).toBe(2);
    // A savepoint rolled back after a statement: its ROLLBACK TO goes out with the next one.
    db.write(() => {
      expect(
        caught(() =>
          db.write(() => {
            db.run("INSERT INTO kv VALUES ('sp-lost', 1)");
            throw new Error('inner');
          }),
        ),
      ).toMatchObject({ message: 'inner' });
      expect(db.query("SELECT k FROM kv WHERE k = 'sp-lost'")).toEqual([]);
    });
    expect(db.query("SELECT k FROM kv WHERE k LIKE 'sp-%' ORDER BY k")).toEqual([{ k: 'sp-kept' }]);
    expect(db.inTransaction).toBe(false);
  });

  it('runLater sends its statement with the COMMIT, and its failure is the write’s, rolled back', () => {
    expect(
      messages(() =>
        db.write(() => {
          db.run("INSERT INTO kv VALUES ('later-a', 1)");
          db.runLater('INSERT INTO kv VALUES ($1, $2)', ['later-b', 2]);
        }),
      ),
    ).toBe(2);
    expect(db.query("SELECT k, v FROM kv WHERE k LIKE 'later-%' ORDER BY k")).toEqual([
      { k: 'later-a', v: 1 },
      { k: 'later-b', v: 2 },
    ]);
    // Refused at COMMIT: named by onError, thrown by write, nothing of the write kept.
    const e = caught(() =>
      db.write(() => {
        db.run("INSERT INTO kv VALUES ('later-c', 1)");
        db.runLater('INSERT INTO kv VALUES ($1, $2)', ['later-d', 5000], (err) =>
          Object.assign(new Error('named'), { cause: err }),
        );
      }),
    );
    expect(e).toMatchObject({ message: 'named', cause: { code: '23514', constraint: 'kv_v_small' } });
    expect(db.query("SELECT k FROM kv WHERE k IN ('later-c', 'later-d')")).toEqual([]);
    // Held back until the next statement, which carries it and sees its row.
    db.write(() => {
      db.runLater('INSERT INTO kv VALUES ($1, $2)', ['later-e', 1]);
      expect(db.query("SELECT v FROM kv WHERE k = 'later-e'")).toEqual([{ v: 1 }]);
    });
    // Dropped with a write that rolls back before it went out; refused outside a write.
    expect(() =>
      db.write(() => {
        db.runLater('INSERT INTO kv VALUES ($1, $2)', ['later-f', 1]);
        throw new Error('gone');
      }),
    ).toThrow('gone');
    expect(db.query("SELECT k FROM kv WHERE k = 'later-f'")).toEqual([]);
    expect(() => db.runLater('SELECT 1', [])).toThrow(/needs an open write/);
    expect(db.inTransaction).toBe(false);
  });

  it('runLater inside a savepoint fails that savepoint, and the outer write carries on', () => {
    db.write(() => {
      const e = caught(() =>
        db.write(() => {
          db.run("INSERT INTO kv VALUES ('nest-lost', 1)");
          db.runLater('INSERT INTO kv VALUES ($1, $2)', ['nest-big', 5000]);
        }),
      );
      expect(e).toMatchObject({ code: '23514' });
      db.write(() => db.runLater('INSERT INTO kv VALUES ($1, $2)', ['nest-kept', 1]));
      db.run("INSERT INTO kv VALUES ('nest-outer', 1)");
    });
    expect(db.query("SELECT k FROM kv WHERE k LIKE 'nest-%' ORDER BY k")).toEqual([
      { k: 'nest-kept' },
      { k: 'nest-outer' },
    ]);
  });

  it('runs a write again when its runLater statement hits a serialization failure at COMMIT', () => {
    db.run("INSERT INTO kv VALUES ('ser', 0)");
    let attempts = 0;
    db.write(
      () => {
        attempts++;
        db.query("SELECT v FROM kv WHERE k = 'ser'");
        if (attempts === 1) other.run("UPDATE kv SET v = v + 10 WHERE k = 'ser'");
        db.runLater('UPDATE kv SET v = v + 1 WHERE k = $1', ['ser']);
      },
      { isolation: 'repeatable read' },
    );
    expect(attempts).toBe(2);
    expect(db.query("SELECT v FROM kv WHERE k = 'ser'")).toEqual([{ v: 11 }]);
  });

  it('gives up with SPARKS.BOT_BUSY after its bound, having delivered nothing', () => {
    const bounded = openPgSync(database().url, { migrate: false, maxAttempts: 3, baseDelayMs: 1 });
    try {
      let attempts = 0;
      const delivered: number[] = [];
      const e = caught(() =>
        bounded.write(
          () => {
            attempts++;
            bounded.query("SELECT v FROM kv WHERE k = 'c'");
            bounded.afterCommit(() => delivered.push(attempts));
            other.run("UPDATE kv SET v = v + 1 WHERE k = 'c'");
            bounded.run("UPDATE kv SET v = 0 WHERE k = 'c'");
          },
          { isolation: 'repeatable read' },
        ),
      );
      expect(isSparksError(e, 'SPARKS.BOT_BUSY')).toBe(true);
      expect(attempts).toBe(3);
      expect(delivered).toEqual([]);
      expect(bounded.inTransaction).toBe(false);
      expect(bounded.query("SELECT v FROM kv WHERE k = 'c'")).toEqual([{ v: 104 }]);
    } finally {
      bounded.close();
    }
  });

  it('a store can ask for the transaction to run again (a key a concurrent writer took first)', () => {
    let attempts = 0;
    db.write(() => {
      attempts++;
      if (attempts === 1) throw db.retryTransaction(new Error('key taken meanwhile'));
      db.run("INSERT INTO kv VALUES ('again', 1)");
    });
    expect(attempts).toBe(2);
    expect(db.query("SELECT v FROM kv WHERE k = 'again'")).toEqual([{ v: 1 }]);
  });

  it('fails the current call and every later one clearly when the worker dies', () => {
    const doomed = openPgSync(database().url, { migrate: false });
    expect(doomed.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const e = caught(() => killWorkerForTest(doomed));
    expect(e).toBeInstanceOf(PgWorkerGoneError);
    expect((e as Error).message).toMatch(/worker died during a call/);
    expect(() => doomed.query('SELECT 1')).toThrow(PgWorkerGoneError);
    doomed.close();
  });

  it('refuses a URL it cannot use before starting anything, and says why it cannot connect', () => {
    expect(() => openPgSync('mysql://x@127.0.0.1/db')).toThrow(/must start with postgres/);
    const url = new URL(database().url);
    url.password = 'wrong';
    expect(caught(() => openPgSync(url.toString()))).toMatchObject({ code: '28P01' });
  });

  it('stops waiting for a statement after its timeout, and the facade is then unusable', () => {
    const slow = openPgSync(database().url, { migrate: false, statementTimeoutMs: 300 });
    const t = performance.now();
    const e = caught(() => slow.query('SELECT pg_sleep(5)'));
    expect(e).toBeInstanceOf(PgWorkerGoneError);
    expect((e as Error).message).toMatch(/did not answer within 300 ms/);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(() => slow.query('SELECT 1')).toThrow(PgWorkerGoneError);
    slow.close();
  });

  it('costs a loopback round trip plus a small hand-off per statement', async () => {
    const n = 2000;
    const client = new pg.Client({ connectionString: database().url });
    await client.connect();
    try {
      for (let i = 0; i < 200; i++) {
        db.query('SELECT $1::int AS i', [i]);
        await client.query('SELECT $1::int AS i', [i]);
      }
      let t = performance.now();
      for (let i = 0; i < n; i++) db.query('SELECT $1::int AS i', [i]);
      const facadeUs = ((performance.now() - t) * 1000) / n;
      t = performance.now();
      for (let i = 0; i < n; i++) await client.query('SELECT $1::int AS i', [i]);
      const asyncUs = ((performance.now() - t) * 1000) / n;
      console.log(
        `per statement: facade ${facadeUs.toFixed(0)} µs, async pg ${asyncUs.toFixed(0)} µs, hand-off ≈ ${(facadeUs - asyncUs).toFixed(0)} µs`,
      );
      // Loose on a shared machine: the facade stays within a millisecond of plain pg.
      expect(facadeUs).toBeLessThan(asyncUs + 1000);
    } finally {
      await client.end();
    }
  });
});
