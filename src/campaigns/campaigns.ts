import type { AuditSink, AuditValue } from '../audit.ts';
import { Listeners } from '../core/listeners.ts';
import type { CampaignEndReason, CampaignRow, CampaignStoreApi } from '../db/campaign-store.ts';
import { excludedRoleReader } from '../members/ranking.ts';
import type { AppDb } from '../db/engine.ts';
import { campaignStore } from '../db/pg/campaign-store.ts';
import { GrantQueue, type BatchReport, type GrantQueueStats } from '../grants/queue.ts';
import type { GrantWriter } from '../grants/writer-thread.ts';
import { assertAmount } from '../ledger/amount.ts';
import { SparksError } from '../core/errors.ts';
import { CAMPAIGN_BUDGET, ISSUANCE, type Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../log.ts';
import { DAY_MS } from '../core/clock.ts';
import { gateRefusal, isGated, type Gates } from '../members/gates.ts';
import { ActiveIndex, toActive, type ActiveCampaign } from './active-index.ts';
import { CampaignGrants, type CampaignOp } from './grants.ts';
import { MAX_DURATION_MS, MIN_DURATION_MS, parseEmoji, type CampaignEmoji } from './parse.ts';

export type { CampaignEndReason, CampaignRow } from '../db/campaign-store.ts';
export type { ActiveCampaign } from './active-index.ts';
export { campaignKey } from './grants.ts';

export const MAX_CLAIMS = 1_000_000;
export const MAX_MEMBER_DAYS = 3650;
export const MAX_NAME_LENGTH = 80;

export interface StartInput {
  guildId: string;
  channelId: string;
  messageId: string;
  /** As typed: a unicode emoji or `<:name:id>`. */
  emoji: string;
  sparks: number;
  /** An explicit name; otherwise `defaultName` (made unique with the campaign id). */
  name?: string | null;
  defaultName: string;
  endsInMs?: number | null;
  maxClaims?: number | null;
  budget?: number | null;
  requiredRoleId?: string | null;
  minMemberDays?: number | null;
  /** Whole days since the Discord account was created (from its id). */
  minAccountDays?: number | null;
  /** Only members with a linked wallet earn. */
  verifiedWallet?: boolean;
  revokeOnUnreact?: boolean;
  moderatorId: string;
}

export interface ValidStart extends Omit<StartInput, 'emoji'> {
  emoji: CampaignEmoji;
}

export interface MemberFacts {
  userId: string;
  bot: boolean;
  roles: readonly string[];
  /** When the member joined the server (ms), null when unknown. */
  joinedAt: number | null;
  /** Whether they linked a wallet; asked only of a `verified_wallet` campaign. */
  hasWallet?: boolean;
  /** Where they link one (for the refusal's words). */
  walletPage?: string | null;
}

export type Eligibility = 'ok' | 'bot' | 'role' | 'age' | 'account' | 'wallet';

type CampaignGateFields = Pick<
  ActiveCampaign,
  'requiredRoleId' | 'minMemberDays' | 'minAccountDays' | 'verifiedWallet'
>;

/** A campaign's gates in the shared shape (src/members/gates.ts). */
export function campaignGates(c: CampaignGateFields): Gates {
  return {
    requiredRoleId: c.requiredRoleId,
    minMemberDays: c.minMemberDays,
    minAccountDays: c.minAccountDays,
    verifiedWallet: c.verifiedWallet,
  };
}

/** Whether checking the gates needs the member fetched (their roles, join date or wallets). */
export const campaignIsGated = (c: CampaignGateFields): boolean => isGated(campaignGates(c));

export interface CampaignSummary {
  campaign: CampaignRow;
  participants: number;
  granted: number;
  /** Sparks taken back by revoke_on_unreact. */
  reversed: number;
  /** Unspent budget returned to issuance at the end (0 without a budget). */
  returned: number;
  /** Budget still available (active campaigns with a budget), else null. */
  budgetLeft: number | null;
}

export interface EndResult {
  /** False when it had already ended: ending is idempotent. */
  ended: boolean;
  summary: CampaignSummary;
}

export type CampaignChange = { type: 'start' | 'end'; campaign: CampaignRow };

export interface GrantOptions {
  /** Found by reconciliation (missed while offline): granted even after the campaign's end. */
  reconcile?: boolean;
  /**
   * The member's role ids, as Discord showed them with this reaction (or a fetch): a new
   * account opens on the leaderboards unless they hold the guild's excluded role, read
   * once per batch when it is written. Without them it opens ranked, as any account.
   */
  roles?: readonly string[];
}
/**
 * The gate a member fails, as the refusal to tell them (the shared gates: role, days in the
 * server, account age, a linked wallet); null when they may earn. Bots are not asked.
 */
export function campaignRefusal(c: CampaignGateFields, m: MemberFacts, now: number): SparksError | null {
  return gateRefusal(
    campaignGates(c),
    {
      userId: m.userId,
      roleIds: m.roles,
      joinedAt: m.joinedAt,
      hasWallet: m.hasWallet,
      walletPage: m.walletPage,
    },
    now,
  );
}

const VERDICTS: Partial<Record<string, Eligibility>> = {
  'SPARKS.ROLE_REQUIRED': 'role',
  'SPARKS.MEMBER_TOO_NEW': 'age',
  'SPARKS.ACCOUNT_TOO_NEW': 'account',
  'SPARKS.WALLET_REQUIRED': 'wallet',
};

/** Whether a member may earn from a campaign: not a bot, and through every gate. */
export function eligibility(c: CampaignGateFields, m: MemberFacts, now: number): Eligibility {
  if (m.bot) return 'bot';
  const refusal = campaignRefusal(c, m, now);
  return refusal ? (VERDICTS[refusal.code] ?? 'role') : 'ok';
}

/** What the audit feed records about a campaign's message: where it is, not how to link it. */
const messageRef = (c: CampaignRow) =>
  ({ type: 'message', guildId: c.guildId, channelId: c.channelId, messageId: c.messageId }) as const;

/**
 * Reaction campaigns, their lifecycle: a moderator marks a message and an emoji; each
 * member who reacts earns once. This service validates, starts and ends campaigns, answers
 * lookups and summaries, and wires the two other parts:
 *
 * - the active index (message + emoji → campaign, in memory), dropped after each start
 *   and end, so a reaction on any other message costs no SQL;
 * - the group-commit grant queue, to which reactions are handed as `CampaignGrants`
 *   operations; a campaign that reaches its cap or spends its budget in a batch is ended
 *   in that batch's transaction.
 *
 * A budgeted campaign grants from its own budget account, funded at start from
 * ISSUANCE('campaign') and returned at the end, so it can never grant more than it holds
 * (the accounts CHECK constraint backs this).
 */
export class CampaignService {
  private readonly store: CampaignStoreApi;
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly audit: AuditSink;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly index: ActiveIndex;
  private readonly queue: GrantQueue;
  private readonly grants: CampaignGrants;
  private readonly writer: GrantWriter | null;
  private readonly listeners: Listeners<CampaignChange>;
  private readonly inactiveListeners: Listeners<number>;

  /**
   * `grants` is the queue to share with other sources (one fsync for all of them); without
   * it the service makes its own, of `batchSize` operations per transaction. With a
   * `writer` (GRANT_WRITER=thread), grants are written by its thread instead, counted in
   * the queue's stats, and the campaigns it ends are announced here.
   */
  constructor(deps: {
    db: AppDb;
    ledger: Ledger;
    audit: AuditSink;
    clock: Clock;
    logger: Logger;
    grants?: GrantQueue;
    batchSize?: number;
    writer?: GrantWriter;
  }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.listeners = new Listeners((err) => this.logger.error({ err }, 'campaign change listener failed'));
    this.inactiveListeners = new Listeners((err) =>
      this.logger.error({ err }, 'campaign inactive listener failed'),
    );
    this.store = campaignStore(deps.db);
    this.index = new ActiveIndex(() => this.store.active());
    this.queue =
      deps.grants ?? new GrantQueue({ db: deps.db, logger: deps.logger, batchSize: deps.batchSize });
    this.grants = new CampaignGrants({
      store: this.store,
      ledger: this.ledger,
      excludedRole: excludedRoleReader(deps.db),
      endInBatch: (campaignId, reason) => {
        const result = this.endInTx(campaignId, reason);
        if (result.ended) return () => this.afterEnd(result);
      },
      inactive: (campaignId) => this.foundInactive(campaignId),
    });
    this.writer = deps.writer ?? null;
    // Ended in the thread's transaction, committed: the index, the listeners, the summary.
    this.writer?.onEnded((summary) => this.afterEnd({ ended: true, summary }));
    // The thread's batch found a campaign this index listed already ended elsewhere.
    this.writer?.onInactive((campaignId) => this.foundInactive(campaignId));
  }

  // ---- starting and ending --------------------------------------------------------------

  /**
   * Checks a start request without writing anything (the Discord layer calls it before it
   * reacts to the message). Errors: SPARKS.CAMPAIGN_INVALID (params.reasonKey says why),
   * SPARKS.INVALID_AMOUNT.
   */
  validate(input: StartInput): ValidStart {
    const emoji = parseEmoji(input.emoji);
    const sparks = assertAmount(input.sparks, 'sparks');
    const bad = (reasonKey: string, params: Record<string, number | string> = {}) =>
      new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey, ...params }, reasonKey);
    if (input.endsInMs != null && (input.endsInMs < MIN_DURATION_MS || input.endsInMs > MAX_DURATION_MS))
      throw bad('campaign.invalid.ends_in');
    if (input.maxClaims != null && !isIntIn(input.maxClaims, 1, MAX_CLAIMS))
      throw bad('campaign.invalid.max_claims', { max: MAX_CLAIMS });
    if (input.budget != null) {
      if (!isIntIn(input.budget, 1, 1_000_000_000)) throw bad('campaign.invalid.budget', { sparks });
      if (input.budget < sparks) throw bad('campaign.invalid.budget', { sparks });
    }
    if (input.minMemberDays != null && !isIntIn(input.minMemberDays, 1, MAX_MEMBER_DAYS))
      throw bad('campaign.invalid.min_member_days', { max: MAX_MEMBER_DAYS });
    // 0 days asks nothing: no gate, as the raffle and shop gates read it.
    if (input.minAccountDays != null && !isIntIn(input.minAccountDays, 0, MAX_MEMBER_DAYS))
      throw bad('campaign.invalid.min_account_days', { max: MAX_MEMBER_DAYS });
    const name = input.name?.trim();
    if (input.name != null && (!name || name.length > MAX_NAME_LENGTH))
      throw bad('campaign.invalid.name', { max: MAX_NAME_LENGTH });
    if (this.store.activeOnMessage(input.guildId, input.messageId, emoji.key))
      throw bad('campaign.invalid.duplicate');
    if (name && this.store.activeByName(input.guildId, name).length > 0)
      throw bad('campaign.invalid.name_taken', { name });
    return { ...input, emoji, sparks, name: name ?? null };
  }

  /**
   * Starts a campaign: the row and, with a budget, the funding transfer
   * (ISSUANCE('campaign') → CAMPAIGN_BUDGET(id), kind campaign.fund) in one transaction.
   * Errors: as `validate` (re-checked under the write lock).
   */
  start(input: StartInput): CampaignRow {
    const now = this.clock();
    const campaign = this.db.write(() => {
      const v = this.validate(input);
      let row = this.store.insert({
        guildId: v.guildId,
        channelId: v.channelId,
        messageId: v.messageId,
        emojiKey: v.emoji.key,
        emojiDisplay: v.emoji.display,
        name: v.name ?? cleanName(v.defaultName),
        sparks: v.sparks,
        endsAt: v.endsInMs != null ? now + v.endsInMs : null,
        maxClaims: v.maxClaims ?? null,
        budget: v.budget ?? null,
        requiredRoleId: v.requiredRoleId ?? null,
        minMemberDays: v.minMemberDays ?? null,
        minAccountDays: v.minAccountDays || null,
        verifiedWallet: v.verifiedWallet ? 1 : 0,
        revokeOnUnreact: v.revokeOnUnreact ? 1 : 0,
        createdBy: v.moderatorId,
        createdAt: now,
      });
      if (!v.name && this.store.activeByName(v.guildId, row.name).length > 1) {
        this.store.rename(row.id, `${row.name} #${row.id}`);
        row = this.store.byId(row.id)!;
      }
      if (row.budget !== null) {
        this.ledger.post({
          guildId: row.guildId,
          kind: 'campaign.fund',
          from: ISSUANCE('campaign'),
          to: CAMPAIGN_BUDGET(row.id),
          amount: row.budget,
          key: `campaign:${row.id}:fund`,
          actor: { type: 'moderator', id: v.moderatorId },
          reason: `Budget of campaign ${row.name}`,
          ref: `campaign:${row.id}`,
        });
      }
      return row;
    });
    this.changed({ type: 'start', campaign });
    this.audit.record({
      guildId: campaign.guildId,
      kind: 'campaign.start',
      actorId: campaign.createdBy,
      amount: campaign.sparks,
      fields: compact({
        campaign: campaign.name,
        emoji: campaign.emojiDisplay,
        message: messageRef(campaign),
        ends_at: campaign.endsAt !== null ? { type: 'time', at: campaign.endsAt } : undefined,
        max_claims: campaign.maxClaims ?? undefined,
        budget: campaign.budget ?? undefined,
        required_role: campaign.requiredRoleId ? { type: 'role', id: campaign.requiredRoleId } : undefined,
        min_member_days: campaign.minMemberDays ?? undefined,
        min_account_days: campaign.minAccountDays ?? undefined,
        verified_wallet: campaign.verifiedWallet ? true : undefined,
        revoke_on_unreact: campaign.revokeOnUnreact ? true : undefined,
      }),
      at: now,
    });
    return campaign;
  }

  /**
   * Ends a campaign (status guarded in one transaction, so ending twice is harmless) and
   * returns the unspent budget to ISSUANCE('campaign') (kind campaign.return). Grants
   * still queued are applied first. Records the summary for the log channel.
   */
  end(campaignId: number, reason: CampaignEndReason, actorId?: string): EndResult {
    this.flush();
    const result = this.db.write(() => this.endInTx(campaignId, reason));
    if (result.ended) this.afterEnd(result, actorId);
    return result;
  }

  private endInTx(campaignId: number, reason: CampaignEndReason): EndResult {
    const now = this.clock();
    const existing = this.store.byId(campaignId);
    if (!existing) throw new SparksError('SPARKS.CAMPAIGN_NOT_FOUND', { name: String(campaignId) });
    if (!this.store.end(campaignId, reason, now)) return { ended: false, summary: this.summary(existing) };
    const campaign = this.store.byId(campaignId)!;
    if (campaign.budget !== null) {
      const left = this.ledger.reads.account(campaign.guildId, CAMPAIGN_BUDGET(campaign.id))?.balance ?? 0;
      if (left > 0) {
        this.ledger.post({
          guildId: campaign.guildId,
          kind: 'campaign.return',
          from: CAMPAIGN_BUDGET(campaign.id),
          to: ISSUANCE('campaign'),
          amount: left,
          key: `campaign:${campaign.id}:return`,
          actor: { type: 'campaign', id: String(campaign.id) },
          reason: `Unspent budget of campaign ${campaign.name}`,
          ref: `campaign:${campaign.id}`,
        });
      }
    }
    return { ended: true, summary: this.summary(campaign) };
  }

  private afterEnd(result: EndResult, actorId?: string): void {
    const { campaign } = result.summary;
    this.changed({ type: 'end', campaign });
    this.recordSummary(result.summary, actorId);
  }

  /** Sends a campaign's end summary to the audit feed; marks it posted once delivered. */
  recordSummary(s: CampaignSummary, actorId?: string): void {
    const c = s.campaign;
    this.audit.record({
      guildId: c.guildId,
      kind: 'campaign.end',
      ...(actorId ? { actorId } : {}),
      fields: compact({
        campaign: c.name,
        end_reason: c.endReason ?? undefined,
        participants: s.participants,
        granted: s.granted,
        reversed: s.reversed > 0 ? s.reversed : undefined,
        returned: c.budget !== null ? s.returned : undefined,
        message: messageRef(c),
      }),
      at: c.endedAt ?? this.clock(),
      onDelivered: () => {
        this.db.write(() => this.store.markSummaryPosted(c.id, this.clock()));
      },
    });
  }

  /** Summaries of campaigns that ended in the last week but never reached the log channel. */
  unsummarized(): CampaignSummary[] {
    return this.store.unsummarized(this.clock() - 7 * DAY_MS).map((c) => this.summary(c));
  }

  summary(campaign: CampaignRow): CampaignSummary {
    const budgetAccount =
      campaign.budget !== null
        ? this.ledger.reads.account(campaign.guildId, CAMPAIGN_BUDGET(campaign.id))
        : null;
    return {
      campaign,
      participants: campaign.claims,
      granted: campaign.granted,
      reversed: this.store.reversed(campaign.id),
      returned:
        this.ledger.reads.transferByKey(campaign.guildId, `campaign:${campaign.id}:return`)?.amount ?? 0,
      budgetLeft:
        campaign.status === 'active' && campaign.budget !== null ? (budgetAccount?.balance ?? 0) : null,
    };
  }

  // ---- lookups --------------------------------------------------------------------------

  /**
   * The active campaign a moderator means: its id (what autocomplete sends) or its name,
   * case-insensitively. Errors: SPARKS.CAMPAIGN_NOT_FOUND.
   */
  findActive(guildId: string, query: string): CampaignRow {
    const q = query.trim();
    if (/^\d{1,15}$/.test(q)) {
      const byId = this.store.byId(Number(q));
      if (byId && byId.guildId === guildId && byId.status === 'active') return byId;
    }
    const byName = this.store.activeByName(guildId, q)[0];
    if (byName) return byName;
    throw new SparksError('SPARKS.CAMPAIGN_NOT_FOUND', { name: q.slice(0, 100) });
  }

  /** A campaign by id, active or ended. */
  byId(campaignId: number): CampaignRow | undefined {
    return this.store.byId(campaignId);
  }

  activeInGuild(guildId: string): CampaignRow[] {
    return this.store.activeInGuild(guildId);
  }

  /** Active campaigns, then the most recently ended ones, with their figures. */
  list(guildId: string, endedLimit = 10): CampaignSummary[] {
    return [...this.store.activeInGuild(guildId), ...this.store.recentEnded(guildId, endedLimit)].map((c) =>
      this.summary(c),
    );
  }

  /**
   * Every active campaign as this process's index lists it (start-up reconciliation reads
   * this): it may still list one another process ended since the last `refreshActive`.
   */
  allActive(): ActiveCampaign[] {
    return this.index.all();
  }

  /**
   * Reloads the index from the database: picks up campaigns other processes started and
   * drops those they ended. Returns the dropped ones.
   */
  refreshActive(): ActiveCampaign[] {
    return this.index.refresh();
  }

  /** The campaign if it is active now, read from the database (not the index). */
  activeById(campaignId: number): ActiveCampaign | undefined {
    const row = this.store.byId(campaignId);
    return row?.status === 'active' ? toActive(row) : undefined;
  }

  /** The earliest end time of any active campaign of any guild, from the database. */
  nextEndAt(): number | null {
    return this.store.nextEnd();
  }

  /**
   * Active campaigns of every guild whose end time has come, from the database, earliest
   * first (the leader's end-time scheduler ends these).
   */
  dueToEnd(now: number = this.clock(), limit = 100): ActiveCampaign[] {
    return this.store.dueToEnd(now, limit).map(toActive);
  }

  /**
   * Called when a grant batch finds a campaign this index listed no longer active (another
   * process ended it): its grants were refused, and the index is dropped at once.
   */
  onInactive(listener: (campaignId: number) => void): () => void {
    return this.inactiveListeners.add(listener);
  }

  private foundInactive(campaignId: number): void {
    this.index.invalidate();
    this.inactiveListeners.emit(campaignId);
  }

  /** The campaign on this message with this emoji key, from memory (no SQL). */
  match(messageId: string, emojiKey: string): ActiveCampaign | undefined {
    return this.index.match(messageId, emojiKey);
  }

  /** Who holds a claim on a campaign, and whether it was reversed (for reconciliation). */
  claims(campaignId: number): Map<string, { reversed: boolean }> {
    return new Map(this.store.claims(campaignId).map((k) => [k.userId, { reversed: k.reversedBy !== null }]));
  }

  /**
   * Records gate refusals to tell members about, in one write for all of them; returns the
   * ones not told before for their campaign (recorded, so a restart does not tell them
   * again). The caller batches a burst's refusals and keeps the ones it saw in memory, so a
   * raid of refused reactions costs one write per batch, not one per reaction.
   */
  noteGateRefusals<T extends { campaignId: number; userId: string; code: string }>(
    notices: readonly T[],
  ): T[] {
    if (notices.length === 0) return [];
    const now = this.clock();
    return this.db.write(() =>
      notices.filter((n) => this.store.insertGateNotice(n.campaignId, n.userId, n.code, now)),
    );
  }

  onChange(listener: (change: CampaignChange) => void): () => void {
    return this.listeners.add(listener);
  }

  private changed(change: CampaignChange): void {
    this.index.invalidate();
    this.listeners.emit(change);
  }

  // ---- grants, through the queue --------------------------------------------------------

  /** Queues a grant for a reaction; applied within a few milliseconds with others. */
  enqueueGrant(campaign: ActiveCampaign, userId: string, at: number, options: GrantOptions = {}): void {
    this.enqueueOp({
      kind: 'grant',
      campaignId: campaign.id,
      userId,
      at,
      reconcile: options.reconcile ?? false,
      roles: options.roles,
    });
  }

  /** Queues the reversal of a grant whose reaction was removed (revoke_on_unreact). */
  enqueueRevoke(campaign: ActiveCampaign, userId: string, at: number): void {
    if (!campaign.revokeOnUnreact) return;
    this.enqueueOp({ kind: 'revoke', campaignId: campaign.id, userId, at });
  }

  /**
   * Queues an operation as built by `enqueueGrant` or `enqueueRevoke`: to the writer's
   * thread when there is one, else to the grant queue (the writer's thread enters here).
   */
  enqueueOp(op: CampaignOp): void {
    if (this.writer) this.writer.submit(op);
    else this.queue.enqueue(this.grants, op);
  }

  /** Whether grants are written by the writer's thread (GRANT_WRITER=thread). */
  get writesOnThread(): boolean {
    return this.writer !== null;
  }

  /** The grant queue's counters (shared with the other sources of a shared queue). */
  get stats(): Readonly<GrantQueueStats> {
    return this.queue.stats;
  }

  get pending(): number {
    return this.queue.pending + (this.writer?.pending ?? 0);
  }

  /** Resolves once everything queued so far has been committed. */
  async idle(): Promise<void> {
    await Promise.all([this.queue.idle(), this.writer?.idle()]);
  }

  /** Applies everything queued now, synchronously (shutdown, and before an end). */
  flush(): void {
    this.queue.flush();
    this.writer?.flush();
  }

  /** Applies what is queued and refuses new work (the database is about to close). */
  close(): void {
    this.queue.close();
    this.writer?.close();
  }

  /** Called after each committed batch of the grant queue, with how many operations it held. */
  onCommitted(listener: (operations: number) => void): () => void {
    return this.queue.onCommitted(listener);
  }

  /** Called once per batch of the local grant queue after it settled (the writer's thread reports them). */
  onSettled(listener: (report: BatchReport) => void): () => void {
    return this.queue.onSettled(listener);
  }
}

function cleanName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (!name) return 'Campaign';
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
}

function isIntIn(v: number, min: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= min && v <= max;
}

function compact(o: Record<string, AuditValue | undefined>): Record<string, AuditValue> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, AuditValue] => e[1] !== undefined));
}
