/**
 * Collects garbage now, after a one-off bulk job (reading a large guild's whole member
 * list), so the heap it grew is handed back to the OS at once instead of whenever V8's
 * heuristics next run a full collection — measured in bench/e2e.ts: the bot held 40–80 MB
 * more after a 160,000-member sync, for minutes. Needs node's --expose-gc (npm start passes
 * it); without it (tests, tsx) this does nothing. Returns whether it collected.
 */
export function collectAfterBulkWork(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
