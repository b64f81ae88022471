import type { AuditSink } from '../audit.ts';
import type { AppDb } from '../db/engine.ts';
import type { RewardKind } from '../db/schema.ts';
import { shopStore } from '../db/pg/shop-store.ts';
import type { RewardRow, ShopStoreApi } from '../db/shop-store.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../ledger/amount.ts';
import { SparksError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { MAX_DURATION_SECONDS, MIN_DURATION_SECONDS, parseDuration } from './duration.ts';
import { isInputKind, type InputKind } from './input.ts';
import { MAX_GATE_DAYS } from '../members/gates.ts';
import { isRequiredWallet, type RequiredWallet } from '../wallets/wallets.ts';

export type { RewardRow } from '../db/shop-store.ts';

export const MAX_NAME_LENGTH = 80;
export const MAX_DESCRIPTION_LENGTH = 300;
/** Discord caps a modal field's label at 45 characters. */
export const MAX_INPUT_LABEL_LENGTH = 45;
export const MAX_STOCK = 1_000_000_000;
export const MAX_PER_MEMBER_LIMIT = 1_000_000;
export const MAX_IMAGE_URL_LENGTH = 500;

/**
 * Why a reward cannot be saved: a stable key (the Discord layer words it, in the
 * moderator's language, as `SPARKS.REWARD_INVALID`'s reason).
 */
export type RewardProblem =
  | 'name_length'
  | 'name_taken'
  | 'cost_range'
  | 'description_length'
  | 'stock_range'
  | 'limit_range'
  | 'role_required'
  | 'role_not_allowed'
  | 'duration_role_only'
  | 'duration_range'
  | 'input_manual_only'
  | 'input_label_length'
  | 'input_kind_invalid'
  | 'role_change_active'
  | 'image_url'
  | 'gate_days'
  | 'wallet_manual_only'
  | 'wallet_kind';

export interface RewardFields {
  name: string;
  cost: number;
  kind: RewardKind;
  roleId?: string | null;
  description?: string | null;
  /** Units on offer; null = unlimited. */
  stock?: number | null;
  perMemberLimit?: number | null;
  /** Role rewards: the role comes off after this many seconds. */
  durationSeconds?: number | null;
  /** Manual rewards: what the redemption modal asks for. */
  inputLabel?: string | null;
  inputKind?: InputKind | null;
  requiredRoleId?: string | null;
  /** A picture for the shop page: an https URL the browser loads (never fetched by the bot). */
  imageUrl?: string | null;
  /** Gates (SPEC §11): days in the server, account age (0 or null = none), a linked wallet. */
  minMemberDays?: number | null;
  minAccountDays?: number | null;
  verifiedWallet?: boolean;
  /** Manual rewards: fill in the member's linked wallet of this kind for the moderators. */
  requiresWallet?: RequiredWallet | null;
}

/** The fields an edit may change (the kind is fixed: remove and add to change it). `null` clears. */
export type RewardPatch = Partial<Omit<RewardFields, 'kind'>> & { enabled?: boolean };

/** `Free pizza`, ` free  PIZZA ` and `ＦＲＥＥ pizza` are the same name. */
export function nameKeyOf(name: string): string {
  return normalizeName(name).toLowerCase();
}

function normalizeName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ');
}

/** Whether a reward asks the member for input at redemption, and how it is checked. */
export function inputKindOf(reward: Pick<RewardRow, 'inputKind' | 'inputLabel'>): InputKind | null {
  if (isInputKind(reward.inputKind)) return reward.inputKind;
  return reward.inputLabel ? 'text' : null;
}

/**
 * A `duration` as a moderator types it (`30m`, `12h`, `1d 12h`), in seconds.
 * Errors: SPARKS.REWARD_INVALID (`duration_range`) when it is not one or is out of range.
 */
export function durationFromText(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === null) throw invalid('duration_range');
  return seconds;
}

function invalid(problem: RewardProblem, params: Record<string, string | number> = {}): SparksError {
  return new SparksError('SPARKS.REWARD_INVALID', { problem, ...params }, problem);
}

