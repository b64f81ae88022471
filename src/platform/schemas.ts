/**
 * The inbound platform events (SPEC §6), validated strictly: an unknown field, an unknown
 * `type`, a Discord id sent as a number (it would have lost digits above 2^53) or an
 * amount that is not an exact positive decimal is refused with the field named, before
 * anything is written.
 */
import { z } from 'zod';

export const EVENT_TYPES = ['trade.executed', 'subscription.started', 'referral.registered'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Trade volume above this is treated as a malformed event, not a trade. */
export const MAX_VOLUME_USD = 1_000_000_000_000;

const SNOWFLAKE = /^\d{17,20}$/;

interface EventBase {
  guildId: string;
  /** ISO 8601 with offset, as sent; informational (Sparks are credited when received). */
  occurredAt: string;
}
export type TradeEvent = EventBase & { type: 'trade.executed'; userId: string; volumeCents: number };
export type SubscriptionEvent = EventBase & {
  type: 'subscription.started';
  userId: string;
  plan: string;
  first: boolean;
};
export type ReferralEvent = EventBase & {
  type: 'referral.registered';
  referrerId: string;
  inviteeId: string;
};
export type PlatformEvent = TradeEvent | SubscriptionEvent | ReferralEvent;

export interface FieldError {
  /** Dotted path of the offending field; `body` for the document itself. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; event: PlatformEvent } | { ok: false; errors: FieldError[] };

const typed =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected}`;

const snowflake = z
  .string({ error: typed('a Discord id string') })
  .regex(SNOWFLAKE, 'must be a Discord id: 17–20 digits, sent as a string');

const volume = z.unknown().transform((value, ctx) => {
  const result = parseUsdCents(value);
  if ('error' in result) {
    ctx.issues.push({ code: 'custom', message: result.error, input: value });
    return z.NEVER;
  }
  return result.cents;
});

const common = {
  occurred_at: z.iso.datetime({
    offset: true,
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be an ISO 8601 date-time, e.g. 2026-11-24T12:00:00Z',
  }),
  guild_id: snowflake.optional(),
};

const trade = z.strictObject({
  type: z.literal('trade.executed'),
  ...common,
  discord_user_id: snowflake,
  volume_usd: volume,
});

const subscription = z.strictObject({
  type: z.literal('subscription.started'),
  ...common,
  discord_user_id: snowflake,
  plan: z
    .string({ error: typed('a string') })
    .regex(/^[^\p{Cc}]{1,100}$/u, 'must be 1–100 characters without control characters'),
  first: z.boolean({ error: typed('true or false') }),
});

const referral = z.strictObject({
  type: z.literal('referral.registered'),
  ...common,
  referrer_discord_user_id: snowflake,
  invitee_discord_user_id: snowflake,
});

const eventSchema = z.discriminatedUnion('type', [trade, subscription, referral], {
  error: (issue) =>
    typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input)
      ? 'must be a JSON object'
      : `unknown event type; expected one of ${EVENT_TYPES.join(', ')}`,
});

/**
 * Validates a parsed JSON body and normalises it (guild resolved, volume in integer
 * cents). `defaultGuildId` stands in for a missing `guild_id`; with neither, the
 * result names `guild_id`. Never throws.
 */
export function parseEvent(body: unknown, defaultGuildId: string | undefined): ParseResult {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error.issues) };
  const e = parsed.data;
  const guildId = e.guild_id ?? defaultGuildId;
  if (!guildId) {
    return {
      ok: false,
      errors: [
        { path: 'guild_id', message: 'is required: the event names no guild and no default guild is set' },
      ],
    };
  }
  const base = { guildId, occurredAt: e.occurred_at };
  switch (e.type) {
    case 'trade.executed':
      return {
        ok: true,
        event: { type: e.type, ...base, userId: e.discord_user_id, volumeCents: e.volume_usd },
      };
    case 'subscription.started':
      return {
        ok: true,
        event: { type: e.type, ...base, userId: e.discord_user_id, plan: e.plan, first: e.first },
      };
    case 'referral.registered':
      return {
        ok: true,
        event: {
          type: e.type,
          ...base,
          referrerId: e.referrer_discord_user_id,
          inviteeId: e.invitee_discord_user_id,
        },
      };
  }
}

/** zod issues as `{ path, message }`, one per offending field (unknown keys each named). */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const prefix = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: prefix ? `${prefix}.${key}` : key, message: 'is not a known field' });
    } else {
      out.push({ path: prefix || 'body', message: issue.message });
    }
  }
  return out;
}

/**
 * A USD amount — a JSON number or a decimal string such as "1234.56" — as integer cents,
 * rounded down to the cent. Decimal strings are read digit by digit and numbers through
 * their shortest round-trip text, so 1234.56 is exactly 123456 cents, never 123455.
 * Refuses NaN, infinities, zero, negatives, exponents in strings, and more than
 * MAX_VOLUME_USD.
 */
export function parseUsdCents(value: unknown): { cents: number } | { error: string } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: 'must be a finite number' };
    if (value <= 0) return { error: 'must be greater than 0' };
    if (value > MAX_VOLUME_USD) return { error: `must be at most ${MAX_VOLUME_USD.toLocaleString('en-US')}` };
    // Below 1e-6 String() switches to exponent form; such a volume is 0 cents anyway.
    text = value < 1e-6 ? '0.000001' : String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return {
      error:
        value === undefined ? 'is required' : 'must be a positive number or a decimal string like "1234.56"',
    };
  }
  const match = /^(\d{1,16})(?:\.(\d{1,30}))?$/.exec(text);
  if (!match) return { error: 'must be a positive number or a decimal string like "1234.56"' };
  const whole = BigInt(match[1]!);
  const fraction = match[2] ?? '';
  const positive = whole > 0n || /[1-9]/.test(fraction);
  if (!positive) return { error: 'must be greater than 0' };
  const max = BigInt(MAX_VOLUME_USD);
  if (whole > max || (whole === max && /[1-9]/.test(fraction))) {
    return { error: `must be at most ${MAX_VOLUME_USD.toLocaleString('en-US')}` };
  }
  const cents = whole * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  return { cents: Number(cents) };
}

/** 123456 → "1,234.56" (for ledger reasons a member reads). */
export function formatUsd(cents: number): string {
  const whole = Math.floor(cents / 100).toLocaleString('en-US');
  return `${whole}.${String(cents % 100).padStart(2, '0')}`;
}
