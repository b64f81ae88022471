import {
  and,
  asc,
  count,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  min,
  ne,
  sql,
} from 'drizzle-orm';
import { SqliteError } from 'better-sqlite3';
import type { Db } from './open.ts';
import { redemptions, rewards, type RedemptionStatus } from './schema.ts';

export type RewardRow = typeof rewards.$inferSelect;

export type RedemptionRow = typeof redemptions.$inferSelect;

/** A redemption with the reward's name and kind, for lists and messages. */
export interface RedemptionView extends RedemptionRow {
  rewardName: string;
  rewardKind: RewardRow['kind'];
  roleId: string | null;
}

/** The fields a moderator sets on a reward (validated by the shop before they get here). */
export type RewardValues = Pick<
  RewardRow,
  | 'name'
  | 'nameKey'
  | 'cost'
  | 'kind'
  | 'roleId'
  | 'description'
  | 'stock'
  | 'perMemberLimit'
  | 'durationSeconds'
  | 'inputLabel'
  | 'inputKind'
  | 'requiredRoleId'
  | 'imageUrl'
  | 'minMemberDays'
  | 'minAccountDays'
  | 'verifiedWallet'
  | 'requiresWallet'
>;

export type NewRedemption = {
  guildId: string;
  userId: string;
  rewardId: number;
  cost: number;
  /** NULL for a prize (a raffle's): nothing was charged, nothing is held. */
  holdTransferId: number | null;
  /** What handed out a prize ('raffle:<id>'); NULL for a purchase. */
  source?: string | null;
  status: RedemptionStatus;
  input: string | null;
  /** The member's linked wallet, for a reward that requires one. */
  walletAddress?: string | null;
  key: string;
  now: number;
};

export type Settlement = {
  id: number;
  from: RedemptionStatus;
  to: RedemptionStatus;
  failureCode: string | null;
  resolvedBy: string | null;
  expiresAt: number | null;
  notifiedAt: number | null;
  now: number;
};

const ph = sql.placeholder;
/** A placeholder where drizzle's `set` wants an SQL value. */
const setTo = (name: string) => sql`${ph(name)}`;

export const VALUE_COLUMNS = [
  'name',
  'nameKey',
  'cost',
  'kind',
  'roleId',
  'description',
  'stock',
  'perMemberLimit',
  'durationSeconds',
  'inputLabel',
  'inputKind',
  'requiredRoleId',
  'imageUrl',
  'minMemberDays',
  'minAccountDays',
  'verifiedWallet',
  'requiresWallet',
] as const satisfies readonly (keyof RewardValues)[];

const VIEW = {
  ...getTableColumns(redemptions),
  rewardName: rewards.name,
  rewardKind: rewards.kind,
  roleId: rewards.roleId,
};

/** Timed roles still on a member: the expiry timer's working set (a partial index). */
const timedRoleOn = and(
  isNotNull(redemptions.expiresAt),
  isNull(redemptions.roleRemovedAt),
  eq(redemptions.status, 'fulfilled'),
);
/** Guild ids travel as one JSON parameter, so one prepared statement serves any shard's guilds. */
const inGuilds = sql`${redemptions.guildId} IN (SELECT value FROM json_each(${ph('guilds')}))`;

