/**
 * The production webhook server as a restarted bot runs it, for the scenarios that post
 * platform events: the worker serves it in a child process, the crash flows after a crash.
 */
import type { AppDb } from '../src/db/engine.ts';
import { startHttpServer } from '../src/http/server.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { silentLogger } from '../src/log.ts';
import { PlatformService } from '../src/platform/service.ts';
import { SettingsService } from '../src/settings/settings.ts';
import { TierService } from '../src/tiers/tiers.ts';
import { DEFAULTS } from './support.ts';

/**
 * Serves the webhook over `db` (either engine) on a free port of 127.0.0.1, verifying with
 * `secret`.
 */
export function startWebhookServer(db: AppDb, ledger: Ledger, options: { secret: string; guildId: string }) {
  const settings = new SettingsService({ db, defaults: DEFAULTS });
  return startHttpServer(
    {
      db,
      ledger,
      settings,
      platform: new PlatformService({ db, ledger, settings }),
      tiers: new TierService({ db, ledger, clock: Date.now }),
      logger: silentLogger,
      config: {
        webhookSecrets: [options.secret],
        defaultGuildId: options.guildId,
        platformApiToken: undefined,
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
}
