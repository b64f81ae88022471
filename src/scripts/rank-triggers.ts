/**
 * `npx tsx src/scripts/rank-triggers.ts >> drizzle/NNNN_<name>.sql`: prints the DROP and
 * CREATE of the twelve `rank_*` triggers from the template in src/db/rank-triggers.ts, as
 * the body of a drizzle custom migration (`npx drizzle-kit generate --custom --name=<name>`
 * makes the empty file). See that module's header for the whole procedure.
 */
import { rankTriggersMigrationSql } from '../db/rank-triggers.ts';

// The leading newline matters: drizzle-kit's placeholder line in a fresh custom migration
// has no newline of its own, so without it the first DROP would be appended to a comment.
process.stdout.write(
  '\n-- The twelve rank_* triggers, from the template in src/db/rank-triggers.ts\n' +
    '-- (printed by src/scripts/rank-triggers.ts).\n' +
    rankTriggersMigrationSql(),
);