/**
 * The shop catalogue of each guild. A reward is never deleted: removal stamps `removed_at`
 * (its redemptions keep pointing at it, and its name becomes free for a new reward). A
 * reward that failed permanently at fulfilment (its role was deleted, moved above the bot,
 * given a dangerous permission) is disabled until a moderator turns it back on.
 *
 * Discord facts (whether a role is safe to hand out) are checked by the caller before it
 * configures a role; this service keeps the rules that need no Discord.
 */
export class RewardService {
  /** The shop's store, shared with the RedemptionService built over this catalogue. */
  readonly store: ShopStoreApi;
  private readonly db: AppDb;
  private readonly clock: Clock;
  private readonly audit: AuditSink;

  constructor(deps: { db: AppDb; clock: Clock; audit: AuditSink }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.store = shopStore(deps.db);
  }

  /**
   * Adds a reward. Errors: SPARKS.REWARD_INVALID with `problem` (a RewardProblem) and the
   * limit involved.
   */
  add(guildId: string, moderatorId: string, fields: RewardFields): RewardRow {
    const values = this.validate(fields);
    const now = this.clock();
    const row = this.db.write(() => {
      if (this.store.liveRewardByName(guildId, values.nameKey))
        throw invalid('name_taken', { name: values.name });
      const added = this.store.insertReward(guildId, values, { createdBy: moderatorId, now });
      if (!added) throw invalid('name_taken', { name: values.name });
      return added;
    });
    this.record(guildId, moderatorId, row, 'added');
    return this.get(row.id)!;
  }

  /**
   * Changes some fields. Re-enabling (`enabled: true`) clears the disabled reason. The role
   * of a timed role reward cannot change while members still hold it on a timer (the
   * timer removes the reward's role). Errors: SPARKS.REWARD_INVALID, SPARKS.REWARD_NOT_FOUND.
   */
  edit(guildId: string, rewardId: number, moderatorId: string, patch: RewardPatch): RewardRow {
    const row = this.db.write(() => {
      const current = this.requireLive(guildId, rewardId);
      const merged: RewardFields = {
        name: patch.name ?? current.name,
        cost: patch.cost ?? current.cost,
        kind: current.kind,
        roleId: pick(patch.roleId, current.roleId),
        description: pick(patch.description, current.description),
        stock: pick(patch.stock, current.stock),
        perMemberLimit: pick(patch.perMemberLimit, current.perMemberLimit),
        durationSeconds: pick(patch.durationSeconds, current.durationSeconds),
        inputLabel: pick(patch.inputLabel, current.inputLabel),
        inputKind: pick(patch.inputKind, isInputKind(current.inputKind) ? current.inputKind : null),
        requiredRoleId: pick(patch.requiredRoleId, current.requiredRoleId),
        imageUrl: pick(patch.imageUrl, current.imageUrl),
        minMemberDays: pick(patch.minMemberDays, current.minMemberDays),
        minAccountDays: pick(patch.minAccountDays, current.minAccountDays),
        verifiedWallet: patch.verifiedWallet ?? current.verifiedWallet === 1,
        requiresWallet: pick(
          patch.requiresWallet,
          isRequiredWallet(current.requiresWallet) ? current.requiresWallet : null,
        ),
      };
      const values = this.validate(merged);
      if (values.nameKey !== current.nameKey) {
        const other = this.store.liveRewardByName(guildId, values.nameKey);
        if (other && other.id !== current.id) throw invalid('name_taken', { name: values.name });
      }
      if (values.roleId !== current.roleId && this.store.activeTimedGrants(current.id) > 0) {
        throw invalid('role_change_active', { count: this.store.activeTimedGrants(current.id) });
      }
      const onSale =
        patch.enabled === undefined
          ? { enabled: current.enabled, disabledReason: current.disabledReason }
          : { enabled: patch.enabled ? 1 : 0, disabledReason: patch.enabled ? null : 'moderator' };
      if (!this.store.updateReward(current.id, { ...values, ...onSale }, this.clock()))
        throw invalid('name_taken', { name: values.name });
      return this.store.rewardById(current.id)!;
    });
    this.record(guildId, moderatorId, row, 'edited');
    return row;
  }