function prepare(db: Db) {
  const { orm } = db;
  const view = () =>
    orm.select(VIEW).from(redemptions).innerJoin(rewards, eq(rewards.id, redemptions.rewardId));
  const byRewardId = eq(rewards.id, ph('id'));
  return {
    rewardById: orm.select().from(rewards).where(byRewardId).prepare(),
    liveRewardByName: orm
      .select()
      .from(rewards)
      .where(
        and(
          eq(rewards.guildId, ph('guildId')),
          eq(rewards.nameKey, ph('nameKey')),
          isNull(rewards.removedAt),
        ),
      )
      .prepare(),
    liveRewards: orm
      .select()
      .from(rewards)
      .where(and(eq(rewards.guildId, ph('guildId')), isNull(rewards.removedAt)))
      .orderBy(asc(rewards.cost), asc(rewards.nameKey))
      .prepare(),
    insertReward: orm
      .insert(rewards)
      .values({
        ...Object.fromEntries(VALUE_COLUMNS.map((c) => [c, ph(c)])),
        guildId: ph('guildId'),
        name: ph('name'),
        nameKey: ph('nameKey'),
        cost: ph('cost'),
        kind: ph('kind'),
        createdBy: ph('createdBy'),
        createdAt: ph('now'),
        updatedAt: ph('now'),
      })
      .returning()
      .prepare(),
    updateReward: orm
      .update(rewards)
      .set({
        ...Object.fromEntries(VALUE_COLUMNS.map((c) => [c, setTo(c)])),
        enabled: setTo('enabled'),
        disabledReason: setTo('disabledReason'),
        updatedAt: setTo('now'),
      })
      .where(byRewardId)
      .prepare(),
    removeReward: orm
      .update(rewards)
      .set({ removedAt: setTo('now'), updatedAt: setTo('now') })
      .where(byRewardId)
      .prepare(),
    disableReward: orm
      .update(rewards)
      .set({ enabled: 0, disabledReason: setTo('reason'), updatedAt: setTo('now') })
      .where(byRewardId)
      .prepare(),
    takeStock: orm
      .update(rewards)
      .set({ stock: sql`${rewards.stock} - 1` })
      .where(and(byRewardId, gt(rewards.stock, 0)))
      .prepare(),
    returnStock: orm
      .update(rewards)
      .set({ stock: sql`${rewards.stock} + 1` })
      .where(and(byRewardId, isNotNull(rewards.stock)))
      .prepare(),
    countHeld: orm
      .select({ n: count() })
      .from(redemptions)
      .where(
        and(
          eq(redemptions.guildId, ph('guildId')),
          eq(redemptions.userId, ph('userId')),
          eq(redemptions.rewardId, ph('rewardId')),
          ne(redemptions.status, 'refunded'),
        ),
      )
      .prepare(),
    heldByReward: orm
      .select({ rewardId: redemptions.rewardId, n: count() })
      .from(redemptions)
      .where(
        and(
          eq(redemptions.guildId, ph('guildId')),
          eq(redemptions.userId, ph('userId')),
          ne(redemptions.status, 'refunded'),
        ),
      )
      .groupBy(redemptions.rewardId)
      .prepare(),
    insertRedemption: orm
      .insert(redemptions)
      .values({
        guildId: ph('guildId'),
        userId: ph('userId'),
        rewardId: ph('rewardId'),
        cost: ph('cost'),
        holdTransferId: ph('holdTransferId'),
        source: ph('source'),
        status: ph('status'),
        input: ph('input'),
        walletAddress: ph('walletAddress'),
        idempotencyKey: ph('key'),
        createdAt: ph('now'),
        updatedAt: ph('now'),
      })
      .returning({ id: redemptions.id })
      .prepare(),
    byId: view()
      .where(eq(redemptions.id, ph('id')))
      .prepare(),
    byKey: view()
      .where(and(eq(redemptions.guildId, ph('guildId')), eq(redemptions.idempotencyKey, ph('key'))))
      .prepare(),
    settle: orm
      .update(redemptions)
      .set({
        status: setTo('to'),
        failureCode: setTo('failureCode'),
        resolvedBy: setTo('resolvedBy'),
        resolvedAt: setTo('now'),
        updatedAt: setTo('now'),
        expiresAt: setTo('expiresAt'),
        memberNotifiedAt: setTo('notifiedAt'),
      })
      .where(and(eq(redemptions.id, ph('id')), eq(redemptions.status, ph('from'))))
      .prepare(),
    toPendingManual: orm
      .update(redemptions)
      .set({ status: 'pending_manual', updatedAt: setTo('now') })
      .where(and(eq(redemptions.id, ph('id')), eq(redemptions.status, 'reserved')))
      .prepare(),
    reserved: view()
      .where(and(eq(redemptions.guildId, ph('guildId')), eq(redemptions.status, 'reserved')))
      .orderBy(asc(redemptions.id))
      .prepare(),
    pendingManual: view()
      .where(and(eq(redemptions.guildId, ph('guildId')), eq(redemptions.status, 'pending_manual')))
      .orderBy(asc(redemptions.createdAt), asc(redemptions.id))
      .limit(ph('limit'))
      .offset(ph('offset'))
      .prepare(),
    countPendingManual: orm
      .select({ n: count() })
      .from(redemptions)
      .where(and(eq(redemptions.guildId, ph('guildId')), eq(redemptions.status, 'pending_manual')))
      .prepare(),
    dueExpiries: view()
      .where(and(timedRoleOn, sql`${redemptions.expiresAt} <= ${ph('now')}`, inGuilds))
      .orderBy(asc(redemptions.expiresAt))
      .limit(ph('limit'))
      .prepare(),
    nextExpiry: orm
      .select({ at: min(redemptions.expiresAt) })
      .from(redemptions)
      .where(and(timedRoleOn, inGuilds))
      .prepare(),
    markRoleRemoved: orm
      .update(redemptions)
      .set({ roleRemovedAt: setTo('now'), updatedAt: setTo('now') })
      .where(and(eq(redemptions.id, ph('id')), isNull(redemptions.roleRemovedAt)))
      .prepare(),
    activeTimedGrants: orm
      .select({ n: count() })
      .from(redemptions)
      .where(and(eq(redemptions.rewardId, ph('rewardId')), timedRoleOn))
      .prepare(),
    unnotified: view()
      .where(
        and(
          eq(redemptions.guildId, ph('guildId')),
          eq(redemptions.userId, ph('userId')),
          inArray(redemptions.status, ['fulfilled', 'refunded']),
          isNull(redemptions.memberNotifiedAt),
        ),
      )
      .orderBy(asc(redemptions.id))
      .limit(10)
      .prepare(),
    markNotified: orm
      .update(redemptions)
      .set({ memberNotifiedAt: setTo('now'), updatedAt: setTo('now') })
      .where(and(eq(redemptions.id, ph('id')), isNull(redemptions.memberNotifiedAt)))
      .prepare(),
    badges: orm
      .select({
        rewardId: rewards.id,
        name: rewards.name,
        count: count(),
        firstAt: sql<number>`MIN(${redemptions.resolvedAt})`.as('firstAt'),
      })
      .from(redemptions)
      .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
      .where(
        and(
          eq(redemptions.guildId, ph('guildId')),
          eq(redemptions.userId, ph('userId')),
          eq(redemptions.status, 'fulfilled'),
          eq(rewards.kind, 'badge'),
        ),
      )
      .groupBy(rewards.id)
      .orderBy(sql`firstAt`, asc(rewards.id))
      .prepare(),
    // The redemptions_status_reward index (covering): one range per status, then a small join.
    redemptionsByReward: orm
      .select({
        rewardId: rewards.id,
        name: rewards.name,
        redemptions: count(),
        sparks: sql<number>`SUM(${redemptions.cost})`,
      })
      .from(redemptions)
      .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
      .where(
        and(
          eq(redemptions.guildId, ph('guildId')),
          inArray(redemptions.status, ['fulfilled', 'pending_manual']),
          gte(redemptions.createdAt, ph('since')),
        ),
      )
      .groupBy(rewards.id)
      .orderBy(sql`3 DESC`, asc(rewards.id))
      .prepare(),
  };
}

