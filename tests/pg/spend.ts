import type pg from 'pg';
import { withRetry, type RetryOptions } from '../../src/db/pg/open.ts';

export const SPEND = 7;

export interface SpendResult {
  ok: number;
  /** Refusals by `code constraint`. */
  refused: Record<string, number>;
  /** Errors that are not a database refusal (anything that is not a DatabaseError). */
  other: string[];
  retries: number;
}

/**
 * `workers` concurrent loops on `pool`, each trying `attempts` times to hold SPEND Sparks of
 * `member` (an entry member → hold), each attempt its own withRetry transaction.
 */
export async function spendAttempts(
  pool: pg.Pool,
  o: {
    guild: string;
    member: number;
    hold: number;
    workers: number;
    attempts: number;
    isolation?: RetryOptions['isolation'];
    tag: string;
  },
): Promise<SpendResult> {
  const result: SpendResult = { ok: 0, refused: {}, other: [], retries: 0 };
  const worker = async (w: number) => {
    for (let i = 0; i < o.attempts; i++) {
      try {
        await withRetry(
          pool,
          (c) =>
            c.query(
              `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key,
                 actor_type, actor_id, reason, created_at)
               VALUES ($1, 'hold', $2, $3, $4, $5, 'member', 'm', 'contention', $6)`,
              [o.guild, o.member, o.hold, SPEND, `${o.tag}-${w}-${i}`, Date.now()],
            ),
          { isolation: o.isolation, onRetry: () => result.retries++ },
        );
        result.ok++;
      } catch (e) {
        const err = e as { code?: unknown; constraint?: unknown; message?: string };
        if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
          const k = `${err.code} ${String(err.constraint)}`;
          result.refused[k] = (result.refused[k] ?? 0) + 1;
        } else result.other.push(String(err.message ?? e));
      }
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)));
  return result;
}
