/**
 * Helpers for the reliability scenarios that run the real bot against the fake Discord
 * (testkit/bot.ts's world), beside testkit/world.ts's. Plain functions that throw on
 * surprise, so the same scenarios run under vitest and under `npm run reliability`.
 */
import { ROLLUP_TABLES } from '../src/db/rollup-store.ts';
import { formatReport, verifyLedger } from '../src/db/verify.ts';
import type { BotWorld } from '../testkit/bot.ts';
import { sqliteOf } from '../tests/helpers/engines.ts';

/** '' when verifyLedger (integrity_check included) is clean, else its report. */
export function verifyProblems(w: BotWorld): string {
  const report = verifyLedger(w.app.services.db);
  return report.ok ? '' : formatReport(report);
}

/** Log lines at error level or above (pino: 50 = error, 60 = fatal). */
export const errorLogs = (w: BotWorld) => w.logs.filter((l) => l.level >= 50);

/** Counts of every table a hostile input must not write to. */
export function rowCounts(w: BotWorld): Record<string, number> {
  const db = sqliteOf(w.app.services.db);
  // The analytics rollup is folded from the journal by a timer whenever it likes: derived,
  // not written by the action under test (which `transfers` itself would show).
  const derived: ReadonlySet<string> = new Set(ROLLUP_TABLES);
  const tables = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
      name: string;
    }[]
  )
    .map((t) => t.name)
    .filter((name) => !derived.has(name));
  return Object.fromEntries(
    tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n]),
  );
}
