/**
 * Crash points for the reliability suite: `SPARKS_CRASH_AT=<name>[:<n>]` makes the process
 * SIGKILL itself the n-th time (default 1st) execution reaches `crashPoint(name)` — for
 * example inside a ledger transaction, or between a redemption's reserve and its post —
 * so tests can prove that a crash at any step loses nothing. `SPARKS_CRASH_TRACE=<file>`
 * appends the name of every point reached to that file, so a test can list the steps of a
 * flow and then crash at each in turn. Unset (always, in production), a call is one
 * comparison.
 */
import { appendFileSync } from 'node:fs';

const spec = process.env.SPARKS_CRASH_AT;
const trace = process.env.SPARKS_CRASH_TRACE;
const [target, nth] = spec ? [spec.split(':')[0], Number(spec.split(':')[1] ?? 1)] : [undefined, 0];
const armed = target !== undefined || trace !== undefined;
let hits = 0;

export function crashPoint(name: string): void {
  if (!armed) return;
  if (trace) appendFileSync(trace, `${name}\n`);
  if (name !== target) return;
  hits++;
  if (hits === nth) process.kill(process.pid, 'SIGKILL');
}
