/**
 * A synchronous facade over PostgreSQL, so the domain code — synchronous because
 * better-sqlite3's transactions must be — is written once for both engines. A worker thread
 * (sync-worker.ts) owns one `pg` connection and its own event loop; each call here posts the
 * statement to it and blocks on `Atomics.wait` over a SharedArrayBuffer until the worker has
 * the result, then takes it with `receiveMessageOnPort`. The cost is the loopback round trip
 * plus a hand-off of a few tens of microseconds (tests/pg/sync.test.ts measures it).
 *
 * Blocking is the point: the calling thread does nothing else while a statement runs, as with
 * SQLite. One facade is one connection, so its statements run one at a time, in order.
 *
 * `write(fn)` is BEGIN (READ COMMITTED by default: the ledger's triggers take the row locks
 * its rules need; SERIALIZABLE where a caller asks) → `fn` → COMMIT. A serialization failure
 * (40001) or deadlock (40P01) at any statement of `fn`, or at COMMIT, rolls back and runs `fn`
 * again after a jittered backoff — even if `fn` caught the error itself — up to
 * `maxAttempts`; after that SPARKS.BOT_BUSY. A nested `write` is a SAVEPOINT. `afterCommit`
 * holds back what must not happen twice until the outermost COMMIT (dropped on a rollback or
 * a retry, and with the savepoint it was queued in).
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { SparksError } from '../../core/errors.ts';
import { startThread } from '../../core/threads.ts';
import { poolConfig } from './open.ts';
import {
  GONE,
  PgStatementError,
  REPLIED,
  WAITING,
  type SyncReply,
  type SyncRequest,
} from './sync-protocol.ts';

export { PgStatementError };

/** SQLSTATEs a transaction is run again on: serialization_failure, deadlock_detected. */
const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01']);

/** A statement PostgreSQL refused, with its SQLSTATE and the constraint it names, if any. */
/** The worker (and with it the connection) is gone; every later call fails with this too. */
export class PgWorkerGoneError extends Error {
  override readonly name = 'PgWorkerGoneError';
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface PgWriteOptions {
  /** Of the outermost write only (a nested one is a savepoint of it). Default read committed. */
  isolation?: Isolation;
}

export interface PgSyncDb {
  readonly engine: 'postgres';
  /** Rows of one statement (`$1`, `$2`, … for `params`). */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): R[];
  /** One statement for its effect: how many rows it touched. */
  run(text: string, params?: readonly unknown[]): { rowCount: number };
  /** See the module comment: a retried transaction, a savepoint when nested. */
  write<T>(fn: () => T, options?: PgWriteOptions): T;
  /**
   * Runs `effect` after the outermost COMMIT (at once outside any write); never twice, never
   * for a write that rolled back. An effect that throws does not stop the others; the first
   * throw reaches the caller of `write`, whose transaction has committed.
   */
  afterCommit(effect: () => void): void;
  /**
   * `run` for a statement inside a write whose outcome the caller does not need at once: it
   * is held back and goes out ahead of the next statement, in that statement's round trip —
   * at the latest with the RELEASE of the innermost write it was queued in, or with the
   * COMMIT. Its failure, passed through `onError` (e.g. to name it as the store's own
   * error), is thrown from there: that statement's call, or the `write` (which then rolls
   * back, or runs again for a serialization failure, as for any statement). Dropped if its
   * write rolls back first. Outside a write it throws.
   */
  runLater(text: string, params: readonly unknown[], onError?: (e: PgStatementError) => unknown): void;
  /**
   * An error for a store to throw when it saw something that only a fresh attempt resolves
   * (a concurrent writer took the same idempotency key first): the write runs `fn` again.
   */
  retryTransaction(cause: Error): Error;
  readonly inTransaction: boolean;
  /** How many times a write was run again (for tests and metrics). */
  readonly retries: number;
  /** Ends the connection and the worker; later calls fail. Safe to call twice. */
  close(): void;
}

export interface PgSyncOptions {
  /** Apply the drizzle-pg/ migrations (under the advisory lock) before returning. Default true. */
  migrate?: boolean;
  migrationsFolder?: string;
  /** How long one statement may take before the facade gives up on the worker. Default 60 s. */
  statementTimeoutMs?: number;
  /** How many attempts a write gets before SPARKS.BOT_BUSY. Default 20. */
  maxAttempts?: number;
  /** First backoff ceiling (default 2 ms), doubling per attempt up to `maxDelayMs` (200 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told of each failure that is retried, with the attempt that failed (1, 2, …). */
  onRetry?: (error: Error, attempt: number) => void;
  /** How long the worker may take to start and connect. Default 30 s. */
  connectTimeoutMs?: number;
}

/** Blocks the thread for `ms` (a retry's backoff: there is no event loop to yield to). */
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const KILL = Symbol('sparks.killWorker');

/** A statement the facade holds back until the next one (see `pending` in openPgSync). */
interface Held {
  text: string;
  params?: readonly unknown[];
  onError?: (e: PgStatementError) => unknown;
}

