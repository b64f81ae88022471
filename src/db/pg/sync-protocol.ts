/** What the synchronous facade (sync.ts) and its worker (sync-worker.ts) say to each other. */

/** `state[0]`: the caller waits while it is WAITING. */
export const WAITING = 0;
/** The worker has posted its reply on the port. */
export const REPLIED = 1;
/** The worker thread has ended. */
export const GONE = 2;

export type SyncRequest =
  | { op: 'connect' }
  /**
   * `before`: statements the facade held back (BEGIN, SAVEPOINT, RELEASE …, and `runLater`'s),
   * sent ahead of `text` in the same pipeline: one round trip for all. The first of them
   * that fails is the reply's error, with its index in `failedAt`.
   */
  | {
      op: 'query';
      text: string;
      params: unknown[];
      before?: { text: string; params: unknown[] }[];
      /**
       * Runs outside any transaction, or begins one (its `before` opens with BEGIN): after a
       * lost connection the worker may connect again for it, since nothing of an open
       * transaction is lost with the old connection. Else the loss is the statement's error.
       */
      fresh?: boolean;
    }
  | { op: 'migrate'; folder: string | undefined }
  | { op: 'close' }
  | { op: 'exit' };

/** A statement's failure as it crosses threads: PostgreSQL's SQLSTATE and names kept. */
export interface WireError {
  name: string;
  message: string;
  code: string | undefined;
  constraint: string | undefined;
  table: string | undefined;
  detail: string | undefined;
}

export type SyncReply =
  | { ok: true; rows: Record<string, unknown>[]; rowCount: number }
  /** `failedAt`: which statement failed, when a `before` list was sent (its length: `text`). */
  | { ok: false; error: WireError; failedAt?: number };

/**
 * A statement PostgreSQL refused, with its SQLSTATE `code` and `constraint`. Here, beside the
 * wire format and away from `pg`, so a store can test for it without loading the driver
 * (the SQLite path never loads `pg`).
 */
export class PgStatementError extends Error {
  override readonly name = 'PgStatementError';
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly detail: string | undefined;
  constructor(e: WireError, text: string) {
    super(`${e.message} (${e.code ?? e.name}) in: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
    this.code = e.code;
    this.constraint = e.constraint;
    this.table = e.table;
    this.detail = e.detail;
  }
}
