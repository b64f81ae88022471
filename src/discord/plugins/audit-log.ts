import {
  DiscordAPIError,
  EmbedBuilder,
  RESTJSONErrorCodes,
  TimestampStyles,
  channelMention,
  messageLink,
  roleMention,
  time,
  userMention,
  type Client,
} from 'discord.js';
import type { AuditEvent, AuditValue } from '../../audit.ts';
import type { Services } from '../../services.ts';
import { formatNumber, localeOf, translate, type Locale } from '../i18n/index.ts';
import type { GuildAccess } from '../guild-access.ts';
import type { Plugin } from './plugin.ts';
import { NO_MENTIONS } from '../reply.ts';

export interface AuditLogOptions {
  /** Quiet time between two messages to one channel; a burst waits for it (default 2 s). */
  intervalMs?: number;
}

/** Discord's limits for one message: 10 embeds, 6000 characters over all of them. */
const MAX_EMBEDS = 10;
const MAX_CHARS = 5800;
const MAX_ATTEMPTS = 3;

const COLORS: Record<string, number> = {
  award: 0xf5a623,
  revoke: 0x9b9b9b,
  'campaign.start': 0x2ecc71,
  'campaign.end': 0x3498db,
  'redemption.refunded': 0xe67e22,
  'reward.disabled': 0xe74c3c,
};

export interface AuditLogPosterDeps {
  client: Client;
  services: Services;
  /** Where a guild's language comes from (another shard's guild too). */
  guilds: GuildAccess;
  /** Quiet time between two messages to one channel. */
  intervalMs: number;
}

interface Pending {
  event: AuditEvent;
  attempts: number;
}

/**
 * Posts what services record in `services.audit` to each guild's configured log channel
 * as compact embeds, in the guild's preferred language. A lone event goes out at once; a
 * burst is batched (up to 10 embeds per message, the rest after `intervalMs` or as soon as
 * 10 are waiting), with one message in flight per channel — discord.js waits out 429s.
 * Never pings: allowed mentions are empty.
 */
export class AuditLogPoster {
  private readonly buffers = new Map<string, Pending[]>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();
  private readonly warned = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private draining = false;
  private stopping = false;

  private readonly client: Client;
  private readonly services: Services;
  private readonly intervalMs: number;

  private readonly guilds: GuildAccess;

  constructor({ client, services, intervalMs, guilds }: AuditLogPosterDeps) {
    this.client = client;
    this.guilds = guilds;
    this.services = services;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.unsubscribe = this.services.audit.onRecord(() => this.scheduleDrain());
    this.scheduleDrain();
  }

  /** Sends what is buffered (without waiting for the interval), then stops. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopping = true;
    this.drain();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const busy = [...this.inFlight.values()];
      const waiting = [...this.buffers].filter(([, b]) => b.length > 0).map(([g]) => g);
      if (busy.length === 0 && waiting.length === 0) break;
      for (const guildId of waiting) if (!this.inFlight.has(guildId)) this.send(guildId);
      await Promise.race([Promise.allSettled([...this.inFlight.values()]), sleep(deadline - Date.now())]);
    }
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      this.drain();
    });
  }

  /**
   * Moves recorded events into per-guild buffers. An event of a guild without a log
   * channel is settled at once: it goes to the channel configured when it happened.
   */
  private drain(): void {
    const events = this.services.audit.take(this.services.audit.size);
    const hasChannel = new Map<string, boolean>();
    for (const event of events) {
      let configured = hasChannel.get(event.guildId);
      if (configured === undefined) {
        configured = this.services.settings.get(event.guildId).logChannelId !== null;
        hasChannel.set(event.guildId, configured);
      }
      if (!configured) {
        settle([event], this.services.logger);
        continue;
      }
      let buffer = this.buffers.get(event.guildId);
      if (!buffer) this.buffers.set(event.guildId, (buffer = []));
      buffer.push({ event, attempts: 0 });
    }
    for (const guildId of new Set(events.map((e) => e.guildId))) this.schedule(guildId);
  }

  private schedule(guildId: string): void {
    const buffer = this.buffers.get(guildId);
    if (!buffer?.length || this.inFlight.has(guildId) || this.timers.has(guildId)) return;
    const wait = (this.lastSent.get(guildId) ?? -Infinity) + this.intervalMs - Date.now();
    if (this.stopping || buffer.length >= MAX_EMBEDS || wait <= 0) {
      this.send(guildId);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(guildId);
      this.send(guildId);
    }, wait);
    timer.unref();
    this.timers.set(guildId, timer);
  }

  private send(guildId: string): void {
    const timer = this.timers.get(guildId);
    if (timer) clearTimeout(timer);
    this.timers.delete(guildId);
    const buffer = this.buffers.get(guildId) ?? [];
    if (buffer.length === 0 || this.inFlight.has(guildId)) return;
    // A guild another shard serves is known here when the leader's schedules just reached it.
    const locale = localeOf(this.guilds.known(guildId)?.preferredLocale);
    const batch: Pending[] = [];
    const embeds: EmbedBuilder[] = [];
    let chars = 0;
    while (buffer.length > 0 && batch.length < MAX_EMBEDS) {
      const embed = renderAuditEmbed(buffer[0]!.event, locale);
      const size = embedLength(embed);
      if (batch.length > 0 && chars + size > MAX_CHARS) break;
      chars += size;
      batch.push(buffer.shift()!);
      embeds.push(embed);
    }
    const work = this.post(guildId, embeds, batch).finally(() => {
      this.inFlight.delete(guildId);
      this.lastSent.set(guildId, Date.now());
      this.schedule(guildId);
    });
    this.inFlight.set(guildId, work);
  }

  private async post(guildId: string, embeds: EmbedBuilder[], batch: Pending[]): Promise<void> {
    const { logger, settings } = this.services;
    const delivered = () =>
      settle(
        batch.map((p) => p.event),
        logger,
      );
    const channelId = settings.get(guildId).logChannelId;
    if (!channelId) {
      delivered();
      return;
    }
    try {
      // The guild may be one another shard serves (the leader's schedules record its events):
      // the channel is fetched over REST without its guild in the cache.
      const channel = await this.client.channels.fetch(channelId, { allowUnknownGuild: true });
      if (!channel?.isSendable()) throw new Error(`log channel ${channelId} cannot take messages`);
      await channel.send({ embeds, allowedMentions: NO_MENTIONS });
      delivered();
    } catch (err) {
      if (isPermanent(err)) {
        // The channel is gone or the bot may not post there: the config command refuses
        // such a channel, but permissions can change later. Warn once per channel.
        if (!this.warned.has(channelId)) {
          this.warned.add(channelId);
          logger.warn({ err, guildId, channelId }, 'cannot post to the audit log channel; events dropped');
        }
        delivered();
        return;
      }
      logger.warn({ err, guildId, channelId, events: batch.length }, 'audit log post failed; will retry');
      const retry = batch.filter((p) => ++p.attempts < MAX_ATTEMPTS);
      this.buffers.get(guildId)?.unshift(...retry);
    }
  }
}

