import type { Services } from '../../services.ts';
import type { Plugin } from './plugin.ts';

/** How often the leader folds new ledger entries into the analytics rollup. */
export const ROLLUP_INTERVAL_MS = 30_000;

/** A fold of the journal that a timer keeps caught up: the rollup, the streaks. */
export interface Fold {
  catchUp(maxChunks: number): { folded: number; caughtUp: boolean; watermark: number };
}

/**
 * A plugin that keeps `fold` caught up in the process that leads the once-only work, off the write path: every
 * `intervalMs` it folds whatever entries arrived, a chunk per transaction (a large backlog
 * after an upgrade yields to the event loop between chunks). The first run is at start, so
 * an upgraded database catches up without waiting for a read.
 */
export function foldPlugin(options: {
  name: string;
  fold: (services: Services) => Fold;
  intervalMs: number;
}): Plugin {
  let release: (() => Promise<void>) | undefined;
  return {
    name: options.name,
    start({ services, leadership }) {
      release = leadership.whileLeader(options.name, () => {
        let running: Promise<void> | undefined;
        let stopping = false;
        const fold = options.fold(services);
        const run = async () => {
          try {
            let folded = 0;
            let watermark = 0;
            for (;;) {
              if (stopping) return;
              const step = fold.catchUp(1);
              folded += step.folded;
              watermark = step.watermark;
              if (step.caughtUp) break;
              await new Promise((resolve) => setImmediate(resolve));
            }
            if (folded > 0) services.logger.debug({ folded, watermark }, `${options.name} caught up`);
          } catch (err) {
            services.logger.error({ err }, `${options.name} failed`);
          }
        };
        const tick = () => {
          running ??= run().finally(() => (running = undefined));
        };
        tick();
        const timer = setInterval(tick, options.intervalMs);
        timer.unref();
        return async () => {
          stopping = true;
          clearInterval(timer);
          await running;
        };
      });
    },
    async stop() {
      await release?.();
    },
  };
}

/** Keeps the analytics rollup caught up every ROLLUP_INTERVAL_MS. */
export function ledgerRollupPlugin(): Plugin {
  return foldPlugin({ name: 'ledger-rollup', fold: (s) => s.rollup, intervalMs: ROLLUP_INTERVAL_MS });
}