/** Marks an error as a request to run the transaction again. */
const RETRY_REQUEST = Symbol('sparks.retryTransaction');

function retryable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  return RETRYABLE.has((e as { code?: string }).code ?? '') || RETRY_REQUEST in e;
}

/**
 * Opens the facade on `url` (libpq URL, as `openPostgres` takes it): starts the worker,
 * connects, and unless told not to applies the migrations. Throws PgConfigError for an
 * unusable URL, the connection's error when it cannot connect, SchemaTooNewError (by name)
 * for a newer schema; nothing is left running on failure.
 */
export function openPgSync(url: string, options: PgSyncOptions = {}): PgSyncDb {
  const { connectionString, application_name } = poolConfig(url) as {
    connectionString: string;
    application_name: string;
  };
  const state = new Int32Array(new SharedArrayBuffer(4));
  const { port1: port, port2 } = new MessageChannel();
  const worker = startThread(
    import.meta.url,
    'sync-worker',
    { port: port2, state, config: { connectionString, application_name } },
    { transferList: [port2] },
  );
  worker.unref();
  let gone: string | undefined;
  worker.on('error', (e) => (gone ??= `the PostgreSQL worker failed: ${e.message}`));
  worker.on('exit', (code) => (gone ??= `the PostgreSQL worker exited (code ${code})`));

  const statementTimeoutMs = options.statementTimeoutMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 20;
  const baseDelayMs = options.baseDelayMs ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 200;

  const fail = (why: string): never => {
    gone ??= why;
    void worker.terminate();
    throw new PgWorkerGoneError(why);
  };

  /** Sends one request and blocks until its reply. */
  const call = (request: SyncRequest, timeoutMs = statementTimeoutMs): SyncReply => {
    if (gone) throw new PgWorkerGoneError(gone);
    Atomics.store(state, 0, WAITING);
    port.postMessage(request);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0)
        return fail(`the PostgreSQL worker did not answer within ${timeoutMs} ms; it was stopped`);
      Atomics.wait(state, 0, WAITING, left);
      const now = Atomics.load(state, 0);
      if (now === REPLIED) {
        const received = receiveMessageOnPort(port);
        if (received) return received.message as SyncReply;
        // A reply flagged but not yet readable cannot happen (postMessage queues before the
        // flag is set); say so clearly rather than spin.
        return fail('the PostgreSQL worker flagged a reply that never arrived');
      }
      if (now === GONE) {
        // It may have answered just before it ended.
        const received = receiveMessageOnPort(port);
        if (received) {
          gone ??= 'the PostgreSQL worker exited';
          return received.message as SyncReply;
        }
        return fail('the PostgreSQL worker died during a call; the statement may or may not have run');
      }
    }
  };

  /** Open write levels, outermost first: each holds the effects queued inside it. */
  const frames: (() => void)[][] = [];
  /** The retryable failure that dooms the current transaction, whatever `fn` did with it. */
  let doomed: Error | undefined;
  let retries = 0;
  let closed = false;
  /** `doomed` as `fn` left it (read through a call: TypeScript cannot see `fn` set it). */
  const doomedBy = (): Error | undefined => doomed;

  /**
   * Statements held back until the next statement, which carries them ahead of it in its
   * own message and round trip: BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO (a write that runs no
   * statement sends none of them), and `runLater`'s, with what makes their failure the
   * caller's error.
   */
  let pending: Held[] = [];

  const exec = (text: string, params: readonly unknown[] = []) => {
    const held = pending;
    pending = [];
    // Outside a transaction, or the statement that begins one: nothing open is lost if the
    // worker must connect again first.
    const fresh = frames.length === 0 || held[0]?.text.startsWith('BEGIN') === true;
    const reply = call(
      held.length > 0
        ? {
            op: 'query',
            text,
            params: params as unknown[],
            before: held.map((h) => ({ text: h.text, params: (h.params ?? []) as unknown[] })),
            fresh,
          }
        : { op: 'query', text, params: params as unknown[], fresh },
    );
    if (!reply.ok) {
      const source = held[reply.failedAt ?? held.length];
      const error = new PgStatementError(reply.error, source?.text ?? text);
      if (frames.length > 0 && retryable(error)) doomed ??= error;
      throw source?.onError ? source.onError(error) : error;
    }
    return reply;
  };

  // Connect (and migrate) before returning; on failure nothing is left running.
  try {
    const connected = call({ op: 'connect' }, options.connectTimeoutMs ?? 30_000);
    if (!connected.ok) throw Object.assign(new Error(connected.error.message), connected.error);
    if (options.migrate !== false) {
      const migrated = call({ op: 'migrate', folder: options.migrationsFolder }, 120_000);
      if (!migrated.ok) throw Object.assign(new Error(migrated.error.message), migrated.error);
    }
  } catch (e) {
    gone ??= 'the PostgreSQL facade failed to open';
    void worker.terminate();
    throw e;
  }

  const nested = <T>(fn: () => T): T => {
    const name = `sp_${frames.length}`;
    const opener: Held = { text: `SAVEPOINT ${name}` };
    pending.push(opener);
    frames.push([]);
    let result: T;
    try {
      result = fn();
      if (doomed) throw doomed;
      // `opener` still held: no statement ran since. Whatever is held after it is this write's.
      const at = pending.indexOf(opener);
      if (pending.slice(at + 1).some((h) => h.params)) {
        // A `runLater` statement of this write: sent now, so its failure is this write's.
        exec(`RELEASE SAVEPOINT ${name}`);
      } else if (at >= 0) pending.length = at;
      else pending.push({ text: `RELEASE SAVEPOINT ${name}` });
    } catch (e) {
      frames.pop();
      const at = pending.indexOf(opener);
      if (at >= 0) {
        // Never sent: nothing to roll back (and what was held inside it is dropped).
        pending.length = at;
      } else {
        // What is held now was this write's: dropped with it; the rollback goes out with the
        // next statement (or the COMMIT), ahead of it.
        pending = [];
        if (!doomed)
          pending.push({ text: `ROLLBACK TO SAVEPOINT ${name}` }, { text: `RELEASE SAVEPOINT ${name}` });
      }
      throw e;
    }
    const effects = frames.pop()!;
    frames[frames.length - 1]!.push(...effects);
    return result;
  };

  const outer = <T>(fn: () => T, isolation: Isolation): T => {
    for (let attempt = 1; ; attempt++) {
      doomed = undefined;
      // BEGIN goes out with the first statement of `fn`, in the same round trip.
      const opener: Held = { text: `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}` };
      pending = [opener];
      frames.push([]);
      let failure: unknown;
      let result: T | undefined;
      let ok = false;
      let begun = true;
      try {
        result = fn();
        // fn may have caught a failure that doomed the transaction: it is run again all the same.
        const lost = doomedBy();
        if (lost) throw lost;
        // A write that ran no statement began nothing and has nothing to commit; else the
        // COMMIT carries what is still held (a `runLater` statement: one round trip for both).
        if (pending[0] === opener && !pending.some((h) => h.params)) {
          pending = [];
          begun = false;
        } else exec('COMMIT');
        ok = true;
      } catch (e) {
        failure = e;
      }
      if (pending[0] === opener) begun = false;
      pending = [];
      const effects = frames.pop()!;
      if (ok) {
        doomed = undefined;
        // Committed: every effect runs, even after one threw; the first throw is then the
        // caller's (the write itself stands).
        let thrown: { error: unknown } | undefined;
        for (const effect of effects) {
          try {
            effect();
          } catch (e) {
            thrown ??= { error: e };
          }
        }
        if (thrown) throw thrown.error;
        return result as T;
      }
      const retry = doomed ?? (retryable(failure) ? (failure as Error) : undefined);
      doomed = undefined;
      // After a failed COMMIT the transaction is over already; ROLLBACK then only warns. A
      // connection or worker that is gone cannot roll back: the server ends the transaction.
      if (!gone && begun) {
        try {
          exec('ROLLBACK');
        } catch {
          // the failure to report is the one above
        }
      }
      if (!retry) throw failure;
      if (attempt >= maxAttempts)
        throw new SparksError(
          'SPARKS.BOT_BUSY',
          {},
          `gave up after ${attempt} attempts: ${(retry as { code?: string }).code ?? ''} ${retry.message}`,
        );
      retries++;
      options.onRetry?.(retry, attempt);
      sleep(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
    }
  };

  const db: PgSyncDb & { [KILL]: () => void } = {
    [KILL]: () => void call({ op: 'exit' }),
    engine: 'postgres',
    query: <R>(text: string, params?: readonly unknown[]) => exec(text, params).rows as R[],
    run: (text, params) => ({ rowCount: exec(text, params).rowCount }),
    write: (fn, opts) => (frames.length > 0 ? nested(fn) : outer(fn, opts?.isolation ?? 'read committed')),
    runLater(text, params, onError) {
      if (frames.length === 0) throw new Error('runLater needs an open write');
      pending.push({ text, params, onError });
    },
    afterCommit(effect) {
      if (frames.length === 0) effect();
      else frames[frames.length - 1]!.push(effect);
    },
    retryTransaction(cause) {
      const error = Object.assign(new Error(`run the transaction again: ${cause.message}`, { cause }), {
        [RETRY_REQUEST]: true,
      });
      if (frames.length > 0) doomed ??= error;
      return error;
    },
    get inTransaction() {
      return frames.length > 0;
    },
    get retries() {
      return retries;
    },
    close() {
      if (closed) return;
      closed = true;
      if (!gone) {
        try {
          call({ op: 'close' }, 10_000);
        } catch {
          // gone already: nothing left to close
        }
      }
      gone ??= 'the PostgreSQL facade is closed';
      void worker.terminate();
    },
  };
  return db;
}

/** Test hook: makes the worker die in the middle of a call (see sync-worker.ts). */
export function killWorkerForTest(db: PgSyncDb): void {
  (db as unknown as { [KILL]: () => void })[KILL]();
}