/** Tells the recording services their events are handled (posted, or nowhere to post). */
function settle(events: AuditEvent[], logger: Services['logger']): void {
  for (const event of events) {
    try {
      event.onDelivered?.();
    } catch (err) {
      logger.error({ err }, 'audit onDelivered failed');
    }
  }
}

function isPermanent(err: unknown): boolean {
  if (!(err instanceof DiscordAPIError))
    return err instanceof Error && /cannot take messages/.test(err.message);
  return (
    err.code === RESTJSONErrorCodes.UnknownChannel ||
    err.code === RESTJSONErrorCodes.MissingAccess ||
    err.code === RESTJSONErrorCodes.MissingPermissions
  );
}

/** One audit event as a compact embed in `locale`. Mentions render as names and never ping. */
export function renderAuditEmbed(event: AuditEvent, locale: Locale): EmbedBuilder {
  const t = (key: string, params?: Record<string, string | number>) => translate(locale, key, params);
  const has = (key: string) => t(key) !== key;
  const params = {
    actor: event.actorId ? `<@${event.actorId}>` : '—',
    user: event.userId ? `<@${event.userId}>` : '—',
    amount: event.amount ?? 0,
  };
  const embed = new EmbedBuilder()
    .setColor(COLORS[event.kind] ?? 0x95a5a6)
    .setTitle(has(`audit.title.${event.kind}`) ? t(`audit.title.${event.kind}`) : event.kind)
    .setTimestamp(new Date(event.at));
  if (has(`audit.text.${event.kind}`)) {
    embed.setDescription(t(`audit.text.${event.kind}`, params));
  } else {
    const lines = [
      event.actorId ? `${t('audit.by')}: ${params.actor}` : '',
      event.userId ? `${t('audit.member')}: ${params.user}` : '',
      event.amount !== undefined
        ? `${t('audit.amount')}: ${t('common.sparks', { amount: event.amount })}`
        : '',
    ].filter(Boolean);
    if (lines.length) embed.setDescription(lines.join('\n'));
  }
  if (event.reason) embed.addFields({ name: t('audit.reason'), value: clip(event.reason, 1024) });
  for (const [key, raw] of Object.entries(event.fields ?? {}).slice(0, 20)) {
    const name = has(`audit.field.${key}`) ? t(`audit.field.${key}`) : key;
    const value = renderValue(key, raw, locale);
    embed.addFields({ name: clip(name, 256), value: clip(value || '—', 1024), inline: value.length <= 40 });
  }
  return embed;
}

/** An audit field's raw fact as the log channel shows it: mentions, relative times, links. */
function renderValue(key: string, raw: AuditValue, locale: Locale): string {
  const t = (k: string) => translate(locale, k);
  if (typeof raw === 'number') return formatNumber(locale, raw);
  if (typeof raw === 'boolean') return t(raw ? 'audit.value.yes' : 'audit.value.no');
  if (typeof raw === 'string') {
    if (/^\d{1,15}$/.test(raw)) return formatNumber(locale, Number(raw));
    const reason = `campaign.end_reason.${raw}`;
    if (key === 'end_reason' && t(reason) !== reason) return t(reason);
    const word = `quest.audit.${key}.${raw}`;
    if (t(word) !== word) return t(word);
    return raw === 'yes' ? t('audit.value.yes') : raw;
  }
  switch (raw.type) {
    case 'role':
      return roleMention(raw.id);
    case 'user':
      return userMention(raw.id);
    case 'channel':
      return channelMention(raw.id);
    case 'time':
      return time(Math.floor(raw.at / 1000), TimestampStyles.RelativeTime);
    case 'message':
      return messageLink(raw.channelId, raw.messageId, raw.guildId);
  }
}

function embedLength(embed: EmbedBuilder): number {
  const d = embed.data;
  return (
    (d.title?.length ?? 0) +
    (d.description?.length ?? 0) +
    (d.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

/** The audit-log channel poster. */
export function auditLogPlugin(options: AuditLogOptions = {}): Plugin {
  let poster: AuditLogPoster | null = null;
  return {
    name: 'audit-log',
    start({ client, services, guilds }) {
      poster = new AuditLogPoster({ client, services, guilds, intervalMs: options.intervalMs ?? 2000 });
      poster.start();
    },
    async stop() {
      await poster?.stop();
      poster = null;
    },
  };
}