  /**
   * Removes a reward from the shop, keeping its history. Redemptions already waiting for a
   * moderator stay in the queue; timed roles still come off when due.
   */
  remove(guildId: string, rewardId: number, moderatorId: string): RewardRow {
    const row = this.db.write(() => {
      const current = this.requireLive(guildId, rewardId);
      this.store.removeReward(current.id, this.clock());
      return this.store.rewardById(current.id)!;
    });
    this.record(guildId, moderatorId, row, 'removed');
    return row;
  }

  /**
   * Takes a reward off sale after a permanent fulfilment failure (call inside the settling
   * write). Returns false when it was already disabled.
   */
  disableInTx(rewardId: number, reason: string): boolean {
    return this.store.disableReward(rewardId, reason, this.clock());
  }

  get(rewardId: number): RewardRow | undefined {
    return this.store.rewardById(rewardId);
  }

  /**
   * The live reward a member or moderator named: an autocomplete value (`r:<id>`), or a
   * typed name matched case-insensitively. Errors: SPARKS.REWARD_NOT_FOUND (params.name).
   */
  find(guildId: string, value: string): RewardRow {
    const picked = /^r:(\d{1,15})$/.exec(value.trim());
    const byId = picked ? this.store.rewardById(Number(picked[1])) : undefined;
    const row =
      byId && byId.guildId === guildId && byId.removedAt === null
        ? byId
        : this.store.liveRewardByName(guildId, nameKeyOf(value));
    if (!row) throw new SparksError('SPARKS.REWARD_NOT_FOUND', { name: value.trim().slice(0, 80) });
    return row;
  }

  /** Rewards not removed, cheapest first; `enabledOnly` hides the ones taken off sale. */
  list(guildId: string, options: { enabledOnly?: boolean } = {}): RewardRow[] {
    const all = this.store.liveRewards(guildId);
    return options.enabledOnly ? all.filter((r) => r.enabled === 1) : all;
  }

  /**
   * Autocomplete suggestions: names containing what was typed (names starting with it
   * first), then — for members — the ones `balance` affords before the rest; at most 25.
   */
  suggest(
    guildId: string,
    typed: string,
    options: { balance?: number; enabledOnly?: boolean; limit?: number } = {},
  ): RewardRow[] {
    const needle = nameKeyOf(typed);
    const score = (r: RewardRow) =>
      (r.nameKey.startsWith(needle) ? 0 : 2) +
      (options.balance === undefined || r.cost <= options.balance ? 0 : 1);
    return this.list(guildId, { enabledOnly: options.enabledOnly })
      .filter((r) => r.nameKey.includes(needle))
      .sort((a, b) => score(a) - score(b) || a.cost - b.cost || a.nameKey.localeCompare(b.nameKey))
      .slice(0, options.limit ?? 25);
  }

  private requireLive(guildId: string, rewardId: number): RewardRow {
    const row = this.store.rewardById(rewardId);
    if (!row || row.guildId !== guildId || row.removedAt !== null)
      throw new SparksError('SPARKS.REWARD_NOT_FOUND', { name: `#${rewardId}` });
    return row;
  }

