/**
 * One process of tests/pg/referral-race.test.ts: the platform service on its own facade
 * connection. It prints `ready`, then for each line on stdin — `{ guildId, at, steps }` — runs
 * the steps with its clock at `at` (ms): platform events (`{ id, body }`) or a lapse pass
 * (`{ lapse: true }`), each its own transaction, and prints one JSON line: the outcome. It
 * exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { PlatformService } from '../../src/platform/service.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { DEFAULTS } from '../helpers/platform.ts';

export type RaceStep = { id: string; body: object } | { lapse: true };
export interface RaceCommand {
  guildId: string;
  at: number;
  steps: RaceStep[];
}
export interface RaceOutcome {
  /** Per step: its status and the Sparks it credited to each member, or how many windows it lapsed. */
  steps: ({ status: string; credits: [string, number][] } | { lapsed: number })[];
  /** How many times a write of this command was run again. */
  retries: number;
}

const db = openPgSync(process.argv[2]!, { migrate: false });
let now = 0;
const ledger = new Ledger({ db, clock: () => now });
const service = new PlatformService({
  db,
  ledger,
  settings: new SettingsService({ db, defaults: DEFAULTS }),
});

function run(command: RaceCommand): RaceOutcome {
  now = command.at;
  const before = db.retries;
  const steps: RaceOutcome['steps'] = [];
  for (const step of command.steps) {
    if ('lapse' in step) {
      steps.push({ lapsed: service.lapseReferrals() });
      continue;
    }
    const parsed = parseEvent(step.body, command.guildId);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = service.apply(step.id, parsed.event);
    steps.push({ status: result.status, credits: result.credits.map((c) => [c.userId, c.amount]) });
  }
  return { steps, retries: db.retries - before };
}

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => process.stdout.write(`${JSON.stringify(run(JSON.parse(line) as RaceCommand))}\n`));
lines.on('close', () => {
  db.close();
  process.exit(0);
});
