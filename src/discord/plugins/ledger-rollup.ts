import type { Plugin } from './plugin.ts';

/** How often the primary folds new ledger entries into the analytics rollup. */
export const ROLLUP_INTERVAL_MS = 30_000;

/**
 * Keeps the analytics rollup caught up on the primary process, off the write path: every
 * ROLLUP_INTERVAL_MS it folds whatever entries arrived, a chunk per transaction (a large
 * backlog after an upgrade yields to the event loop between chunks). The first run is at
 * start, so an upgraded database catches up without waiting for a page view.
 */
export function ledgerRollupPlugin(): Plugin {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopping = false;
  return {
    name: 'ledger-rollup',
    start({ services, primary }) {
      if (!primary) return;
      const run = async () => {
        try {
          let folded = 0;
          for (;;) {
            if (stopping) return;
            const step = services.rollup.catchUp(1);
            folded += step.folded;
            if (step.caughtUp) break;
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (folded > 0)
            services.logger.debug(
              { folded, watermark: services.rollup.state().watermark },
              'ledger rollup caught up',
            );
        } catch (err) {
          services.logger.error({ err }, 'ledger rollup failed');
        }
      };
      const tick = () => {
        running ??= run().finally(() => (running = undefined));
      };
      tick();
      timer = setInterval(tick, ROLLUP_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
