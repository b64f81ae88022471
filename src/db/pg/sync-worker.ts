/**
 * The worker thread behind the synchronous PostgreSQL facade (sync.ts): it owns one `pg`
 * client and its own event loop. The calling thread posts a request on `port` and blocks on
 * `state`; this thread runs the statement, posts the reply on the same port, then sets
 * `state` to REPLIED and wakes the caller, which takes the reply with receiveMessageOnPort.
 * When this thread ends for any reason it sets `state` to GONE, so a caller blocked on it
 * fails at once instead of waiting for its timeout.
 */
import type { MessagePort } from 'node:worker_threads';
import { threadData } from '../../core/threads.ts';
import pg from 'pg';
import { getTypeParser } from './types.ts';
import { GONE, REPLIED, type SyncReply, type SyncRequest, type WireError } from './sync-protocol.ts';

const { port, state, config } = threadData<{
  port: MessagePort;
  state: Int32Array;
  config: { connectionString: string; application_name: string };
}>();

let client: pg.Client | undefined;
/**
 * Statements with parameters run as named prepared statements, one per text, as a hand-written
 * `pg` caller would prepare them: PostgreSQL parses and plans each once per connection instead
 * of at every call (the stores send the same few hundred texts over and over). Bounded: past
 * `MAX_PREPARED` texts the rest run unnamed. Forgotten with the connection.
 */
const prepared = new Map<string, string>();
const MAX_PREPARED = 2000;
/** Never reused on a connection: a dropped stale text's name stays taken on the server. */
let nextName = 0;
/** SQLSTATE of "cached plan must not change result type": a table changed under a prepared statement. */
const STALE_PLAN = '0A000';

function statement(text: string, values: unknown[]): pg.QueryConfig {
  if (values.length === 0) return { text, values };
  let name = prepared.get(text);
  if (name === undefined && prepared.size < MAX_PREPARED) {
    name = `sparks_${nextName++}`;
    prepared.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}
/**
 * The connection's own failure (the server went away, or ended this session): every later
 * statement inside the transaction it was in fails with it; the next `fresh` one (outside a
 * transaction, or its BEGIN) connects again (a failover behind one name, a restarted server).
 */
let lost: Error | undefined;

/** A new client in place of the old; a failure to connect leaves the loss for the next try. */
async function connect(): Promise<void> {
  const old = client;
  client = undefined;
  await old?.end().catch(() => undefined);
  prepared.clear();
  nextName = 0;
  // Pipeline mode: queries submitted together are written at once and answered in order
  // (each with its own Sync); the facade submits several only for a `before` list.
  const next = new pg.Client({ ...config, types: { getTypeParser }, pipeline: true });
  // Only this client's own failure counts: the old one's late 'error' or 'end' does not.
  next.on('error', (e) => {
    if (client === next) lost ??= e;
  });
  next.on('end', () => {
    if (client === next) lost ??= new Error('the server closed the connection');
  });
  await next.connect();
  client = next;
  lost = undefined;
}

function wire(e: unknown): WireError {
  const err = e as Partial<pg.DatabaseError> & Error;
  return {
    name: err?.name ?? 'Error',
    message: err?.message ?? String(e),
    code: typeof err?.code === 'string' ? err.code : undefined,
    constraint: err?.constraint,
    table: err?.table,
    detail: err?.detail,
  };
}

function reply(message: SyncReply): void {
  port.postMessage(message);
  Atomics.store(state, 0, REPLIED);
  Atomics.notify(state, 0);
}

async function handle(request: SyncRequest): Promise<SyncReply> {
  switch (request.op) {
    case 'connect': {
      await connect();
      return { ok: true, rows: [], rowCount: 0 };
    }
    case 'query': {
      if (lost) {
        if (!request.fresh) throw new Error(`the PostgreSQL connection was lost: ${lost.message}`);
        try {
          await connect();
        } catch (e) {
          throw new Error(
            `the PostgreSQL connection was lost (${lost.message}) and connecting again failed: ${(e as Error).message}`,
          );
        }
      }
      if (!client) throw new Error('not connected');
      // Pipelined (the client's pipeline mode): the held-back statements and this one go out
      // together and are answered in order, one round trip for all of them.
      const sent = [...(request.before ?? []), { text: request.text, params: request.params }];
      const settled = await Promise.allSettled(sent.map((q) => client!.query(statement(q.text, q.params))));
      const failedAt = settled.findIndex((r) => r.status === 'rejected');
      if (failedAt >= 0) {
        const e = (settled[failedAt] as PromiseRejectedResult).reason as unknown;
        // After a schema change the statement is prepared anew next time (this one fails).
        if ((e as { code?: string }).code === STALE_PLAN) prepared.delete(sent[failedAt]!.text);
        return { ok: false, error: wire(e), ...(sent.length > 1 ? { failedAt } : {}) };
      }
      const result = (settled.at(-1) as PromiseFulfilledResult<pg.QueryResult>).value;
      return { ok: true, rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 };
    }
    case 'migrate': {
      if (!client) throw new Error('not connected');
      const { applyPgMigrationsOn } = await import('./open.ts');
      const count = await applyPgMigrationsOn(client, request.folder);
      return { ok: true, rows: [{ migrated: count }], rowCount: 0 };
    }
    case 'close': {
      await client?.end();
      client = undefined;
      return { ok: true, rows: [], rowCount: 0 };
    }
    case 'exit':
      // For tests: a worker that dies in the middle of a call.
      process.exit(3);
  }
}

process.on('exit', () => {
  Atomics.store(state, 0, GONE);
  Atomics.notify(state, 0);
});

port.on('message', (request: SyncRequest) => {
  handle(request).then(reply, (e: unknown) => reply({ ok: false, error: wire(e) }));
});
