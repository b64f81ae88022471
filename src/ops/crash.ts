/**
 * Crash points for the reliability suite: `SPARKS_CRASH_AT=<name>[:<n>]` makes the process
 * SIGKILL itself the n-th time (default 1st) execution reaches `crashPoint(name)` — for
 * example inside a ledger transaction, or between a redemption's reserve and its post —
 * so tests can prove that a crash at any step loses nothing. Unset (always, in
 * production), a call is one comparison.
 */
const spec = process.env.SPARKS_CRASH_AT;
const [target, nth] = spec ? [spec.split(':')[0], Number(spec.split(':')[1] ?? 1)] : [undefined, 0];
let hits = 0;

export function crashPoint(name: string): void {
  if (target === undefined || name !== target) return;
  hits++;
  if (hits === nth) process.kill(process.pid, 'SIGKILL');
}
