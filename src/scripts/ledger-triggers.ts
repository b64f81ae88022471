/**
 * `npx tsx src/scripts/ledger-triggers.ts >> drizzle/NNNN_<name>.sql`: prints the DROP and
 * CREATE of the ledger's derived-state triggers (src/db/ledger-triggers.ts) and the twelve
 * rank_* (src/db/rank-triggers.ts), from their templates, as a migration body.
 */
import { ledgerTriggersMigrationSql } from '../db/ledger-triggers.ts';
import { rankTriggers } from '../db/rank-triggers.ts';

process.stdout.write(
  '\n--> statement-breakpoint\n' +
    '-- The derived-state triggers, gated by batch_gate, from the templates in\n' +
    '-- src/db/ledger-triggers.ts and src/db/rank-triggers.ts (src/scripts/ledger-triggers.ts).\n' +
    ledgerTriggersMigrationSql(rankTriggers()),
);
