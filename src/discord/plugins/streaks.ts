import type { Plugin } from './plugin.ts';
import { foldPlugin } from './ledger-rollup.ts';

/** How often the leader folds new ledger entries into members' streaks. */
export const STREAKS_INTERVAL_MS = 30_000;

/**
 * Keeps streaks caught up with the journal (src/streaks/streaks.ts), off the write path:
 * milestone bonuses are paid within `intervalMs` of the entry that reaches them, or as soon
 * as the member looks at their streak.
 */
export function streaksPlugin(options: { intervalMs?: number } = {}): Plugin {
  return foldPlugin({
    name: 'streaks',
    fold: (s) => s.streaks,
    intervalMs: options.intervalMs ?? STREAKS_INTERVAL_MS,
  });
}
