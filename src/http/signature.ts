/**
 * Standard Webhooks verification over the raw body bytes, with every configured secret
 * (during a rotation the platform may sign with either, or with both in one header).
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { HttpErrorCode } from './errors.ts';

/** SPEC §6: a timestamp further than this from now, either way, is refused. */
export const TOLERANCE_SECONDS = 5 * 60;

export type Verification =
  { ok: true; id: string; timestamp: number } | { ok: false; code: HttpErrorCode; message: string };

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export class SignatureVerifier {
  private readonly webhooks: Webhook[];

  /** Throws if no secret is given: an endpoint that accepts anything is not an option. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('WEBHOOK_SECRET is required to verify platform events');
    this.webhooks = secrets.map((s) => new Webhook(s));
  }

  /**
   * Checks the three headers, the timestamp window and the signature (any `v1,` entry of
   * the header under any secret). The library compares against the wall clock, so this
   * does too. Never throws.
   */
  verify(raw: Buffer, headers: Record<string, string | string[] | undefined>): Verification {
    const values: Record<string, string> = {};
    for (const name of HEADERS) {
      const value = headers[name];
      if (typeof value !== 'string' || value.trim() === '') {
        return { ok: false, code: 'WEBHOOK.MISSING_HEADER', message: `the ${name} header is missing` };
      }
      values[name] = value;
    }
    const timestampText = values['webhook-timestamp']!;
    if (!/^\d{1,12}$/.test(timestampText)) {
      return {
        ok: false,
        code: 'WEBHOOK.BAD_TIMESTAMP',
        message: 'webhook-timestamp must be whole seconds since the epoch',
      };
    }
    const timestamp = Number(timestampText);
    const now = Math.floor(Date.now() / 1000);
    if (now - timestamp > TOLERANCE_SECONDS) {
      return {
        ok: false,
        code: 'WEBHOOK.STALE_TIMESTAMP',
        message: `webhook-timestamp is more than ${TOLERANCE_SECONDS} seconds in the past`,
      };
    }
    if (timestamp - now > TOLERANCE_SECONDS) {
      return {
        ok: false,
        code: 'WEBHOOK.FUTURE_TIMESTAMP',
        message: `webhook-timestamp is more than ${TOLERANCE_SECONDS} seconds in the future`,
      };
    }
    for (const webhook of this.webhooks) {
      try {
        webhook.verify(raw, values, { jsonParse: false });
        return { ok: true, id: values['webhook-id']!, timestamp };
      } catch (e) {
        // A timestamp refusal here means the clock moved past the edge since the check above.
        if (e instanceof WebhookVerificationError && /timestamp/i.test(e.message)) {
          return {
            ok: false,
            code: 'WEBHOOK.STALE_TIMESTAMP',
            message: 'webhook-timestamp is outside the window',
          };
        }
      }
    }
    return {
      ok: false,
      code: 'WEBHOOK.BAD_SIGNATURE',
      message: 'no webhook-signature matches the body under any configured secret',
    };
  }
}
