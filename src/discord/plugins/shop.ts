import { Events, MessageFlags, type Client, type Interaction } from 'discord.js';
import { HOUR_MS, MINUTE_MS } from '../../core/clock.ts';
import type { Services } from '../../services.ts';
import type { RedemptionView } from '../../shop/redemptions.ts';
import type { HandledEvent, Router } from '../router.ts';
import { localeOf, translator } from '../i18n/index.ts';
import type { Plugin } from './plugin.ts';
import { NO_MENTIONS } from '../reply.ts';
import { removeRole } from '../roles.ts';
import { noteText, notifyByDm, roleGranter, withSignal } from '../shop.ts';

/** The longest a timer sleeps before looking again (setTimeout's own limit is ~24.8 days). */
const MAX_SLEEP_MS = HOUR_MS;
/** A recovery pass that could not settle everything tries again after this long. */
const RECOVERY_RETRY_MS = MINUTE_MS;
/** A timed role Discord refused to remove is tried again after this long. */
const EXPIRY_RETRY_MS = MINUTE_MS;
/** How long a /sparks interaction waits for its handler before its pending note is dropped. */
const NOTE_WAIT_MS = MINUTE_MS;

/** What the running shop offers the redemption handlers. */
export interface ShopRuntime {
  /** Aborted when the bot stops: grants still waiting on Discord give up, recovery finishes them. */
  readonly signal: AbortSignal;
  /** A timed role was granted: make sure the expiry timer wakes up for it. */
  expiriesChanged(): void;
  /** Some redemption could not be settled yet: run a recovery pass again soon. */
  recoverSoon(): void;
}

declare module './plugin.ts' {
  interface Provided {
    shop: ShopRuntime;
  }
}

interface ShopPluginRuntimeDeps {
  client: Client;
  services: Services;
  /** Tells the runtime when a /sparks command was answered, so its notes follow the reply. */
  router: Router;
}

/**
 * The shop's background work for one running bot:
 *
 * - at start-up, before redemptions are accepted, a recovery pass settles every redemption
 *   a crash left reserved (and tells the member), and retries later what Discord could not
 *   answer;
 * - timed roles come off when due: one timer armed for the next expiry in the database, so
 *   it survives restarts (a role that fell due while the bot was down comes off at start);
 * - a member whose DMs were closed when a redemption ended is told in a private note after
 *   their next /sparks command.
 */
class ShopPluginRuntime implements ShopRuntime {
  private readonly abort = new AbortController();
  private stopped = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private expiryRun: Promise<void> | undefined;
  private recoveryRun: Promise<void> | undefined;
  private readonly waiting = new Map<
    string,
    { interaction: Interaction; notes: RedemptionView[]; timer: NodeJS.Timeout }
  >();
  /** Notes on their way to a member: a second /sparks meanwhile does not repeat them. */
  private readonly delivering = new Set<number>();

  private readonly client: Client;
  private readonly services: Services;

  constructor({ client, services, router }: ShopPluginRuntimeDeps) {
    this.client = client;
    this.services = services;
    router.observe(this.onHandled);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async start(): Promise<void> {
    this.client.on(Events.InteractionCreate, this.onInteraction);
    this.services.redemptions.setAccepting(false);
    try {
      this.recoveryRun = this.recover();
      await this.recoveryRun;
    } finally {
      this.services.redemptions.setAccepting(true);
    }
    this.expiriesChanged();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.expiryTimer);
    clearTimeout(this.recoveryTimer);
    this.client.off(Events.InteractionCreate, this.onInteraction);
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    await Promise.allSettled([this.expiryRun, this.recoveryRun]);
  }