/**
 * Owner of `rewards` and `redemptions`, prepared once per connection. Statements that
 * change stock or status are guarded (`WHERE stock > 0`, `WHERE status = @from`) so that,
 * run inside an immediate transaction, they can never oversell or settle twice —
 * whichever process runs them. Writes must run inside the caller's `db.write`.
 */
export class ShopStore {
  private readonly s: ReturnType<typeof prepare>;

  constructor(db: Db) {
    this.s = prepare(db);
  }

  rewardById(id: number): RewardRow | undefined {
    return this.s.rewardById.get({ id });
  }

  liveRewardByName(guildId: string, nameKey: string): RewardRow | undefined {
    return this.s.liveRewardByName.get({ guildId, nameKey });
  }

  /** Rewards not removed (enabled or not), cheapest first. */
  liveRewards(guildId: string): RewardRow[] {
    return this.s.liveRewards.all({ guildId });
  }

  /** Adds a reward, enabled; null when a live reward of the guild already has its name. */
  insertReward(
    guildId: string,
    values: RewardValues,
    by: { createdBy: string; now: number },
  ): RewardRow | null {
    return nameTaken(() => this.s.insertReward.get({ ...values, guildId, ...by }));
  }

  /**
   * Sets every field of a reward, its on-sale state included; false when another live
   * reward of the guild already has the name.
   */
  updateReward(
    id: number,
    values: RewardValues & Pick<RewardRow, 'enabled' | 'disabledReason'>,
    now: number,
  ): boolean {
    return nameTaken(() => this.s.updateReward.run({ ...values, id, now })) !== null;
  }

