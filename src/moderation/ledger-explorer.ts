import type { Readable } from 'node:stream';
import type { AppDb } from '../db/engine.ts';
import type { JournalFilter, LedgerExportRow, LedgerReportReads } from '../db/export-store.ts';
import { ledgerReportStore } from '../db/pg/export-store.ts';
import { TRANSFER_KINDS, type TransferKind } from '../db/schema.ts';
import { ledgerCsv } from './export.ts';

export { TRANSFER_KINDS, type TransferKind } from '../db/schema.ts';
export type { LedgerExportRow } from '../db/export-store.ts';

export const LEDGER_SOURCES = ['campaign', 'award', 'platform', 'shop'] as const;
export type LedgerSource = (typeof LEDGER_SOURCES)[number];

/**
 * The entries each source is made of: what a campaign, a moderator, the platform or the
 * shop moves. A reversal names the entry it reverses, not a source, so it is found by its
 * kind only.
 */
export const SOURCE_KINDS: Record<LedgerSource, readonly TransferKind[]> = {
  campaign: ['campaign.fund', 'campaign.grant', 'campaign.return'],
  award: ['award', 'revoke'],
  platform: ['platform.trade', 'platform.subscription', 'platform.referral'],
  shop: ['hold', 'hold.post', 'hold.void'],
};

export const EXPLORER_PAGE_SIZE = 50;

/** What an admin filters the journal by; null leaves a field open. */
export interface ExplorerQuery {
  userId: string | null;
  kind: TransferKind | null;
  source: LedgerSource | null;
  /** created_at at or after (ms). */
  from: number | null;
  /** created_at before (ms). */
  to: number | null;
}

export interface ExplorerPage {
  rows: LedgerExportRow[];
  /** The cursor of the next (older) page; null on the last one. */
  next: number | null;
}

/** A kind and a source narrow together: their intersection (which may be empty). */
export function journalFilter(q: ExplorerQuery): JournalFilter {
  const bySource = q.source ? SOURCE_KINDS[q.source] : null;
  const kinds = q.kind ? (bySource && !bySource.includes(q.kind) ? [] : [q.kind]) : bySource;
  return { userId: q.userId, kinds, from: q.from, to: q.to };
}

export function isTransferKind(value: unknown): value is TransferKind {
  return TRANSFER_KINDS.includes(value as TransferKind);
}

/**
 * The dashboard's ledger explorer: a guild's journal filtered by member, kind, source and
 * dates, newest first, paged by entry id; and the same view as the export's CSV.
 */
export class LedgerExplorer {
  private readonly store: LedgerReportReads;

  constructor(deps: { db: AppDb }) {
    this.store = ledgerReportStore(deps.db);
  }

  /** Entries older than `before` (an entry id; none = the newest). */
  page(guildId: string, query: ExplorerQuery, before?: number, limit = EXPLORER_PAGE_SIZE): ExplorerPage {
    const rows = this.store.page(guildId, journalFilter(query), before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const more = rows.length > limit;
    if (more) rows.pop();
    return { rows, next: more ? rows[rows.length - 1]!.id : null };
  }

  /** The filtered view as CSV (the export's columns), oldest first, streamed from the database. */
  csv(guildId: string, query: ExplorerQuery): Readable {
    return ledgerCsv(this.store.rows(guildId, journalFilter(query)));
  }
}
