/**
 * src/db/ledger-triggers.ts is the readable statement of the ledger's derived-state
 * triggers: a migrated database must run exactly its templates' output, each gated by
 * `batch_gate`, and with the gate up they must stand aside while the ones that check an
 * entry (append-only, closing entries) never do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_GATE, ledgerTriggers } from '../../src/db/ledger-triggers.ts';
import { rankTriggers } from '../../src/db/rank-triggers.ts';
import { ISSUANCE, Ledger, MEMBER } from '../../src/ledger/ledger.ts';
import { freshDb, G, MOD } from '../helpers/db.ts';

const open: ReturnType<typeof freshDb>[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.cleanup();
});

function live(db: ReturnType<typeof freshDb>): Map<string, string> {
  const rows = db.sqlite.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`).all() as {
    name: string;
    sql: string;
  }[];
  return new Map(rows.map((r) => [r.name, r.sql]));
}

describe('the ledger trigger templates', () => {
  it('are what a migrated database runs, each behind the batch gate', () => {
    const db = freshDb();
    open.push(db);
    const triggers = live(db);
    for (const t of [...ledgerTriggers(), ...rankTriggers()]) {
      expect(triggers.get(t.name), t.name).toBe(t.sql);
      expect(t.sql, t.name).toContain(`WHEN ${BATCH_GATE}`);
    }
    // The checks on an entry are not derived state: no gate on them.
    for (const name of ['transfers_no_update', 'transfers_no_delete', 'transfers_close_mirrors'])
      expect(triggers.get(name), name).not.toContain('batch_gate');
  });

  it('stand aside while the gate is up, and the entry checks do not', () => {
    const db = freshDb();
    open.push(db);
    const ledger = new Ledger({ db });
    const { transfer } = ledger.post({
      guildId: G,
      kind: 'award',
      from: ISSUANCE('award'),
      to: MEMBER('u1'),
      amount: 7,
      key: 'k1',
      actor: MOD,
    });
    const balances = () =>
      db.sqlite.prepare(`SELECT type, balance FROM accounts ORDER BY id`).all() as { balance: number }[];
    const before = balances();
    const attempt = () =>
      db.write(() => {
        db.sqlite.exec('INSERT INTO batch_gate (id) VALUES (1)');
        db.sqlite
          .prepare(
            `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
             actor_type, actor_id, reason, created_at)
           SELECT guild_id, kind, debit_account_id, credit_account_id, amount, 'k2', actor_type, actor_id, reason, created_at
           FROM transfers WHERE id = ?`,
          )
          .run(transfer.id);
        expect(balances()).toEqual(before);
        expect(() => db.sqlite.prepare('UPDATE transfers SET amount = 1').run()).toThrow(/APPEND_ONLY/);
        expect(() => db.sqlite.exec('INSERT INTO batch_gate (id) VALUES (2)')).toThrow(/CHECK/);
        db.sqlite.exec('DELETE FROM batch_gate');
        // A batch applies its own sums; this test's raw entry had none, so roll it all back.
        throw new RollBack();
      });
    expect(attempt).toThrow(RollBack);
    expect(balances()).toEqual(before);
    expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM batch_gate').get()).toEqual({ n: 0 });
  });
});

class RollBack extends Error {}
