import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as streamPipeline, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { stringify } from 'csv-stringify';
import type { AppDb } from '../db/engine.ts';
import { NO_FILTER, type LedgerExportRow } from '../db/export-store.ts';
import { ledgerReportStore } from '../db/pg/export-store.ts';

export const EXPORT_COLUMNS = [
  'id',
  'created_at',
  'kind',
  'from_account',
  'to_account',
  'member_id',
  'amount',
  'reason',
  'actor',
  'ref',
  'closes_id',
] as const;

export type ExportResult =
  | { ok: true; path: string; name: string; rows: number; bytes: number; gzipped: boolean }
  | { ok: false; rows: number; bytes: number };

/**
 * Writes a guild's ledger as CSV (RFC 4180 quoting: commas, quotes and newlines in a
 * reason survive) into `dir`, streamed row by row from the database through csv-stringify
 * to the file, never as one string. When the file exceeds `limitBytes` it is gzipped; if
 * that is still too large the result says so (`ok: false`).
 *
 * A reason that starts with = + - @ (a spreadsheet formula) gets a leading apostrophe, so
 * opening the file in a spreadsheet never runs what a member typed.
 */
export async function exportLedgerCsv(
  db: AppDb,
  guildId: string,
  options: { dir: string; limitBytes: number; now: number },
): Promise<ExportResult> {
  const stamp = new Date(options.now).toISOString().slice(0, 10);
  const name = `sparks-ledger-${guildId}-${stamp}.csv`;
  const csvPath = join(options.dir, name);
  let rows = 0;
  function* counted(): Generator<LedgerExportRow> {
    for (const row of ledgerReportStore(db).rows(guildId, NO_FILTER)) {
      rows++;
      yield row;
    }
  }
  await pipeline(ledgerCsv(counted()), createWriteStream(csvPath));
  const bytes = (await stat(csvPath)).size;
  if (bytes <= options.limitBytes) return { ok: true, path: csvPath, name, rows, bytes, gzipped: false };
  const gzPath = `${csvPath}.gz`;
  await pipeline(createReadStream(csvPath), createGzip(), createWriteStream(gzPath));
  const gzBytes = (await stat(gzPath)).size;
  if (gzBytes <= options.limitBytes)
    return { ok: true, path: gzPath, name: `${name}.gz`, rows, bytes: gzBytes, gzipped: true };
  return { ok: false, rows, bytes: gzBytes };
}

/**
 * Journal rows as CSV text (a header, then one record per row, RFC 4180 quoting), streamed:
 * rows are pulled from `rows` as the reader consumes the text, never collected. The one CSV
 * writer of the export file and the dashboard's download. A reason that starts with
 * = + - @ gets a leading apostrophe (see exportLedgerCsv).
 */
export function ledgerCsv(rows: Iterable<LedgerExportRow>): Readable {
  return streamPipeline(
    Readable.from(rows),
    new Transform({
      objectMode: true,
      transform(row: LedgerExportRow, _enc, done) {
        done(null, toRecord(row));
      },
    }),
    stringify({ header: true, columns: [...EXPORT_COLUMNS] }),
    // An error destroys every stage, the returned one included: its reader sees it.
    () => undefined,
  );
}

function toRecord(r: LedgerExportRow): Record<(typeof EXPORT_COLUMNS)[number], string | number> {
  const member = r.creditType === 'member' ? r.creditRef : r.debitType === 'member' ? r.debitRef : '';
  return {
    id: r.id,
    created_at: new Date(r.createdAt).toISOString(),
    kind: r.kind,
    from_account: `${r.debitType}:${r.debitRef}`,
    to_account: `${r.creditType}:${r.creditRef}`,
    member_id: member,
    amount: r.amount,
    reason: /^[=+\-@\t\r]/.test(r.reason) ? `'${r.reason}` : r.reason,
    actor: `${r.actorType}:${r.actorId}`,
    ref: r.ref ?? '',
    closes_id: r.closesId ?? '',
  };
}
