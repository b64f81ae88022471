/**
 * src/db/rank-triggers.ts is the single readable statement of the twelve rank_* triggers:
 * its template's output must equal, exactly, what a migrated database runs (created by the
 * hand-written drizzle/0004_fast_grants.sql), and its migration body must put them there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rankTriggers, rankTriggersMigrationSql } from '../../src/db/rank-triggers.ts';
import { freshDb } from '../helpers/db.ts';

type Fresh = ReturnType<typeof freshDb>;
const open: Fresh[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.cleanup();
});
function migrated(): Fresh {
  const db = freshDb();
  open.push(db);
  return db;
}

/** Runs a migration body the way src/db/open.ts does: statement by statement. */
function applyBody(db: Fresh, body: string) {
  for (const statement of body.split('--> statement-breakpoint'))
    if (statement.trim()) db.sqlite.exec(statement);
}

/** The rank_* triggers in sqlite_master, by name. */
function liveRankTriggers(db: Fresh): Map<string, string> {
  const rows = db.sqlite
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rank\\_%' ESCAPE '\\'`,
    )
    .all() as { name: string; sql: string }[];
  return new Map(rows.map((r) => [r.name, r.sql]));
}

describe('the rank_* trigger template', () => {
  it('generates the twelve triggers, 2 boards × 3 levels × leave/join, each named once', () => {
    const names = rankTriggers().map((t) => t.name);
    expect(new Set(names).size).toBe(12);
    expect(names).toEqual(
      ['balance', 'period'].flatMap((b) =>
        [0, 1, 2].flatMap((l) => [`rank_${b}_leave_${l}`, `rank_${b}_join_${l}`]),
      ),
    );
  });

  it('equals, character for character, each rank_* trigger a migrated database holds', () => {
    const live = liveRankTriggers(migrated());
    expect([...live.keys()].sort()).toEqual(
      rankTriggers()
        .map((t) => t.name)
        .sort(),
    );
    for (const t of rankTriggers()) expect(t.sql, t.name).toBe(live.get(t.name));
  });

  it('its migration body drops and re-creates them, leaving sqlite_master as it was', () => {
    const db = migrated();
    const before = liveRankTriggers(db);
    applyBody(db, rankTriggersMigrationSql());
    expect(liveRankTriggers(db)).toEqual(before);
    // And with none present (IF EXISTS), it creates all twelve.
    for (const name of before.keys()) db.sqlite.exec(`DROP TRIGGER \`${name}\``);
    applyBody(db, rankTriggersMigrationSql());
    expect(liveRankTriggers(db)).toEqual(before);
  });
});
