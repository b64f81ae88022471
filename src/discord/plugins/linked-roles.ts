import { LINKED_ROLE_REDIRECT_PATH, OAuthClient, roleConnectionApi } from '../../http/web/oauth.ts';
import {
  LINKED_ROLE_SCOPES,
  type PushResult,
  type RoleConnectionApi,
} from '../../linked-roles/linked-roles.ts';
import type { Services } from '../../services.ts';
import { LinkedRolePusher } from './linked-role-pusher.ts';
import type { Plugin } from './plugin.ts';

/** Ledger entries that cannot change a member's values (spending moves no lifetime). */
const SPENDING = new Set(['hold', 'hold.post', 'hold.void']);

/** What the plugin offers the web: the Linked Roles page pushes a new connection at once. */
export interface LinkedRolesRuntime {
  /** Pushes the member's values now (ahead of the queue); `queued` when it carries on later. */
  pushNow(userId: string): Promise<PushResult>;
  /** Resolves once no push is due or in flight. */
  idle(): Promise<void>;
}

declare module './plugin.ts' {
  interface Provided {
    linkedRoles: LinkedRolesRuntime;
  }
}

export interface LinkedRolesPluginOptions {
  /** Instead of Discord's API (tests of the queue). */
  api?: RoleConnectionApi;
  /** The first retry's wait after a 5xx (default 1 s, doubling). */
  baseBackoffMs?: number;
}

/**
 * Keeps members' Linked Roles true (SPEC §11), on the primary process only and only with
 * the web on (members connect there): when a ledger entry moves a connected member's
 * Sparks, when a guild's tiers change, and in a sweep every LINKED_ROLES_SWEEP_MINUTES
 * (which also catches what other shards' processes posted and what changed while the bot
 * was down), the members are noted on the pusher's queue, and it pushes those whose values
 * differ from what Discord has — rate-limited, retried, never on a command's path.
 */
export function linkedRolesPlugin(options: LinkedRolesPluginOptions = {}): Plugin {
  let runtime: LinkedRolesPlugin | undefined;
  return {
    name: 'linked-roles',
    start({ services, provided, primary }) {
      const { web, discordClientId } = services.config;
      if (!primary || !web || !discordClientId) return;
      const api =
        options.api ??
        roleConnectionApi(
          new OAuthClient({
            apiBase: services.config.discordApiUrl ?? 'https://discord.com/api',
            clientId: discordClientId,
            clientSecret: web.clientSecret,
            redirectUri: `${web.publicUrl}${LINKED_ROLE_REDIRECT_PATH}`,
            scopes: LINKED_ROLE_SCOPES,
          }),
          services.clock,
        );
      runtime = new LinkedRolesPlugin(services, api, options.baseBackoffMs);
      provided.provide('linkedRoles', runtime);
      runtime.start();
    },
    async stop({ provided }) {
      if (!runtime) return;
      provided.withdraw('linkedRoles');
      await runtime.stop();
      runtime = undefined;
    },
  };
}

class LinkedRolesPlugin implements LinkedRolesRuntime {
  private readonly pusher: LinkedRolePusher;
  /** Connected members and the guild their connection shows: the ledger hook's filter. */
  private readonly connected = new Map<string, string>();
  private readonly cleanups: (() => void)[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly services: Services,
    api: RoleConnectionApi,
    baseBackoffMs: number | undefined,
  ) {
    this.pusher = new LinkedRolePusher({
      service: services.linkedRoles,
      api,
      logger: services.logger.child({ plugin: 'linked-roles' }),
      clock: services.clock,
      pushesPerMinute: services.config.linkedRoles.pushesPerMinute,
      baseBackoffMs,
    });
  }

  start(): void {
    const { services } = this;
    const linked = services.linkedRoles;
    this.cleanups.push(
      linked.onConnected(({ userId, guildId }) => this.connected.set(userId, guildId)),
      linked.onDropped((userId) => this.connected.delete(userId)),
      services.ledger.onPosted((transfer, debit, credit) => {
        if (SPENDING.has(transfer.kind)) return;
        for (const account of [debit, credit]) {
          if (account.type === 'member' && this.connected.get(account.ref) === transfer.guildId)
            this.pusher.note(account.ref);
        }
      }),
      services.tiers.onChanged((guildId) => {
        for (const [userId, g] of this.connected) if (g === guildId) this.pusher.note(userId);
      }),
    );
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), services.config.linkedRoles.sweepMinutes * 60_000);
    this.sweepTimer.unref();
  }

  pushNow(userId: string): Promise<PushResult> {
    return this.pusher.pushNow(userId);
  }

  async idle(): Promise<void> {
    await this.sweeping;
    await this.pusher.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.sweeping;
    await this.pusher.stop();
  }

  /**
   * Walks every connection a page at a time (yielding between pages), refreshing the
   * hook's index and noting members whose values moved since their last push.
   */
  private sweep(): void {
    if (this.sweeping || this.stopped) return;
    const linked = this.services.linkedRoles;
    this.sweeping = (async () => {
      let after = '';
      let stale = 0;
      for (;;) {
        if (this.stopped) return;
        const page = linked.page(after);
        for (const { userId, guildId } of page) {
          this.connected.set(userId, guildId);
          if (linked.stale(userId)) {
            stale += 1;
            this.pusher.note(userId);
          }
        }
        if (page.length === 0) break;
        after = page[page.length - 1]!.userId;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (stale > 0) this.services.logger.info({ stale }, 'linked roles to update after a sweep');
    })()
      .catch((err: unknown) => this.services.logger.error({ err }, 'linked roles sweep failed'))
      .finally(() => (this.sweeping = undefined));
  }
}
