/**
 * `npm run demo`: starts the project's fake Discord and the real bot on 127.0.0.1, plays a
 * short scripted session and prints it as a transcript. No Discord application needed,
 * nothing leaves this machine. Exits 0 when every act ran and the ledger verifies clean.
 */
import { formatReport, verifyLedger } from '../db/verify.ts';
import { startWorld } from '../../testkit/bot.ts';
import { basics } from './demo/acts/basics.ts';
import { campaigns } from './demo/acts/campaigns.ts';
import { members } from './demo/acts/members.ts';
import { shop } from './demo/acts/shop.ts';
import { Transcript } from './demo/transcript.ts';

const acts = [basics, campaigns, members, shop];

async function main(): Promise<number> {
  const world = await startWorld();
  try {
    const t = new Transcript(world);
    t.print('Sparks demo — the real bot against a local fake Discord (127.0.0.1)');
    t.note(
      `guild "Sparks Lab": @mod (Manage Server), @alice, @bob, @carol; database ${world.config.databasePath}`,
    );
    for (const act of acts) await act(t);
    t.heading('Ledger check (npm run verify)');
    const report = verifyLedger(world.app.services.db);
    for (const line of formatReport(report).split('\n')) t.print(line);
    return report.ok ? 0 : 1;
  } finally {
    await world.stop();
  }
}

process.exitCode = await main();
