import type { Client, Guild } from 'discord.js';
import type { Services } from '../../services.ts';
import type { Tier } from '../../tiers/tiers.ts';
import { formatNumber, localeOf, translate } from '../i18n/index.ts';
import { checkNewAccounts } from '../ranking.ts';
import { grantRole, removeRole, type RoleChange } from '../roles.ts';

/** A role that failed for good is not tried again for this long (or until a tier is set). */
const FAILURE_COOLDOWN_MS = 10 * 60_000;
/** A member whose change Discord did not take is tried again after this long, a few times. */
const RETRY_MS = 30_000;
const MAX_RETRIES = 5;

interface Noted {
  guildId: string;
  userId: string;
  /** Their account was just created (ranked by default): check the ranked flag too. */
  fresh: boolean;
}

export interface TierWorkerDeps {
  client: Client;
  services: Services;
  /** How long a note waits for more before the loop runs (a burst is looked at once). */
  debounceMs?: number;
}

/**
 * Applies tier roles after ledger writes commit. `note` is what the ledger's post hook
 * calls, inside the posting transaction: it only remembers the member. A few milliseconds
 * later, one loop at a time, each noted member's lifetime earned is compared with the
 * tiers and roles are granted or removed through the safe role path. The plan is read from
 * the database at that moment, so a note for a write that rolled back changes nothing.
 */
export class TierWorker {
  private readonly pending = new Map<string, Noted>();
  private readonly cooldowns = new Map<string, number>();
  private readonly retries = new Map<string, { timer: NodeJS.Timeout | null; attempts: number }>();
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private stopped = false;

  private readonly client: Client;
  private readonly services: Services;
  private readonly debounceMs: number;

  constructor({ client, services, debounceMs = 5 }: TierWorkerDeps) {
    this.client = client;
    this.services = services;
    this.debounceMs = debounceMs;
  }

  /** Remembers a member to look at after commit. Synchronous and cheap. */
  note(guildId: string, userId: string, fresh = false): void {
    if (this.stopped) return;
    const key = `${guildId}:${userId}`;
    this.pending.set(key, { guildId, userId, fresh: fresh || (this.pending.get(key)?.fresh ?? false) });
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.debounceMs);
  }

  /** Forget failures in a guild (a tier was set again: the admin may have fixed the role). */
  clearCooldowns(guildId: string): void {
    for (const key of [...this.cooldowns.keys()])
      if (key.startsWith(`${guildId}:`)) this.cooldowns.delete(key);
  }

  /** Resolves once everything noted so far has been applied. */
  async idle(): Promise<void> {
    while (!this.stopped && (this.timer || this.draining || this.pending.size > 0)) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.kick();
      }
      await this.draining;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const r of this.retries.values()) if (r.timer) clearTimeout(r.timer);
    this.retries.clear();
    this.pending.clear();
    await this.draining;
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.pending.size > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const batch = [...this.pending.values()];
      this.pending.clear();
      const fresh = new Map<string, string[]>();
      for (const { guildId, userId, fresh: isFresh } of batch) {
        if (!isFresh) continue;
        const ids = fresh.get(guildId);
        if (ids) ids.push(userId);
        else fresh.set(guildId, [userId]);
      }
      for (const [guildId, userIds] of fresh) {
        const guild = this.client.guilds.cache.get(guildId);
        if (!guild || this.stopped) continue;
        try {
          await checkNewAccounts(guild, userIds, this.services);
        } catch (err) {
          this.services.logger.error({ err, guildId }, 'ranked flags of new accounts could not be checked');
        }
      }
      // A guild without tier roles has nothing to grant or take away: its members are not
      // looked at one by one (after a 10,000-reaction burst that was ~9 % of the bot's CPU).
      const tiered = new Map<string, boolean>();
      for (const item of batch) {
        if (this.stopped) return;
        let any = tiered.get(item.guildId);
        if (any === undefined)
          tiered.set(item.guildId, (any = this.services.tiers.list(item.guildId).length > 0));
        if (!any) continue;
        try {
          await this.apply(item);
        } catch (err) {
          this.services.logger.error({ err, ...item }, 'tier roles could not be applied');
        }
      }
    }
  }

  private async apply({ guildId, userId }: Noted): Promise<void> {
    const guild = this.client.guilds.cache.get(guildId);
    if (!guild) return; // another shard's guild, or the bot left it
    const plan = this.services.tiers.plan(guildId, userId);
    for (const tier of plan.grant) await this.change(guild, userId, tier, plan.lifetime, 'grant');
    for (const tier of plan.remove) await this.change(guild, userId, tier, plan.lifetime, 'remove');
  }

  private async change(
    guild: Guild,
    userId: string,
    tier: Tier,
    lifetime: number,
    direction: 'grant' | 'remove',
  ): Promise<void> {
    const { services } = this;
    const cooldownKey = `${guild.id}:${tier.roleId}`;
    if ((this.cooldowns.get(cooldownKey) ?? 0) > services.clock()) return;
    const locale = localeOf(guild.preferredLocale);
    const reason = translate(locale, direction === 'grant' ? 'tier.audit_grant' : 'tier.audit_remove', {
      threshold: tier.threshold,
    });
    const result: RoleChange =
      direction === 'grant'
        ? await grantRole(guild, userId, tier.roleId, reason)
        : await removeRole(guild, userId, tier.roleId, reason);
    const fields = {
      Role: `<@&${tier.roleId}>`,
      'Lifetime earned': formatNumber('en', lifetime),
      Threshold: formatNumber('en', tier.threshold),
    };
    const log = services.logger.child({ guildId: guild.id, userId, roleId: tier.roleId, direction });
    if (result.ok) {
      if (direction === 'grant') services.tiers.markGranted(guild.id, userId, tier.roleId);
      else services.tiers.markRevoked(guild.id, userId, tier.roleId);
      services.audit.record({
        guildId: guild.id,
        kind: direction === 'grant' ? 'tier.granted' : 'tier.removed',
        userId,
        reason,
        fields,
        at: services.clock(),
      });
      this.retries.delete(`${guild.id}:${userId}`);
      log.info('tier role changed');
      return;
    }
    if (result.reason === 'member_left' || (direction === 'remove' && result.reason === 'role_missing')) {
      // Nothing to take away: the member is gone (Discord dropped their roles) or the role is.
      if (direction === 'remove') services.tiers.markRevoked(guild.id, userId, tier.roleId);
      log.debug({ reason: result.reason }, 'tier role change not needed');
      return;
    }
    if (!result.permanent) {
      log.warn({ reason: result.reason }, 'tier role change failed; will retry');
      this.retryLater(guild.id, userId);
      return;
    }
    this.cooldowns.set(cooldownKey, services.clock() + FAILURE_COOLDOWN_MS);
    log.error({ reason: result.reason }, 'tier role cannot be changed; an admin must fix the role');
    services.audit.record({
      guildId: guild.id,
      kind: 'tier.failed',
      userId,
      reason: result.reason,
      fields,
      at: services.clock(),
    });
  }

  /** Up to MAX_RETRIES, RETRY_MS apart; after that, the next start-up's catch-up. */
  private retryLater(guildId: string, userId: string): void {
    const key = `${guildId}:${userId}`;
    const retry = this.retries.get(key) ?? { timer: null, attempts: 0 };
    if (retry.timer || this.stopped || retry.attempts >= MAX_RETRIES) return;
    retry.attempts += 1;
    retry.timer = setTimeout(() => {
      retry.timer = null;
      this.note(guildId, userId);
    }, RETRY_MS);
    retry.timer.unref();
    this.retries.set(key, retry);
  }
}
