/**
 * The grant writer's thread (started by `GrantWriter`, src/grants/writer-thread.ts): its own
 * connection to the database file (the same pragmas: WAL, synchronous=FULL), its own
 * ledger and campaign service with a local grant queue — the same grant source and decide
 * rule as inline, batches of up to `batchSize` operations per durable transaction.
 *
 * After each batch settled (committed, or failed whole) it posts to the main thread what
 * the main thread still needs — the batch's counts, the entries its post hooks saw, the
 * campaigns it ended, those it found already ended elsewhere — and only then raises the shared counter of settled operations, on
 * which `GrantWriter.flush` waits. Nothing is reported before the commit.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { AuditSink } from '../audit.ts';
import { CampaignService, type CampaignSummary } from '../campaigns/campaigns.ts';
import type { CampaignOp } from '../campaigns/grants.ts';
import { crashPoint } from '../core/crash.ts';
import { BulkWorkCollector } from '../core/memory.ts';
import { threadData } from '../core/threads.ts';
import { openDatabase } from '../db/open.ts';
import { outboxStore } from '../db/pg/outbox-store.ts';
import { Ledger, type PostedEntry } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { Outbox } from '../platform/outbox.ts';
import type { BatchReport } from './queue.ts';

export interface WriterData {
  path: string;
  batchSize: number;
  /** PLATFORM_EVENTS_URL is set: queue sparks.credited in the grant's transaction, as inline. */
  platformEvents: boolean;
  /** Log levels to forward to the main thread's logger. */
  levels: LogLevel[];
  /** Where the replies go (receiveMessageOnPort reads them while the main thread waits). */
  replies: MessagePort;
  /** [0]: operations settled so far (committed or failed), raised after each batch's reply. */
  settled: SharedArrayBuffer;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Main → writer: operations in the order they were queued, and the main clock's offset. */
export interface OpsMessage {
  type: 'ops';
  ops: CampaignOp[];
  /** main clock() − Date.now() when posted: the writer's clock follows the main one. */
  clockOffset: number;
}

/** Writer → main. */
export type WriterReply =
  | {
      type: 'batch';
      report: BatchReport;
      /** Operations settled so far, this batch included. */
      settled: number;
      /** The new entries of a committed batch, as its post hooks saw them. */
      entries: PostedEntry[];
      /** Campaigns this batch ended (cap or budget), with their summary. */
      ended: CampaignSummary[];
      /** Campaigns this batch found already ended (elsewhere): their operations granted nothing. */
      inactive: number[];
    }
  | { type: 'log'; level: LogLevel; fields: Record<string, unknown>; msg: string };

const data = threadData<WriterData>();
const replies = data.replies;
const settledOps = new BigInt64Array(data.settled);
const forwarded = new Set(data.levels);

/** The queue and services log through the main thread's logger. */
const logger = Object.fromEntries(
  (['error', 'warn', 'info', 'debug'] as const).map((level) => [
    level,
    (fields: unknown, msg?: string) => {
      if (!forwarded.has(level)) return;
      const f =
        typeof fields === 'object' && fields !== null ? { ...(fields as Record<string, unknown>) } : {};
      if (f.err instanceof Error)
        f.err = { message: f.err.message, stack: f.err.stack, code: (f.err as { code?: unknown }).code };
      replies.postMessage({
        type: 'log',
        level,
        fields: f,
        msg: typeof fields === 'string' ? fields : (msg ?? ''),
      } satisfies WriterReply);
    },
  ]),
) as unknown as Logger;

let clockOffset = 0;
const clock = () => Date.now() + clockOffset;
const db = openDatabase(data.path, { migrate: false });
const ledger = new Ledger({ db, clock });
if (data.platformEvents) new Outbox({ db, store: outboxStore(db) }).registerCreditedEvents(ledger);

let entries: PostedEntry[] = [];
ledger.onPosted((transfer, debit, credit, input) => entries.push({ transfer, debit, credit, input }));

// The end's audit record is the main thread's to make (its delivery marks the summary posted).
const audit: AuditSink = { record: () => {} };
const campaigns = new CampaignService({ db, ledger, audit, clock, logger, batchSize: data.batchSize });
let ended: CampaignSummary[] = [];
campaigns.onChange((change) => {
  if (change.type === 'end') ended.push(campaigns.summary(change.campaign));
});

// This thread's own heap grows with a burst as the main thread's does: hand it back once
// the burst is over, the same way (a no-op without node's --expose-gc, which npm start passes).
const memory = new BulkWorkCollector();
campaigns.onCommitted((n) => memory.note(n));

let inactive = new Set<number>();
campaigns.onInactive((campaignId) => inactive.add(campaignId));

let settled = 0;
campaigns.onSettled((report) => {
  settled += report.size;
  const batch = { entries, ended, inactive: [...inactive] };
  entries = [];
  ended = [];
  inactive = new Set();
  replies.postMessage({
    type: 'batch',
    report,
    settled,
    // A failed batch wrote nothing: the hooks it ran were rolled back with it.
    entries: report.committed ? batch.entries : [],
    ended: batch.ended,
    inactive: batch.inactive,
  } satisfies WriterReply);
  crashPoint('writer.reported');
  Atomics.store(settledOps, 0, BigInt(settled));
  Atomics.notify(settledOps, 0);
});

// A flush waiting on the counter learns the thread is gone without its event loop.
process.on('exit', () => {
  Atomics.store(settledOps, 1, 1n);
  Atomics.notify(settledOps, 0);
});

parentPort!.on('message', (message: OpsMessage | { type: 'close' }) => {
  if (message.type === 'close') {
    // The main thread flushed first: nothing is queued here.
    campaigns.close();
    memory.stop();
    db.close();
    process.exit(0);
  }
  clockOffset = message.clockOffset;
  for (const op of message.ops) campaigns.enqueueOp(op);
});