  private validate(fields: RewardFields) {
    const name = normalizeName(fields.name);
    if (name.length < 1 || name.length > MAX_NAME_LENGTH)
      throw invalid('name_length', { max: MAX_NAME_LENGTH });
    if (!isIntIn(fields.cost, MIN_AMOUNT, MAX_AMOUNT)) throw invalid('cost_range', { max: MAX_AMOUNT });
    const description = (fields.description ?? '').trim();
    if (description.length > MAX_DESCRIPTION_LENGTH)
      throw invalid('description_length', { max: MAX_DESCRIPTION_LENGTH });
    const stock = fields.stock ?? null;
    if (stock !== null && !isIntIn(stock, 0, MAX_STOCK)) throw invalid('stock_range', { max: MAX_STOCK });
    const perMemberLimit = fields.perMemberLimit ?? null;
    if (perMemberLimit !== null && !isIntIn(perMemberLimit, 1, MAX_PER_MEMBER_LIMIT))
      throw invalid('limit_range', { max: MAX_PER_MEMBER_LIMIT });
    const roleId = fields.roleId ?? null;
    if (fields.kind === 'role' && roleId === null) throw invalid('role_required');
    if ((fields.kind === 'manual' || fields.kind === 'streak_freeze') && roleId !== null)
      throw invalid('role_not_allowed');
    const durationSeconds = fields.durationSeconds ?? null;
    if (durationSeconds !== null) {
      if (fields.kind !== 'role') throw invalid('duration_role_only');
      if (!isIntIn(durationSeconds, MIN_DURATION_SECONDS, MAX_DURATION_SECONDS))
        throw invalid('duration_range');
    }
    const inputLabel = fields.inputLabel?.trim() || null;
    const inputKind = fields.inputKind ?? null;
    if (inputKind !== null && !isInputKind(inputKind)) throw invalid('input_kind_invalid');
    if ((inputLabel !== null || inputKind !== null) && fields.kind !== 'manual')
      throw invalid('input_manual_only');
    if (inputLabel !== null && inputLabel.length > MAX_INPUT_LABEL_LENGTH)
      throw invalid('input_label_length', { max: MAX_INPUT_LABEL_LENGTH });
    const imageUrl = fields.imageUrl?.trim() || null;
    if (imageUrl !== null && !isImageUrl(imageUrl)) throw invalid('image_url', { max: MAX_IMAGE_URL_LENGTH });
    const minMemberDays = gateDays(fields.minMemberDays);
    const minAccountDays = gateDays(fields.minAccountDays);
    const requiresWallet = fields.requiresWallet ?? null;
    if (requiresWallet !== null && !isRequiredWallet(requiresWallet)) throw invalid('wallet_kind');
    if (requiresWallet !== null && fields.kind !== 'manual') throw invalid('wallet_manual_only');
    return {
      name,
      nameKey: name.toLowerCase(),
      cost: fields.cost,
      kind: fields.kind,
      roleId,
      description,
      stock,
      perMemberLimit,
      durationSeconds,
      inputLabel,
      // A label alone asks for free text; a kind alone gets a default label when shown.
      inputKind: inputLabel !== null && inputKind === null ? 'text' : inputKind,
      requiredRoleId: fields.requiredRoleId ?? null,
      imageUrl,
      minMemberDays,
      minAccountDays,
      verifiedWallet: fields.verifiedWallet ? 1 : 0,
      requiresWallet,
    };
  }

  private record(guildId: string, moderatorId: string, row: RewardRow, change: string): void {
    this.audit.record({
      guildId,
      kind: 'config',
      actorId: moderatorId,
      reason: `reward ${change}`,
      fields: {
        Reward: row.name,
        Cost: String(row.cost),
        Kind: row.kind,
        ...(row.roleId ? { Role: { type: 'role' as const, id: row.roleId } } : {}),
        ...(row.stock !== null ? { Stock: String(row.stock) } : {}),
      },
      at: this.clock(),
    });
  }
}

function pick<T>(patched: T | null | undefined, current: T | null): T | null {
  return patched === undefined ? current : patched;
}

/** https only (a page served over https shows no mixed content), and short enough to store. */
function isImageUrl(text: string): boolean {
  if (text.length > MAX_IMAGE_URL_LENGTH) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname.length > 0 && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** A days gate as a moderator sets it: 0 or nothing is no gate. Errors: `gate_days`. */
function gateDays(value: number | null | undefined): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (!isIntIn(value, 1, MAX_GATE_DAYS)) throw invalid('gate_days', { max: MAX_GATE_DAYS });
  return value;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
