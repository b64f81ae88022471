import type { Plugin } from './plugin.ts';
import { LeaderSchedule } from './scheduler.ts';

export interface ReferralsPluginOptions {
  /** Longest the lapse timer waits before looking again (default 60 s): new referrals arm no timer. */
  maxTimerMs?: number;
}

/**
 * Referral quality's timer (in the process that leads the once-only work): lapses the pending shares of every
 * referral whose qualifying window has passed — at start-up first (the catch-up for
 * windows that ended while the bot was down), then at the next window's end.
 */
export function referralsPlugin(options: ReferralsPluginOptions = {}): Plugin {
  let schedule: LeaderSchedule | undefined;
  return {
    name: 'referrals',
    start({ services, leadership }) {
      const { platform, logger, clock } = services;
      schedule = new LeaderSchedule({
        name: 'referral lapses',
        clock,
        logger,
        maxMs: options.maxTimerMs ?? 60_000,
        next: () => platform.referrals.nextDue(),
        tick: () => {
          let lapsed = 0;
          // Batches of at most a few hundred per transaction, until none is due.
          for (let n = platform.lapseReferrals(); n > 0; n = platform.lapseReferrals()) lapsed += n;
          if (lapsed > 0) logger.info({ lapsed }, 'referral windows lapsed');
          return Promise.resolve();
        },
        failure: 'referral lapse failed',
      });
      schedule.start(leadership);
    },
    async stop() {
      await schedule?.stop();
    },
  };
}
