import { loadImage } from '@napi-rs/canvas';
import type { BotWorld } from '../../testkit/bot.ts';
import { rowsOn } from './engines.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks the PNG signature, then decodes the image for real; returns its size. */
export async function decodePng(data: Buffer): Promise<{ width: number; height: number }> {
  if (!data.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG (bad signature)');
  const image = await loadImage(data);
  return { width: image.width, height: image.height };
}

/** Credits a member straight through the ledger (test set-up; the plugins see it like any entry). */
export function credit(
  w: BotWorld,
  userId: string,
  amount: number,
  key: string,
  extra: { source?: 'award' | 'campaign' | 'platform'; kind?: string; ref?: string; reason?: string } = {},
) {
  return w.app.services.ledger.credit({
    guildId: w.guildId,
    userId,
    source: extra.source ?? 'award',
    kind: (extra.kind ?? 'award') as 'award',
    amount,
    key,
    actor: { type: 'moderator', id: w.users.mod },
    reason: extra.reason ?? 'test',
    ref: extra.ref ?? null,
  });
}

/** A campaign row (no claims), so `campaign:<id>` entries have a name to show. */
export function seedCampaign(w: BotWorld, name: string): number {
  const now = w.app.services.clock();
  const [row] = rowsOn(
    w.app.services.db,
    `INSERT INTO campaigns (guild_id, channel_id, message_id, emoji_key, emoji_display, name, sparks, created_by, created_at)
     VALUES (?, ?, '1', '🔥', '🔥', ?, 10, ?, ?) RETURNING id`,
    [w.guildId, w.channelId, name, w.users.mod, now],
  );
  return Number(row!.id);
}

/**
 * A reward and one redemption of it by `userId`, as the shop would leave it: the cost held,
 * then posted (fulfilled) or voided (refunded). Keeps `npm run verify` clean.
 */
export function seedRedemption(
  w: BotWorld,
  userId: string,
  reward: { name: string; kind: 'badge' | 'manual'; cost: number },
  outcome: 'fulfilled' | 'refunded',
  key: string,
): void {
  const { db, ledger, clock } = w.app.services;
  db.write(() => {
    const now = clock();
    const [existing] = rowsOn(
      db,
      `SELECT id FROM rewards WHERE guild_id = ? AND name_key = ? AND removed_at IS NULL`,
      [w.guildId, reward.name.toLowerCase()],
    );
    const rewardId = Number(
      (existing ??
        rowsOn(
          db,
          `INSERT INTO rewards (guild_id, name, name_key, cost, kind, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [
            w.guildId,
            reward.name,
            reward.name.toLowerCase(),
            reward.cost,
            reward.kind,
            w.users.mod,
            now,
            now,
          ],
        )[0])!.id,
    );
    const next = Number(rowsOn(db, `SELECT COALESCE(MAX(id), 0) + 1 AS n FROM redemptions`)[0]!.n);
    const actor = { type: 'member', id: userId } as const;
    const hold = ledger.hold({
      guildId: w.guildId,
      userId,
      amount: reward.cost,
      key: `${key}:hold`,
      actor,
      ref: `redemption:${next}`,
    }).transfer;
    if (outcome === 'fulfilled') ledger.closeHold(hold.id, 'post', { key: `${key}:post`, actor });
    else ledger.closeHold(hold.id, 'void', { key: `${key}:void`, actor, reason: 'out of stock' });
    rowsOn(
      db,
      `INSERT INTO redemptions (id, guild_id, user_id, reward_id, cost, hold_transfer_id, status, idempotency_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [next, w.guildId, userId, rewardId, reward.cost, hold.id, outcome, key, now, now],
    );
  });
}

/** The ranked flag of a member's account (undefined without one). */
export function rankedFlag(w: BotWorld, userId: string): number | undefined {
  return w.app.services.ledger.reads.account(w.guildId, { type: 'member', ref: userId })?.ranked;
}
