import type { AuditSink } from '../audit.ts';
import type { AppDb } from '../db/engine.ts';
import type { RedemptionView, RewardRow, ShopStoreApi } from '../db/shop-store.ts';
import { SparksError } from '../core/errors.ts';
import type { Actor, Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../core/clock.ts';
import { crashPoint } from '../core/crash.ts';
import { MAX_FREEZES } from '../streaks/fold.ts';
import '../streaks/errors.ts';
import { gateRefusal, gatesOf, walletRequired } from '../members/gates.ts';
import { isRequiredWallet, NO_WALLETS, type WalletLookup } from '../wallets/wallets.ts';
import { validateInput } from './input.ts';
import { inputKindOf, type RewardService } from './rewards.ts';
import { NO_FLAGS, type FlagCheck } from '../members/flags.ts';

export type { RedemptionView } from '../db/shop-store.ts';

/**
 * Why a redemption was refunded. The first five are permanent (the reward is taken off sale
 * until a moderator fixes it); the others concern this one redemption.
 */
export type FailureCode =
  | 'role_missing'
  | 'role_managed'
  | 'role_dangerous'
  | 'role_too_high'
  | 'bot_missing_permission'
  | 'member_left'
  | 'discord_unavailable'
  | 'interrupted'
  | 'rejected';

/** What one attempt to hand out a role came to. */
export type GrantOutcome =
  | { ok: true }
  | { ok: false; reason: FailureCode; permanent: boolean; detail?: string }
  /** Discord may or may not have applied it (or the bot is stopping): decide later by looking. */
  | { ok: 'unknown' };

/**
 * The Discord side of fulfilment, injected so this service stays free of discord.js (the
 * bot passes one bound to a guild; tests pass a fake).
 */
export interface RoleGranter {
  grant(userId: string, roleId: string, auditReason: string): Promise<GrantOutcome>;
  /** Whether the member holds the role now; 'left' when not in the guild; null when unknown. */
  holds(userId: string, roleId: string): Promise<boolean | 'left' | null>;
}

/**
 * How many streak freezes a member holds now (src/streaks answers it, exact inside the
 * caller's transaction): a `streak_freeze` reward is refused at MAX_FREEZES.
 */
export interface FreezeCounter {
  freezesHeld(guildId: string, userId: string): number;
}

export interface RedeemRequest {
  guildId: string;
  userId: string;
  rewardId: number;
  /** The cost the member saw on the confirmation; if the reward's cost changed since, it is stale. */
  confirmedCost: number;
  /**
   * Exactly-once key of the confirmation (not of the click): every click on the same
   * confirmation, concurrent or repeated, maps to one redemption.
   */
  key: string;
  /** The member's roles now (from the interaction), for the required role and ownership. */
  memberRoleIds: readonly string[];
  /** When they joined the server (ms), for a `min_member_days` gate; null or absent = unknown. */
  joinedAt?: number | null;
  /** What the member typed, for a manual reward that asks for input. */
  input?: string | null;
}

export interface Reservation {
  redemption: RedemptionView;
  reward: RewardRow;
  /** The key had been used: nothing new happened; `redemption` is the first one, as it stands. */
  duplicate: boolean;
}

export type Settled = 'fulfilled' | 'refunded';
export type SettledHook = (redemption: RedemptionView, outcome: Settled) => void;

/** The end of a fulfilment attempt. `unknown`: still reserved, recovery decides by looking. */
export type FulfilResult =
  | { status: 'fulfilled'; redemption: RedemptionView }
  | { status: 'refunded'; redemption: RedemptionView; failure: FailureCode; rewardDisabled: boolean }
  | { status: 'unknown'; redemption: RedemptionView }
  /** Someone else settled it first (a concurrent path, a moderator); nothing was changed. */
  | { status: 'already'; redemption: RedemptionView };

/**
 * How one confirmed redemption ended for the member who confirmed it, whichever edge they
 * used (a Discord button, a web form). `duplicate`: the confirmation's key had been used,
 * nothing new happened and `result` is `already` with the first redemption as it stands.
 * `restarting`: the bot was stopping, so an `unknown`
 * result is settled after the restart.
 */
export interface RedeemOutcome {
  reward: RewardRow;
  duplicate: boolean;
  result: FulfilResult | { status: 'pending_manual'; redemption: RedemptionView };
  restarting: boolean;
}

export interface RecoveryResult {
  fulfilled: RedemptionView[];
  refunded: RedemptionView[];
  pendingManual: RedemptionView[];
  /** Left reserved: Discord could not say whether the member holds the role. */
  unresolved: number;
}

interface Settlement {
  to: Settled;
  actor: Actor;
  failureCode?: FailureCode;
  /** The member saw the outcome where they redeemed (no DM or note needed). */
  notified: boolean;
}

const SYSTEM: Actor = { type: 'system', id: 'shop' };

/** Rewards that need nothing from Discord or a moderator: fulfilled as they are reserved. */
function deliveredAtOnce(reward: RewardRow): boolean {
  return (reward.kind === 'badge' && !reward.roleId) || reward.kind === 'streak_freeze';
}

/**
 * Redemptions, in two phases so a Discord call never runs inside a transaction:
 *
 * 1. `reserve` — one immediate write: the reward is on sale, the member has the required
 *    role, is under the per-member limit (non-refunded redemptions, counted inside the
 *    write), one unit of stock is taken by a guarded UPDATE, the cost is held on the
 *    ledger, and the redemption row is inserted. Idempotent on the confirmation's key.
 * 2. `fulfil` (outside any transaction) asks Discord for the role, then one write posts the
 *    hold (fulfilled) or voids it (refunded, stock returned). Badges without a role are
 *    fulfilled inside `reserve`; manual rewards wait for a moderator (`resolveManual`).
 *
 * A crash between the phases leaves the redemption `reserved`; `recover` settles it by
 * looking at the member. Every redemption ends fulfilled, refunded or pending_manual, and
 * its hold is closed exactly when it leaves reserved/pending_manual (verifyLedger checks).
 */
export class RedemptionService {
  private readonly hooks: SettledHook[] = [];
  /**
   * Reserved redemptions this process owns — from `reserve` until `fulfil` ends, or while a
   * recovery pass settles them: recovery leaves them alone.
   */
  private readonly inFlight = new Set<number>();
  private accepting = true;

  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly rewards: RewardService;
  private readonly store: ShopStoreApi;
  private readonly clock: Clock;
  private readonly audit: AuditSink;
  private readonly freezes: FreezeCounter | undefined;

  /** For the wallet gate and the address a manual reward fills in (none without). */
  private readonly wallets: WalletLookup;
  private readonly flags: FlagCheck;

  constructor(deps: {
    db: AppDb;
    ledger: Ledger;
    rewards: RewardService;
    clock: Clock;
    audit: AuditSink;
    /** Needed to sell `streak_freeze` rewards; without it they are not on sale. */
    freezes?: FreezeCounter;
    wallets?: WalletLookup;
    /** Flagged members cannot redeem (SPEC §11); default: no one is flagged. */
    flags?: FlagCheck;
  }) {
    this.db = deps.db;
    this.freezes = deps.freezes;
    this.wallets = deps.wallets ?? NO_WALLETS;
    this.ledger = deps.ledger;
    this.rewards = deps.rewards;
    this.store = deps.rewards.store;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.flags = deps.flags ?? NO_FLAGS;
  }

  /**
   * Registers a function called synchronously INSIDE the transaction that settles a
   * redemption (fulfilled or refunded) — e.g. to enqueue an outbound event atomically with
   * it. A hook that throws rolls the settlement back.
   */
  onSettled(hook: SettledHook): void {
    this.hooks.push(hook);
  }

  /** While false, new reservations get SPARKS.BOT_BUSY (the start-up recovery pass is running). */
  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  /**
   * Phase one. Errors: SPARKS.BOT_BUSY, SPARKS.REWARD_UNAVAILABLE (removed or disabled),
   * SPARKS.STALE_COMPONENT (the cost changed since the confirmation), SPARKS.FLAGGED (under
   * review), the gates' SPARKS.ROLE_REQUIRED { roleId } / MEMBER_TOO_NEW / ACCOUNT_TOO_NEW /
   * WALLET_REQUIRED (also for a manual reward that fills in a wallet and none is linked),
   * SPARKS.ALREADY_OWNED { roleId }, SPARKS.LIMIT_REACHED, SPARKS.SOLD_OUT, SPARKS.INSUFFICIENT,
   * SPARKS.REDEEM_INPUT_INVALID (params.problem: an InputProblem), SPARKS.STREAK_FREEZES_FULL
   * { held, max } (a streak freeze, with MAX_FREEZES held). A badge without a role and a
   * streak freeze need nothing from Discord: they are fulfilled in this same write.
   */
  reserve(req: RedeemRequest): Reservation {
    const result = this.db.write((): Reservation => {
      const existing = this.store.byKey(req.guildId, req.key);
      if (existing && existing.userId !== req.userId) throw new SparksError('SPARKS.STALE_COMPONENT');
      if (existing)
        return { redemption: existing, reward: this.store.rewardById(existing.rewardId)!, duplicate: true };
      if (!this.accepting) throw new SparksError('SPARKS.BOT_BUSY');
      const reward = this.eligible(req);
      if (reward.cost !== req.confirmedCost) throw new SparksError('SPARKS.STALE_COMPONENT');
      const input = this.checkInput(reward, req);
      const walletAddress = this.requiredWallet(reward, req);
      if (reward.stock !== null && !this.store.takeStock(reward.id))
        throw new SparksError('SPARKS.SOLD_OUT', { name: reward.name });
      const hold = this.ledger.hold({
        guildId: req.guildId,
        userId: req.userId,
        amount: reward.cost,
        key: `${req.key}:hold`,
        actor: { type: 'member', id: req.userId },
        reason: reward.name,
        ref: `reward:${reward.id}`,
      });
      const id = this.store.insertRedemption({
        guildId: req.guildId,
        userId: req.userId,
        rewardId: reward.id,
        cost: reward.cost,
        holdTransferId: hold.transfer.id,
        status: reward.kind === 'manual' ? 'pending_manual' : 'reserved',
        input,
        walletAddress,
        key: req.key,
        now: this.clock(),
      });
      let redemption = this.store.byId(id)!;
      // A badge without a role or a streak freeze needs nothing from Discord: delivered here.
      if (deliveredAtOnce(reward))
        redemption = this.settleInTx(redemption, { to: 'fulfilled', actor: SYSTEM, notified: true })!;
      return { redemption, reward, duplicate: false };
    });
    crashPoint('redemption.reserved');
    if (!result.duplicate) {
      if (result.redemption.status === 'reserved') this.inFlight.add(result.redemption.id);
      this.record('redemption', result.redemption, { actorId: req.userId });
      if (result.redemption.status === 'fulfilled') this.recordSettled(result.redemption, SYSTEM.id);
    }
    return result;
  }

  /**
   * Hands a reward out as a prize (a raffle's win), inside the caller's write: nothing is
   * charged, no stock, limit or required role applies (the prize was promised). The same
   * fulfilment as a purchase follows: a badge without a role is delivered here, a manual
   * reward joins the moderators' queue, a role waits `reserved` for `fulfil` (after the
   * caller's transaction) or `recover`. Idempotent on `key`.
   */
  prizeInTx(req: {
    guildId: string;
    userId: string;
    rewardId: number;
    key: string;
    source: string;
  }): RedemptionView {
    const existing = this.store.byKey(req.guildId, req.key);
    if (existing) return existing;
    const reward = this.store.rewardById(req.rewardId);
    if (!reward || reward.guildId !== req.guildId) throw new SparksError('SPARKS.REWARD_UNAVAILABLE');
    const id = this.store.insertRedemption({
      guildId: req.guildId,
      userId: req.userId,
      rewardId: reward.id,
      cost: 0,
      holdTransferId: null,
      source: req.source,
      status: reward.kind === 'manual' ? 'pending_manual' : 'reserved',
      input: null,
      // A prize was promised: the wallet is filled in when there is one, never asked for.
      walletAddress: isRequiredWallet(reward.requiresWallet)
        ? this.wallets.addressFor(req.guildId, req.userId, reward.requiresWallet)
        : null,
      key: req.key,
      now: this.clock(),
    });
    const redemption = this.store.byId(id)!;
    if (deliveredAtOnce(reward))
      return this.settleInTx(redemption, { to: 'fulfilled', actor: SYSTEM, notified: false })!;
    return redemption;
  }

  /**
   * What a confirmation shows, refusing early what `reserve` would refuse now (the same
   * errors, SPARKS.SOLD_OUT and SPARKS.INSUFFICIENT included). Writes nothing and promises
   * nothing: `reserve` decides again inside its transaction.
   */
  preview(req: Omit<RedeemRequest, 'key' | 'confirmedCost' | 'input'>): {
    reward: RewardRow;
    balance: number;
  } {
    const reward = this.eligible(req);
    this.requiredWallet(reward, req);
    if (reward.stock === 0) throw new SparksError('SPARKS.SOLD_OUT', { name: reward.name });
    const balance = this.ledger.reads.standing(req.guildId, req.userId).balance;
    if (balance < reward.cost)
      throw new SparksError('SPARKS.INSUFFICIENT', { available: balance, requested: reward.cost });
    return { reward, balance };
  }

  /**
   * The rules a confirmation and a reservation share: on sale, through the gates (required
   * role, days in the server, account age, a linked wallet), not owned, under the limit.
   */
  private eligible(
    req: Pick<RedeemRequest, 'guildId' | 'userId' | 'rewardId' | 'memberRoleIds' | 'joinedAt'>,
  ): RewardRow {
    const reward = this.store.rewardById(req.rewardId);
    if (!reward || reward.guildId !== req.guildId || reward.removedAt !== null || reward.enabled !== 1)
      throw new SparksError('SPARKS.REWARD_UNAVAILABLE');
    if (this.flags.isFlagged(req.guildId, req.userId)) throw new SparksError('SPARKS.FLAGGED');
    const refusal = gateRefusal(
      gatesOf(reward),
      {
        userId: req.userId,
        roleIds: req.memberRoleIds,
        joinedAt: req.joinedAt ?? null,
        hasWallet: reward.verifiedWallet === 1 && this.wallets.hasWallet(req.guildId, req.userId),
        walletPage: this.wallets.pageUrl(req.guildId),
      },
      this.clock(),
    );
    if (refusal) throw refusal;
    if (reward.kind === 'role' && reward.roleId && req.memberRoleIds.includes(reward.roleId))
      throw new SparksError('SPARKS.ALREADY_OWNED', { roleId: reward.roleId });
    if (
      reward.perMemberLimit !== null &&
      this.store.countHeld(req.guildId, req.userId, reward.id) >= reward.perMemberLimit
    ) {
      throw new SparksError('SPARKS.LIMIT_REACHED', { name: reward.name, limit: reward.perMemberLimit });
    }
    if (reward.kind === 'streak_freeze') {
      if (!this.freezes) throw new SparksError('SPARKS.REWARD_UNAVAILABLE');
      const held = this.freezes.freezesHeld(req.guildId, req.userId);
      if (held >= MAX_FREEZES)
        throw new SparksError('SPARKS.STREAK_FREEZES_FULL', { held, max: MAX_FREEZES });
    }
    return reward;
  }

  /**
   * Phase two for a redemption `reserve` just made (status reserved): asks Discord through
   * `roles`, then posts or voids the hold. A permanent failure also takes the reward off
   * sale and records `reward.disabled` for the log channel. With an unknown outcome the
   * redemption stays reserved for `recover`. `notified`: the member sees the outcome now.
   * Call it whatever happens to the interaction: the member's Sparks are held until it runs.
   */
  async fulfil(
    redemption: RedemptionView,
    roles: RoleGranter,
    options: { notified: boolean },
  ): Promise<FulfilResult> {
    const current = this.store.byId(redemption.id)!;
    if (current.status !== 'reserved') return { status: 'already', redemption: current };
    const reward = this.store.rewardById(current.rewardId)!;
    try {
      if (!reward.roleId)
        return this.settle(current, { to: 'fulfilled', actor: SYSTEM, notified: options.notified });
      crashPoint('redemption.before-grant');
      const outcome = await roles.grant(
        current.userId,
        reward.roleId,
        `Sparks: redeemed "${reward.name}" (redemption #${current.id})`,
      );
      crashPoint('redemption.after-grant');
      if (outcome.ok === 'unknown') return { status: 'unknown', redemption: current };
      if (outcome.ok)
        return this.settle(current, { to: 'fulfilled', actor: SYSTEM, notified: options.notified });
      return this.refund(
        current,
        reward,
        outcome.reason,
        outcome.permanent,
        options.notified,
        outcome.detail,
      );
    } finally {
      this.inFlight.delete(current.id);
    }
  }

  /**
   * A moderator fulfils (posts the hold) or rejects (voids it, stock returned) a
   * pending manual redemption. Idempotent: a second call finds it settled and returns
   * `changed: false`. Errors: SPARKS.REDEMPTION_NOT_FOUND.
   */
  resolveManual(
    guildId: string,
    redemptionId: number,
    moderatorId: string,
    action: 'fulfil' | 'reject',
  ): { redemption: RedemptionView; changed: boolean } {
    const actor: Actor = { type: 'moderator', id: moderatorId };
    const result = this.db.write(() => {
      const current = this.store.byId(redemptionId);
      if (!current || current.guildId !== guildId) throw new SparksError('SPARKS.REDEMPTION_NOT_FOUND');
      if (current.status !== 'pending_manual') return { redemption: current, changed: false };
      const settled =
        action === 'fulfil'
          ? this.settleInTx(current, { to: 'fulfilled', actor, notified: false })
          : this.settleInTx(current, { to: 'refunded', actor, failureCode: 'rejected', notified: false });
      return settled ? { redemption: settled, changed: true } : { redemption: current, changed: false };
    });
    if (result.changed) this.recordSettled(result.redemption, moderatorId);
    return result;
  }

  /**
   * Settles what a crash left `reserved` in a guild (skipping redemptions this process is
   * fulfilling now): a role reward is fulfilled if the member holds the role and refunded if
   * not (`interrupted`) or if they left (`member_left`); a badge without a role is
   * fulfilled; a manual reward goes to the moderators' queue. When Discord cannot say, the
   * redemption stays reserved for the next pass.
   */
  async recover(guildId: string, roles: RoleGranter): Promise<RecoveryResult> {
    const out: RecoveryResult = { fulfilled: [], refunded: [], pendingManual: [], unresolved: 0 };
    for (const redemption of this.store.reserved(guildId)) {
      if (this.inFlight.has(redemption.id)) continue;
      this.inFlight.add(redemption.id);
      try {
        const reward = this.store.rewardById(redemption.rewardId)!;
        if (reward.kind === 'manual') {
          if (this.db.write(() => this.store.toPendingManual(redemption.id, this.clock())))
            out.pendingManual.push(this.store.byId(redemption.id)!);
          continue;
        }
        const holds = reward.roleId ? await roles.holds(redemption.userId, reward.roleId) : true;
        if (holds === null) {
          out.unresolved++;
          continue;
        }
        // A prize whose role never arrived is owed, not refunded: it is asked for again.
        const result =
          holds === true
            ? this.settle(redemption, { to: 'fulfilled', actor: SYSTEM, notified: false })
            : holds === false && redemption.holdTransferId === null
              ? await this.fulfil(redemption, roles, { notified: false })
              : this.refund(
                  redemption,
                  reward,
                  holds === 'left' ? 'member_left' : 'interrupted',
                  false,
                  false,
                );
        if (result.status === 'fulfilled') out.fulfilled.push(result.redemption);
        if (result.status === 'refunded') out.refunded.push(result.redemption);
      } finally {
        this.inFlight.delete(redemption.id);
      }
    }
    return out;
  }

  get(redemptionId: number): RedemptionView | undefined {
    return this.store.byId(redemptionId);
  }

  /** The redemption a confirmation key made, if any. */
  byKey(guildId: string, key: string): RedemptionView | undefined {
    return this.store.byKey(guildId, key);
  }

  /** The moderators' queue, oldest first. */
  pendingManual(
    guildId: string,
    options: { offset: number; limit: number },
  ): { items: RedemptionView[]; total: number } {
    return {
      items: this.store.pendingManual(guildId, options.limit, options.offset),
      total: this.store.countPendingManual(guildId),
    };
  }

  /** Per reward, how many of a member's redemptions count against its limit. */
  heldByReward(guildId: string, userId: string): Map<number, number> {
    return this.store.heldByReward(guildId, userId);
  }

  /** Badges a member collected (fulfilled badge redemptions), first collected first. */
  badges(
    guildId: string,
    userId: string,
  ): { rewardId: number; name: string; count: number; firstAt: number }[] {
    return this.store.badges(guildId, userId);
  }

  /** Timed roles due to come off by `now`, in the given guilds. */
  dueExpiries(guildIds: readonly string[], now: number, limit = 50): RedemptionView[] {
    return this.store.dueExpiries(guildIds, now, limit);
  }

  /** When the next timed role in the given guilds comes off; null when none is pending. */
  nextExpiry(guildIds: readonly string[]): number | null {
    return this.store.nextExpiry(guildIds);
  }

  /** The role of a timed redemption is gone (removed by the bot, by hand, or with the member). */
  markRoleRemoved(redemptionId: number): void {
    this.db.write(() => this.store.markRoleRemoved(redemptionId, this.clock()));
  }

  /** Settled redemptions whose outcome the member has not been told yet. */
  unnotified(guildId: string, userId: string): RedemptionView[] {
    return this.store.unnotified(guildId, userId);
  }

  /** Marks the member told; false when another path told them first. */
  markNotified(redemptionId: number): boolean {
    return this.db.write(() => this.store.markNotified(redemptionId, this.clock()));
  }

  /**
   * A manual reward that requires a wallet: the address of the member's newest linked wallet
   * of that kind, filled in for the moderators. Errors: SPARKS.WALLET_REQUIRED (none linked,
   * with where to link one).
   */
  private requiredWallet(reward: RewardRow, req: Pick<RedeemRequest, 'guildId' | 'userId'>): string | null {
    if (!isRequiredWallet(reward.requiresWallet)) return null;
    const address = this.wallets.addressFor(req.guildId, req.userId, reward.requiresWallet);
    if (address === null) throw walletRequired(reward.requiresWallet, this.wallets.pageUrl(req.guildId));
    return address;
  }

  private checkInput(reward: RewardRow, req: RedeemRequest): string | null {
    const kind = inputKindOf(reward);
    if (kind === null) return null;
    const check = validateInput(kind, req.input ?? '', req.guildId);
    if (!check.ok)
      throw new SparksError('SPARKS.REDEEM_INPUT_INVALID', {
        problem: check.problem,
        label: reward.inputLabel ?? kind,
      });
    return check.value;
  }

  private refund(
    redemption: RedemptionView,
    reward: RewardRow,
    failure: FailureCode,
    permanent: boolean,
    notified: boolean,
    detail?: string,
  ): FulfilResult {
    let disabled = false;
    const settled = this.db.write(() => {
      const after = this.settleInTx(redemption, {
        to: 'refunded',
        actor: SYSTEM,
        failureCode: failure,
        notified,
      });
      if (after && permanent) disabled = this.rewards.disableInTx(reward.id, failure);
      return after;
    });
    if (!settled) return { status: 'already', redemption: this.store.byId(redemption.id)! };
    this.recordSettled(settled, SYSTEM.id);
    if (disabled) {
      this.audit.record({
        guildId: reward.guildId,
        kind: 'reward.disabled',
        reason: failure,
        fields: {
          Reward: reward.name,
          ...(reward.roleId ? { Role: { type: 'role' as const, id: reward.roleId } } : {}),
          ...(detail ? { Detail: detail } : {}),
          Redemption: `#${redemption.id}`,
        },
        at: this.clock(),
      });
    }
    return { status: 'refunded', redemption: settled, failure, rewardDisabled: disabled };
  }

  private settle(redemption: RedemptionView, settlement: Settlement): FulfilResult {
    const settled = this.db.write(() => this.settleInTx(redemption, settlement));
    crashPoint('redemption.settled');
    if (!settled) return { status: 'already', redemption: this.store.byId(redemption.id)! };
    this.recordSettled(settled, settlement.actor.id);
    return settlement.to === 'fulfilled'
      ? { status: 'fulfilled', redemption: settled }
      : { status: 'refunded', redemption: settled, failure: settlement.failureCode!, rewardDisabled: false };
  }

  /**
   * Posts or voids the hold and moves the row, inside the caller's write; null when the
   * redemption was already settled. Runs the onSettled hooks in the same transaction.
   */
  private settleInTx(redemption: RedemptionView, s: Settlement): RedemptionView | null {
    const current = this.store.byId(redemption.id)!;
    if (current.status !== 'reserved' && current.status !== 'pending_manual') return null;
    const reward = this.store.rewardById(current.rewardId)!;
    const now = this.clock();
    let expiresAt: number | null = null;
    if (current.holdTransferId === null) {
      // A prize: nothing was charged, so nothing is posted or refunded; a refused prize
      // keeps its unit of stock out (it was given away, not sold).
      if (s.to === 'fulfilled' && reward.kind === 'role' && reward.durationSeconds)
        expiresAt = now + reward.durationSeconds * 1000;
    } else if (s.to === 'fulfilled') {
      this.ledger.closeHold(current.holdTransferId, 'post', {
        key: `redemption:${current.id}:post`,
        actor: s.actor,
        reason: reward.name,
      });
      if (reward.kind === 'role' && reward.durationSeconds) expiresAt = now + reward.durationSeconds * 1000;
    } else {
      this.ledger.closeHold(current.holdTransferId, 'void', {
        key: `redemption:${current.id}:void`,
        actor: s.actor,
        reason: `${reward.name}: ${s.failureCode ?? 'refunded'}`,
      });
      this.store.returnStock(reward.id);
    }
    crashPoint('redemption.in-settle');
    const moved = this.store.settle({
      id: current.id,
      from: current.status,
      to: s.to,
      failureCode: s.failureCode ?? null,
      resolvedBy: s.actor.id,
      expiresAt,
      notifiedAt: s.notified ? now : null,
      now,
    });
    if (!moved) throw new Error(`redemption #${current.id} changed under an immediate transaction`);
    const after = this.store.byId(current.id)!;
    for (const hook of this.hooks) hook(after, s.to);
    return after;
  }

  private recordSettled(redemption: RedemptionView, actorId: string): void {
    this.record(
      redemption.status === 'fulfilled' ? 'redemption.fulfilled' : 'redemption.refunded',
      redemption,
      {
        actorId,
        reason: redemption.failureCode ?? undefined,
      },
    );
  }

  private record(
    kind: 'redemption' | 'redemption.fulfilled' | 'redemption.refunded',
    r: RedemptionView,
    extra: { actorId: string; reason?: string },
  ): void {
    this.audit.record({
      guildId: r.guildId,
      kind,
      actorId: extra.actorId,
      userId: r.userId,
      amount: r.cost,
      ...(extra.reason ? { reason: extra.reason } : {}),
      fields: { Reward: r.rewardName, Redemption: `#${r.id}`, ...(r.input ? { Input: r.input } : {}) },
      at: this.clock(),
    });
  }
}