  /** Stamps a reward removed: it leaves the shop, its name becomes free, its history stays. */
  removeReward(id: number, now: number): void {
    this.s.removeReward.run({ id, now });
  }

  /** Takes a reward off sale with a reason; false when there is no such reward. */
  disableReward(id: number, reason: string, now: number): boolean {
    return this.s.disableReward.run({ id, reason, now }).changes === 1;
  }

  /** Takes one unit of a limited stock; false when none is left. */
  takeStock(rewardId: number): boolean {
    return this.s.takeStock.run({ id: rewardId }).changes === 1;
  }

  returnStock(rewardId: number): void {
    this.s.returnStock.run({ id: rewardId });
  }

  /** Redemptions of a reward by a member that count against the per-member limit (not refunded). */
  countHeld(guildId: string, userId: string, rewardId: number): number {
    return this.s.countHeld.get({ guildId, userId, rewardId })!.n;
  }

  heldByReward(guildId: string, userId: string): Map<number, number> {
    return new Map(this.s.heldByReward.all({ guildId, userId }).map((r) => [r.rewardId, r.n]));
  }

  insertRedemption(row: NewRedemption): number {
    return this.s.insertRedemption.get({
      ...row,
      source: row.source ?? null,
      walletAddress: row.walletAddress ?? null,
    }).id;
  }

  byId(id: number): RedemptionView | undefined {
    return this.s.byId.get({ id });
  }

  byKey(guildId: string, key: string): RedemptionView | undefined {
    return this.s.byKey.get({ guildId, key });
  }

  /** Moves a redemption out of `from`; false when it was no longer there (settled elsewhere). */
  settle(change: Settlement): boolean {
    return this.s.settle.run(change).changes === 1;
  }

  toPendingManual(id: number, now: number): boolean {
    return this.s.toPendingManual.run({ id, now }).changes === 1;
  }

  reserved(guildId: string): RedemptionView[] {
    return this.s.reserved.all({ guildId });
  }

  pendingManual(guildId: string, limit: number, offset: number): RedemptionView[] {
    return this.s.pendingManual.all({ guildId, limit, offset });
  }

  countPendingManual(guildId: string): number {
    return this.s.countPendingManual.get({ guildId })!.n;
  }

  dueExpiries(guildIds: readonly string[], now: number, limit: number): RedemptionView[] {
    return this.s.dueExpiries.all({ now, guilds: JSON.stringify(guildIds), limit });
  }

  nextExpiry(guildIds: readonly string[]): number | null {
    return this.s.nextExpiry.get({ guilds: JSON.stringify(guildIds) })?.at ?? null;
  }

  markRoleRemoved(id: number, now: number): void {
    this.s.markRoleRemoved.run({ id, now });
  }

  activeTimedGrants(rewardId: number): number {
    return this.s.activeTimedGrants.get({ rewardId })!.n;
  }

  unnotified(guildId: string, userId: string): RedemptionView[] {
    return this.s.unnotified.all({ guildId, userId });
  }

  markNotified(id: number, now: number): boolean {
    return this.s.markNotified.run({ id, now }).changes === 1;
  }

  badges(
    guildId: string,
    userId: string,
  ): { rewardId: number; name: string; count: number; firstAt: number }[] {
    return this.s.badges.all({ guildId, userId });
  }

  /** Redemptions made since `since` that were not refunded (fulfilled or awaiting a moderator), per reward, most first. */
  redemptionsByReward(
    guildId: string,
    since: number,
  ): { rewardId: number; name: string; redemptions: number; sparks: number }[] {
    return this.s.redemptionsByReward.all({ guildId, since });
  }
}

/** The shop store's methods, whichever engine: `ShopStore` here, `PgShopStore` on PostgreSQL. */
export type ShopStoreApi = { [K in keyof ShopStore]: ShopStore[K] };

/** Two moderators naming rewards alike at once: the unique index decides (null: it refused). */
function nameTaken<T>(write: () => T): T | null {
  try {
    return write();
  } catch (e) {
    if (e instanceof SqliteError && e.message.includes('rewards.guild_id, rewards.name_key')) return null;
    throw e;
  }
}