  expiriesChanged(): void {
    if (this.stopped || this.expiryRun) return; // a running pass re-arms when it ends
    clearTimeout(this.expiryTimer);
    const next = this.services.redemptions.nextExpiry(this.guildIds());
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - this.services.clock()), MAX_SLEEP_MS);
    this.expiryTimer = setTimeout(() => this.runExpiries(), delay);
    this.expiryTimer.unref();
  }

  recoverSoon(): void {
    if (this.stopped || this.recoveryTimer) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      this.recoveryRun = this.recover();
    }, RECOVERY_RETRY_MS);
    this.recoveryTimer.unref();
  }

  private guildIds(): string[] {
    return [...this.client.guilds.cache.keys()];
  }

  /** Settles what a crash left reserved in every guild this process serves. */
  private async recover(): Promise<void> {
    const { services } = this;
    for (const guild of this.client.guilds.cache.values()) {
      if (this.stopped) return;
      try {
        const result = await services.redemptions.recover(guild.id, roleGranter(guild, this.signal));
        const settled = [...result.fulfilled, ...result.refunded];
        if (settled.length || result.pendingManual.length || result.unresolved) {
          services.logger.info(
            {
              guildId: guild.id,
              fulfilled: result.fulfilled.map((r) => r.id),
              refunded: result.refunded.map((r) => r.id),
              pendingManual: result.pendingManual.map((r) => r.id),
              unresolved: result.unresolved,
            },
            'recovered interrupted redemptions',
          );
        }
        for (const r of settled) if (!this.stopped) await notifyByDm(this.client, services, r);
        if (result.unresolved) this.recoverSoon();
      } catch (err) {
        services.logger.error({ err, guildId: guild.id }, 'redemption recovery failed; retrying later');
        this.recoverSoon();
      }
    }
    this.expiriesChanged();
  }

  private runExpiries(): void {
    this.expiryRun = this.removeDueRoles()
      .catch((err: unknown) => {
        this.services.logger.error({ err }, 'timed role removal failed; retrying later');
        return EXPIRY_RETRY_MS;
      })
      .then((retryMs) => {
        this.expiryRun = undefined;
        if (this.stopped) return;
        if (retryMs === null) return this.expiriesChanged();
        this.expiryTimer = setTimeout(() => this.runExpiries(), retryMs);
        this.expiryTimer.unref();
      });
  }

  /** Removes every timed role now due; returns when to try again if Discord refused some. */
  private async removeDueRoles(): Promise<number | null> {
    const { services } = this;
    for (;;) {
      const due = services.redemptions.dueExpiries(this.guildIds(), services.clock());
      if (due.length === 0) return null;
      let failed = false;
      for (const r of due) {
        if (this.stopped) return null;
        const guild = this.client.guilds.cache.get(r.guildId);
        if (!guild || !r.roleId) {
          // Nothing this process can remove (no role, or no longer in that server).
          services.redemptions.markRoleRemoved(r.id);
          continue;
        }
        const roleId = r.roleId;
        const change = await withSignal(this.signal, (signal) =>
          removeRole(guild, r.userId, roleId, `Sparks: "${r.rewardName}" ended (redemption #${r.id})`, {
            signal,
          }),
        ).catch((err: unknown) => {
          if (this.stopped) return null;
          throw err;
        });
        if (change === null) return null;
        if (change.ok || change.reason === 'role_missing' || change.reason === 'member_left') {
          services.redemptions.markRoleRemoved(r.id);
        } else {
          failed = true;
          services.logger.warn(
            { redemptionId: r.id, guildId: r.guildId, reason: change.reason },
            'could not remove a timed reward role; will try again',
          );
        }
      }
      if (failed) return EXPIRY_RETRY_MS;
    }
  }

  /** A /sparks command from a member with outcomes they have not heard of: note it for after the reply. */
  private readonly onInteraction = (interaction: Interaction): void => {
    if (this.stopped || !interaction.isChatInputCommand() || interaction.commandName !== 'sparks') return;
    if (!interaction.inGuild()) return;
    const notes = this.services.redemptions
      .unnotified(interaction.guildId, interaction.user.id)
      .filter((n) => !this.delivering.has(n.id));
    if (notes.length === 0) return;
    for (const n of notes) this.delivering.add(n.id);
    const timer = setTimeout(() => this.forget(interaction.id), NOTE_WAIT_MS);
    timer.unref();
    this.waiting.set(interaction.id, { interaction, notes, timer });
  };

  private readonly onHandled = (event: HandledEvent): void => {
    const w = this.waiting.get(event.interactionId);
    if (!w) return;
    this.waiting.delete(event.interactionId);
    clearTimeout(w.timer);
    if (this.stopped) return;
    void this.deliverNotes(w.interaction, w.notes).finally(() => {
      for (const n of w.notes) this.delivering.delete(n.id);
    });
  };

  private forget(interactionId: string): void {
    const w = this.waiting.get(interactionId);
    this.waiting.delete(interactionId);
    for (const n of w?.notes ?? []) this.delivering.delete(n.id);
  }

  private async deliverNotes(interaction: Interaction, notes: RedemptionView[]): Promise<void> {
    if (!interaction.isRepliable() || !(interaction.replied || interaction.deferred)) return;
    const t = translator(localeOf(interaction.locale));
    const server = interaction.guild?.name ?? '';
    try {
      await interaction.followUp({
        content: notes.map((n) => noteText(t, n, server)).join('\n'),
        flags: MessageFlags.Ephemeral,
        allowedMentions: NO_MENTIONS,
      });
      if (!this.stopped) for (const n of notes) this.services.redemptions.markNotified(n.id);
    } catch (err) {
      this.services.logger.debug({ err }, 'could not show pending redemption notes');
    }
  }
}

/** Redemption recovery, timed-role expiry and pending notes; provides `shop` to the handlers. */
export function shopPlugin(): Plugin {
  let runtime: ShopPluginRuntime | null = null;
  return {
    name: 'shop',
    async start({ client, services, router, provided }) {
      runtime = new ShopPluginRuntime({ client, services, router });
      provided.provide('shop', runtime);
      await runtime.start();
    },
    async stop({ provided }) {
      provided.withdraw('shop');
      await runtime?.stop();
      runtime = null;
    },
  };
}
