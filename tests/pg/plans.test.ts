/**
 * The boards on PostgreSQL read their rank indexes in order: the statements the ledger's
 * reads send (captured from the facade) are planned without a Sort, so a page of the
 * all-time, lifetime or weekly board costs the page, not a sort of every member of the
 * guild. An ORDER BY matches an index only with the same null order: the indexes are
 * DESC NULLS LAST (drizzle's `.desc()`), and a bare DESC is NULLS FIRST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgSync, type PgSyncDb } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { databaseForFile } from '../testkit/postgres.ts';

const G = '300000000000000003';
const database = databaseForFile();
let db: PgSyncDb;
let ledger: Ledger;
const NOW = Date.UTC(2026, 10, 24, 12);

beforeAll(() => {
  db = openPgSync(database().url);
  ledger = new Ledger({ db, clock: () => NOW });
  for (let i = 0; i < 300; i++)
    ledger.credit({
      guildId: G,
      userId: `u${i}`,
      source: 'campaign',
      kind: 'campaign.grant',
      amount: 1 + (i % 37),
      key: `k${i}`,
      actor: { type: 'system', id: 'test' },
    });
  db.run('ANALYZE');
});
afterAll(() => db?.close());

/** The statements `read` sends, each EXPLAINed with sorting priced out of reach. */
function plansOf(read: () => unknown): string[] {
  const sent: [string, readonly unknown[] | undefined][] = [];
  const query = db.query.bind(db);
  (db as { query: PgSyncDb['query'] }).query = (text, params) => {
    sent.push([text, params]);
    return query(text, params);
  };
  try {
    read();
  } finally {
    (db as { query: PgSyncDb['query'] }).query = query;
  }
  return db.write(() => {
    db.run('SET LOCAL enable_sort = off');
    return sent
      .filter(([text]) => /ORDER BY/i.test(text))
      .map(([text, params]) =>
        db
          .query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params)
          .map((r) => r['QUERY PLAN'])
          .join('\n'),
      );
  });
}

describe('board reads on PostgreSQL use their rank index, in order', () => {
  it.each([
    ['all-time, first page', () => ledger.reads.leaderboard(G, 'all'), 'accounts_rank_balance'],
    [
      'all-time, a later page',
      () => ledger.reads.leaderboard(G, 'all', { offset: 100 }),
      'accounts_rank_balance',
    ],
    ['week', () => ledger.reads.leaderboard(G, 'week'), 'earn_periods_ranked'],
    ['month', () => ledger.reads.leaderboard(G, 'month'), 'earn_periods_ranked'],
  ])('%s', (_, read, index) => {
    const plans = plansOf(read);
    expect(plans.length).toBeGreaterThan(0);
    const board = plans.find((p) => p.includes(index));
    expect(board, plans.join('\n---\n')).toBeDefined();
    expect(board).not.toMatch(/\bSort\b/);
  });
});
