/**
 * The explorer's pages against the journal read naively: every filter (member, kinds,
 * dates), paged by the cursor each page hands out, gives exactly the matching entries, each
 * once, newest first — also where the clock stepped back between two entries.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../src/core/clock.ts';
import type { JournalFilter, LedgerExportRow, LedgerReportReads } from '../../src/db/export-store.ts';
import { ledgerReportStore, PgLedgerReportStore } from '../../src/db/pg/export-store.ts';
import type { PgSyncDb } from '../../src/db/pg/sync.ts';
import type { TransferKind } from '../../src/db/schema.ts';
import { award, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const fresh = engineDbs();

describe.each(ENGINES)('on %s', (engine) => {
  let env: ReturnType<typeof ledgerOn>;
  let store: LedgerReportReads;
  const start = Date.UTC(2026, 10, 1, 12);
  const OTHER = '200000000000000002';

  beforeEach(() => {
    env = ledgerOn(fresh, engine);
    env.clock.set(start);
    store = ledgerReportStore(env.db);
    const { ledger, clock } = env;
    // Ten days of awards, revokes, trades and shop holds; on day 6 the clock steps back 5 h.
    for (let day = 0; day < 10; day++) {
      for (let i = 0; i < 7; i++) {
        const user = `u${(day + i) % 5}`;
        award(ledger, user, 10 + i, `a${day}-${i}`);
        if (i % 3 === 0)
          ledger.credit({
            guildId: G,
            userId: user,
            source: 'platform',
            kind: 'platform.trade',
            amount: 5,
            key: `t${day}-${i}`,
            actor: { type: 'platform', id: `t${day}-${i}` },
          });
        if (i === 4) ledger.revoke({ guildId: G, userId: user, amount: 3, key: `r${day}`, actor: MOD });
        if (i === 5) {
          const hold = ledger.hold({ guildId: G, userId: user, amount: 4, key: `h${day}`, actor: MOD });
          ledger.closeHold(hold.transfer.id, day % 2 ? 'post' : 'void', { key: `c${day}`, actor: MOD });
        }
        clock.advance(day === 6 && i === 3 ? -5 * HOUR_MS : HOUR_MS);
      }
      if (day === 6) clock.advance(6 * HOUR_MS);
      clock.advance(DAY_MS - 7 * HOUR_MS);
    }
    // Another guild's entries never show.
    ledger.credit({
      guildId: OTHER,
      userId: 'u1',
      source: 'award',
      kind: 'award',
      amount: 9,
      key: 'elsewhere',
      actor: MOD,
    });
  });
  afterEach(() => env.cleanup());

  /** Every entry of guild G with its accounts, as the journal holds it. */
  function journal(): LedgerExportRow[] {
    return [...store.rows(G, { userId: null, kinds: null, from: null, to: null })];
  }

  /** All pages of a view, following each page's cursor (the last row's id). */
  function walk(filter: JournalFilter, limit: number): LedgerExportRow[] {
    const out: LedgerExportRow[] = [];
    let before = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = store.page(G, filter, before, limit);
      out.push(...page);
      if (page.length < limit) return out;
      before = page[page.length - 1]!.id;
    }
  }

  const matches = (f: JournalFilter) => (r: LedgerExportRow) =>
    (f.userId === null ||
      (r.debitType === 'member' && r.debitRef === f.userId) ||
      (r.creditType === 'member' && r.creditRef === f.userId)) &&
    (f.kinds === null || f.kinds.includes(r.kind as TransferKind)) &&
    (f.from === null || r.createdAt >= f.from) &&
    (f.to === null || r.createdAt < f.to);

  const newestFirst = (member: boolean) => (a: LedgerExportRow, b: LedgerExportRow) =>
    member ? b.id - a.id : b.createdAt - a.createdAt || b.id - a.id;

  describe('LedgerReportStore.page', () => {
    const filters: [string, Partial<JournalFilter>][] = [
      ['everything', {}],
      ['one kind', { kinds: ['platform.trade'] }],
      ['a source of three kinds', { kinds: ['hold', 'hold.post', 'hold.void'] }],
      ['a kind with no entries', { kinds: ['reversal'] }],
      ['no kind at all', { kinds: [] }],
      ['one old day', { from: start + DAY_MS, to: start + 2 * DAY_MS }],
      ['the day the clock stepped back', { from: start + 6 * DAY_MS, to: start + 7 * DAY_MS }],
      ['from a day on', { from: start + 8 * DAY_MS }],
      ['up to a day', { to: start + 2 * DAY_MS }],
      ['a kind on one day', { kinds: ['award', 'revoke'], from: start + 3 * DAY_MS, to: start + 4 * DAY_MS }],
      ['a member', { userId: 'u2' }],
      [
        'a member, one kind, some days',
        { userId: 'u3', kinds: ['award'], from: start + 2 * DAY_MS, to: start + 5 * DAY_MS },
      ],
      ['a member with no account', { userId: 'nobody' }],
    ];
    it.each(filters)('%s: every match once, newest first, on pages of any size', (_, partial) => {
      const filter: JournalFilter = { userId: null, kinds: null, from: null, to: null, ...partial };
      const expected = journal()
        .filter(matches(filter))
        .sort(newestFirst(filter.userId !== null));
      for (const limit of [1, 7, 50, 1000]) expect(walk(filter, limit)).toEqual(expected);
      if (partial.kinds?.length !== 0 && partial.userId !== 'nobody' && !partial.kinds?.includes('reversal'))
        expect(expected.length).toBeGreaterThan(0);
    });

    it('the journal really has the clock step the test is about', () => {
      const rows = journal().sort((a, b) => a.id - b.id);
      expect(rows.some((r, i) => i > 0 && r.createdAt < rows[i - 1]!.createdAt)).toBe(true);
    });

    it('a cursor that is no entry of this guild starts nowhere', () => {
      const elsewhere = [...store.rows(OTHER, { userId: null, kinds: null, from: null, to: null })][0]!;
      expect(store.page(G, { userId: null, kinds: null, from: null, to: null }, elsewhere.id, 10)).toEqual(
        [],
      );
      expect(store.page(G, { userId: null, kinds: null, from: null, to: null }, 999_999, 10)).toEqual([]);
    });
  });

  describe('LedgerReportStore.rows', () => {
    it('reads every match oldest first whatever the chunk, and not entries posted after it began', () => {
      const all = journal();
      expect(all.length).toBeGreaterThan(100);
      expect(all.map((r) => [r.createdAt, r.id])).toEqual(
        [...all].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id).map((r) => [r.createdAt, r.id]),
      );
      const member: JournalFilter = { userId: 'u2', kinds: ['award', 'revoke'], from: null, to: null };
      const memberRows = [...store.rows(G, member)];
      expect(memberRows).toEqual(all.filter(matches(member)).sort((a, b) => a.id - b.id));
      expect(memberRows.length).toBeGreaterThan(0);
      expect([...store.rows(G, { ...member, kinds: [] })]).toEqual([]);
      if (engine !== 'postgres') return;
      // Small chunks: the keyset walk across chunks, and an entry posted mid-read left out.
      const small = new PgLedgerReportStore(env.db as PgSyncDb, 7);
      const reading = small.rows(G, { userId: null, kinds: null, from: null, to: null });
      const first = reading.next().value as LedgerExportRow;
      award(env.ledger, 'u1', 5, 'late');
      expect([first, ...reading]).toEqual(all);
      const memberReading = small.rows(G, member);
      const head = memberReading.next().value as LedgerExportRow;
      award(env.ledger, 'u2', 6, 'later');
      expect([head, ...memberReading]).toEqual(memberRows);
    });
  });
});
