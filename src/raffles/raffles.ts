/**
 * Raffles (SPEC §9): members buy entries with Sparks (held on the ledger), a draw picks the
 * winners from a seed committed to at the start (src/raffles/draw.ts), and the prize goes
 * through the shop's fulfilment (RedemptionService.prizeInTx).
 *
 * Entering is one write: open, gates passed, under the per-member limit counted inside the
 * write, the Sparks held, the purchase recorded — so concurrent clicks cannot pass the limit
 * or overspend. The draw runs in three steps:
 * 1. close (one write): no entry is taken from then on; a raffle drawn or cancelled already
 *    is refused (drawing twice is an error);
 * 2. pick (no transaction): the seed's candidates, each checked against Discord (in the
 *    server, holding the required role) and the flags, until there are enough winners;
 * 3. settle (one write): every step recorded, every entry's hold posted, a prize redemption
 *    for each winner, the seed revealed, status drawn. A crash before it leaves the raffle
 *    closed and open: the runtime draws it again at start-up — the same seed and entries give
 *    the same candidates.
 * Cancelling voids every hold in one write. Role prizes are then fulfilled through the shop
 * (after the write; the shop's recovery finishes them after a crash).
 */
import { randomBytes } from 'node:crypto';
import type { AuditSink, AuditValue } from '../audit.ts';
import type { Clock } from '../core/clock.ts';
import { crashPoint } from '../core/crash.ts';
import { SparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { MAX_AMOUNT } from '../db/schema.ts';
import { raffleStore } from '../db/pg/raffle-store.ts';
import type { RaffleDrawRow, RaffleEntryRow, RaffleRow, RaffleStoreApi } from '../db/raffle-store.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { FlagCheck } from '../members/flags.ts';
import { assertGates, gatesOf, parseGateDays } from '../members/gates.ts';
import { parseEnds } from '../seasons/ends.ts';
import type { RedemptionService, RedemptionView } from '../shop/redemptions.ts';
import type { RewardService } from '../shop/rewards.ts';
import { NO_WALLETS, type WalletLookup } from '../wallets/wallets.ts';
import { commitmentOf, drawWinners, type DrawOutcome } from './draw.ts';
import './errors.ts';

export type { RaffleDrawRow, RaffleEntryRow, RaffleRow } from '../db/raffle-store.ts';

export const MAX_RAFFLE_NAME = 60;
export const MAX_WINNERS = 100;
export const MAX_ENTRIES_PER_MEMBER = 1000;

/** Whether a drawn candidate may win: still in the server and holding the required role. */
export interface RaffleEligibility {
  /** Rejects when Discord cannot say (the draw waits and is tried again). */
  check(guildId: string, userId: string, requiredRoleId: string | null): Promise<'ok' | 'left' | 'lost_role'>;
}

export interface DrawResult {
  raffle: RaffleRow;
  draws: RaffleDrawRow[];
  /** The winners' prize redemptions; role ones still `reserved`, for the caller to fulfil. */
  prizes: RedemptionView[];
}

const invalid = (reasonKey: string, params: Record<string, string | number> = {}) =>
  new SparksError('SPARKS.RAFFLE_INVALID', { reasonKey, ...params }, reasonKey);

export class RaffleService {
  readonly store: RaffleStoreApi;
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private readonly audit: AuditSink;
  private readonly flags: FlagCheck;
  private readonly rewards: RewardService;
  private readonly redemptions: RedemptionService;
  private readonly wallets: WalletLookup;
  private readonly random: (bytes: number) => Buffer;
  private readonly drawing = new Map<number, Promise<DrawResult>>();

  constructor(deps: {
    db: AppDb;
    ledger: Ledger;
    clock: Clock;
    audit: AuditSink;
    flags: FlagCheck;
    rewards: RewardService;
    redemptions: RedemptionService;
    /** For the `verified_wallet` gate (none linked without it). */
    wallets?: WalletLookup;
    random?: (bytes: number) => Buffer;
  }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.flags = deps.flags;
    this.rewards = deps.rewards;
    this.redemptions = deps.redemptions;
    this.wallets = deps.wallets ?? NO_WALLETS;
    this.random = deps.random ?? randomBytes;
    this.store = raffleStore(deps.db);
  }

  /**
   * `/sparks-admin raffle start`: commits to a fresh secret seed. Errors: SPARKS.RAFFLE_INVALID
   * (reasonKey raffle.invalid.name, raffle.invalid.name_taken, ends.*), SPARKS.OUT_OF_RANGE,
   * SPARKS.REWARD_NOT_FOUND.
   */
  start(input: {
    guildId: string;
    name: string;
    reward: string;
    winners: number;
    entryCost: number;
    maxEntriesPerMember: number;
    ends: string;
    requiredRoleId?: string | null;
    minMemberDays?: number | null;
    minAccountDays?: number | null;
    verifiedWallet?: boolean;
    moderatorId: string;
  }): RaffleRow {
    const name = input.name.trim();
    if (name.length < 1 || name.length > MAX_RAFFLE_NAME)
      throw invalid('raffle.invalid.name', { max: MAX_RAFFLE_NAME });
    range('winners', input.winners, 1, MAX_WINNERS);
    range('entry_cost', input.entryCost, 0, MAX_AMOUNT);
    range('max_entries_per_member', input.maxEntriesPerMember, 1, MAX_ENTRIES_PER_MEMBER);
    const minAccountDays = parseGateDays(input.minAccountDays, 'min_account_days');
    const minMemberDays = parseGateDays(input.minMemberDays, 'min_member_days');
    const now = this.clock();
    const endsAt = parseEnds(input.ends, now, 'SPARKS.RAFFLE_INVALID');
    const reward = this.rewards.find(input.guildId, input.reward);
    const seed = this.random(32).toString('hex');
    const raffle = this.db.write(() => {
      const key = name.toLowerCase();
      if (this.store.inGuild(input.guildId, 500).some((r) => r.status === 'open' && r.nameKey === key))
        throw invalid('raffle.invalid.name_taken', { name });
      return this.store.insert({
        guildId: input.guildId,
        name,
        nameKey: key,
        rewardId: reward.id,
        winners: input.winners,
        entryCost: input.entryCost,
        maxEntriesPerMember: input.maxEntriesPerMember,
        endsAt,
        requiredRoleId: input.requiredRoleId ?? null,
        minAccountDays,
        minMemberDays,
        verifiedWallet: input.verifiedWallet ? 1 : 0,
        commitment: commitmentOf(seed),
        seed,
        createdBy: input.moderatorId,
        now,
      });
    });
    this.audit.record({
      guildId: raffle.guildId,
      kind: 'raffle.start',
      actorId: input.moderatorId,
      fields: {
        Raffle: raffle.name,
        Reward: reward.name,
        Commitment: raffle.commitment,
        Ends: { type: 'time', at: raffle.endsAt },
      },
      at: now,
    });
    return raffle;
  }

  /**
   * `/sparks raffle entries:N`: adds N entries to those the member holds, paying N × cost
   * (held until the draw). Idempotent on `key`. Errors: SPARKS.RAFFLE_NOT_FOUND,
   * SPARKS.RAFFLE_CLOSED, SPARKS.FLAGGED, the gates' SPARKS.ROLE_REQUIRED /
   * SPARKS.MEMBER_TOO_NEW / SPARKS.ACCOUNT_TOO_NEW / SPARKS.WALLET_REQUIRED, SPARKS.OUT_OF_RANGE, SPARKS.RAFFLE_ENTRY_LIMIT { limit, have },
   * SPARKS.INSUFFICIENT.
   */
  enter(input: {
    guildId: string;
    raffle: string;
    userId: string;
    entries: number;
    key: string;
    memberRoleIds: readonly string[];
    joinedAt: number | null;
  }): { raffle: RaffleRow; entry: RaffleEntryRow; held: number; duplicate: boolean } {
    const now = this.clock();
    return this.db.write(() => {
      const raffle = this.find(input.guildId, input.raffle);
      const existing = this.store.entryByKey(raffle.id, input.key);
      if (existing)
        return { raffle, entry: existing, held: this.store.held(raffle.id, input.userId), duplicate: true };
      if (raffle.status !== 'open' || raffle.closedAt !== null || now >= raffle.endsAt)
        throw new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name });
      if (this.flags.isFlagged(input.guildId, input.userId)) throw new SparksError('SPARKS.FLAGGED');
      assertGates(
        gatesOf(raffle),
        {
          userId: input.userId,
          roleIds: input.memberRoleIds,
          joinedAt: input.joinedAt,
          hasWallet: raffle.verifiedWallet === 1 && this.wallets.hasWallet(input.guildId, input.userId),
          walletPage: this.wallets.pageUrl(input.guildId),
        },
        now,
      );
      range('entries', input.entries, 1, raffle.maxEntriesPerMember);
      const have = this.store.held(raffle.id, input.userId);
      if (have + input.entries > raffle.maxEntriesPerMember)
        throw new SparksError('SPARKS.RAFFLE_ENTRY_LIMIT', { limit: raffle.maxEntriesPerMember, have });
      const hold =
        raffle.entryCost > 0
          ? this.ledger.hold({
              guildId: input.guildId,
              userId: input.userId,
              amount: raffle.entryCost * input.entries,
              key: `raffle:${raffle.id}:entry:${input.key}`,
              actor: { type: 'member', id: input.userId },
              reason: `${raffle.name}: ${input.entries} entr${input.entries === 1 ? 'y' : 'ies'}`,
              ref: `raffle:${raffle.id}`,
            })
          : null;
      const entry = this.store.insertEntry({
        raffleId: raffle.id,
        userId: input.userId,
        count: input.entries,
        holdTransferId: hold?.transfer.id ?? null,
        key: input.key,
        now,
      });
      return { raffle: this.store.byId(raffle.id)!, entry, held: have + input.entries, duplicate: false };
    });
  }

  /**
   * `/sparks-admin raffle draw` (or the end time): see the module comment. One draw per
   * raffle at a time in this process; a second call joins it. A draw in another process
   * racing this one (the leader's scheduler and a moderator's command) picks the same
   * winners from the same seed, and only one settles: the settle write moves the raffle only
   * from open, so the other writes nothing and is refused. Errors: SPARKS.RAFFLE_NOT_FOUND,
   * SPARKS.RAFFLE_CLOSED (drawn or cancelled already).
   */
  draw(guildId: string, ref: string, actorId: string, eligibility: RaffleEligibility): Promise<DrawResult> {
    const raffle = this.find(guildId, ref);
    if (raffle.status !== 'open')
      return Promise.reject(new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name }));
    let running = this.drawing.get(raffle.id);
    if (!running) {
      running = this.runDraw(raffle, actorId, eligibility).finally(() => this.drawing.delete(raffle.id));
      this.drawing.set(raffle.id, running);
    }
    return running;
  }

  private async runDraw(
    raffle: RaffleRow,
    actorId: string,
    eligibility: RaffleEligibility,
  ): Promise<DrawResult> {
    const now = this.clock();
    this.db.write(() => {
      const current = this.store.byId(raffle.id)!;
      if (current.status !== 'open') throw new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name });
      this.store.closeEntries(raffle.id, now, actorId);
    });
    crashPoint('raffle.closed');
    const entries = this.store.entries(raffle.id);
    const steps = await drawWinners(
      raffle.seed,
      entries,
      raffle.winners,
      async (userId): Promise<DrawOutcome> => {
        if (this.flags.isFlagged(raffle.guildId, userId)) return 'flagged';
        const verdict = await eligibility.check(raffle.guildId, userId, raffle.requiredRoleId);
        return verdict === 'ok' ? 'won' : verdict;
      },
    );
    crashPoint('raffle.picked');
    const prizes: RedemptionView[] = [];
    const settled = this.db.write(() => {
      prizes.length = 0; // PostgreSQL may run this write again
      if (!this.store.settle(raffle.id, 'drawn', this.clock(), actorId)) return false;
      for (const s of steps) {
        const prize =
          s.outcome === 'won'
            ? this.redemptions.prizeInTx({
                guildId: raffle.guildId,
                userId: s.userId,
                rewardId: raffle.rewardId,
                key: `raffle:${raffle.id}:prize:${s.userId}`,
                source: `raffle:${raffle.id}`,
              })
            : null;
        if (prize) prizes.push(prize);
        this.store.insertDraw({
          raffleId: raffle.id,
          step: s.step,
          userId: s.userId,
          ticket: s.ticket,
          outcome: s.outcome,
          redemptionId: prize?.id ?? null,
        });
      }
      for (const e of entries) this.closeEntryHold(raffle, e, 'post', actorId);
      crashPoint('raffle.in-settle');
      return true;
    });
    const after = this.store.byId(raffle.id)!;
    if (!settled) throw new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name });
    this.announce(after, 'raffle.draw');
    return { raffle: after, draws: this.store.draws(raffle.id), prizes };
  }

  /**
   * `/sparks-admin raffle cancel`: every entry's hold voided (refunded) in one write.
   * Errors: SPARKS.RAFFLE_NOT_FOUND, SPARKS.RAFFLE_CLOSED (drawn or cancelled already).
   */
  cancel(guildId: string, ref: string, moderatorId: string): { raffle: RaffleRow; refunded: number } {
    const result = this.db.write(() => {
      const raffle = this.find(guildId, ref);
      if (
        this.drawing.has(raffle.id) ||
        !this.store.settle(raffle.id, 'cancelled', this.clock(), moderatorId)
      )
        throw new SparksError('SPARKS.RAFFLE_CLOSED', { name: raffle.name });
      let refunded = 0;
      for (const e of this.store.entries(raffle.id)) {
        this.closeEntryHold(raffle, e, 'void', moderatorId);
        refunded += e.count * raffle.entryCost;
      }
      return { raffle: this.store.byId(raffle.id)!, refunded };
    });
    this.announce(result.raffle, 'raffle.cancel');
    return result;
  }

  private closeEntryHold(
    raffle: RaffleRow,
    e: RaffleEntryRow,
    outcome: 'post' | 'void',
    actorId: string,
  ): void {
    if (e.holdTransferId === null) return;
    this.ledger.closeHold(e.holdTransferId, outcome, {
      key: `raffle:${raffle.id}:${outcome}:${e.id}`,
      actor: { type: actorId === 'system' ? 'system' : 'moderator', id: actorId },
      reason: raffle.name,
    });
  }

  /** By id (as autocomplete gives it) or by name, newest first. Errors: SPARKS.RAFFLE_NOT_FOUND. */
  find(guildId: string, ref: string): RaffleRow {
    const text = ref.trim();
    const byId = /^\d{1,9}$/.test(text) ? this.store.byId(Number(text)) : undefined;
    if (byId && byId.guildId === guildId) return byId;
    const key = text.toLowerCase();
    const byName = this.store.inGuild(guildId, 500).find((r) => r.nameKey === key);
    if (!byName) throw new SparksError('SPARKS.RAFFLE_NOT_FOUND', { name: text.slice(0, 60) });
    return byName;
  }

  get(id: number): RaffleRow | undefined {
    return this.store.byId(id);
  }

  list(guildId: string, limit = 25): RaffleRow[] {
    return this.store.inGuild(guildId, limit);
  }

  /** How many entries a member holds in a raffle. */
  held(raffleId: number, userId: string): number {
    return this.store.held(raffleId, userId);
  }

  draws(raffleId: number): RaffleDrawRow[] {
    return this.store.draws(raffleId);
  }

  entries(raffleId: number): RaffleEntryRow[] {
    return this.store.entries(raffleId);
  }

  /**
   * Open raffles of every guild whose end has passed, or whose draw
   * a crash interrupted: what the leader's scheduler draws.
   */
  due(now = this.clock()): RaffleRow[] {
    return this.store.open().filter((r) => r.endsAt <= now || r.closedAt !== null);
  }

  /** The soonest end among open raffles of every guild; null when none. */
  nextEnd(): number | null {
    const ends = this.store.open().map((r) => r.endsAt);
    return ends.length ? Math.min(...ends) : null;
  }

  private announce(raffle: RaffleRow, kind: 'raffle.draw' | 'raffle.cancel'): void {
    const draws = this.store.draws(raffle.id);
    const fields: Record<string, AuditValue> = {
      Raffle: raffle.name,
      Entries: raffle.entries,
      Commitment: raffle.commitment,
    };
    if (kind === 'raffle.draw') {
      fields.Seed = raffle.seed;
      draws
        .filter((d) => d.outcome === 'won')
        .slice(0, 15)
        .forEach((d, i) => (fields[`#${i + 1}`] = { type: 'user', id: d.userId }));
      const skipped = draws.filter((d) => d.outcome !== 'won').length;
      if (skipped) fields.Skipped = skipped;
    }
    this.audit.record({
      guildId: raffle.guildId,
      kind,
      ...(raffle.closedBy && raffle.closedBy !== 'system' ? { actorId: raffle.closedBy } : {}),
      fields,
      at: this.clock(),
      onDelivered: () => {
        this.db.write(() => this.store.markAnnounced(raffle.id, this.clock()));
      },
    });
  }
}

function range(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SparksError('SPARKS.OUT_OF_RANGE', { field, min, max });
}
