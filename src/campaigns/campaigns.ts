import type { AuditSink } from '../audit.ts';
import { CampaignStore, type CampaignEndReason, type CampaignRow } from '../db/campaign-store.ts';
import type { Db } from '../db/open.ts';
import { assertAmount } from '../ledger/amount.ts';
import { SparksError } from '../core/errors.ts';
import {
  CAMPAIGN_BUDGET,
  ISSUANCE,
  MEMBER,
  type AccountKey,
  type Ledger,
  type PostInput,
} from '../ledger/ledger.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../log.ts';
import { crashPoint } from '../core/crash.ts';
import { DAY_MS } from '../core/clock.ts';
import { MAX_DURATION_MS, MIN_DURATION_MS, parseEmoji, type CampaignEmoji } from './parse.ts';

export type { CampaignEndReason, CampaignRow } from '../db/campaign-store.ts';

export const MAX_CLAIMS = 1_000_000;
export const MAX_MEMBER_DAYS = 3650;
export const MAX_NAME_LENGTH = 80;
/** Grants applied per write transaction (one fsync for all of them). */
export const DEFAULT_BATCH_SIZE = 500;

/** What the reaction hot path needs about an active campaign, kept in memory. */
export interface ActiveCampaign {
  id: number;
  guildId: string;
  channelId: string;
  messageId: string;
  emoji: CampaignEmoji;
  name: string;
  sparks: number;
  endsAt: number | null;
  requiredRoleId: string | null;
  minMemberDays: number | null;
  revokeOnUnreact: boolean;
}

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
  revokeOnUnreact?: boolean;
  moderatorId: string;
}

export interface ValidStart extends Omit<StartInput, 'emoji'> {
  emoji: CampaignEmoji;
}

export interface MemberFacts {
  bot: boolean;
  roles: readonly string[];
  /** When the member joined the server (ms), null when unknown. */
  joinedAt: number | null;
}

export type Eligibility = 'ok' | 'bot' | 'role' | 'age';

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

type GrantOp = {
  kind: 'grant';
  campaignId: number;
  userId: string;
  at: number;
  reconcile: boolean;
  ranked: boolean | undefined;
};

export interface GrantOptions {
  /** Found by reconciliation (missed while offline): granted even after the campaign's end. */
  reconcile?: boolean;
  /**
   * Whether the member may be on leaderboards, as Discord showed them with this reaction
   * (their roles came with it): a new account is opened with that flag, unchecked later.
   */
  ranked?: boolean;
}
type RevokeOp = { kind: 'revoke'; campaignId: number; userId: string; at: number };
type Op = GrantOp | RevokeOp;
type Applied =
  | { type: 'granted' | 'revoked'; amount: number }
  | { type: 'duplicate' | 'late' | 'budget' | 'not_claimed' | 'nothing_left' };

export const campaignKey = (campaignId: number, userId: string) => `campaign:${campaignId}:${userId}`;

/** Whether a member may earn from a campaign: not a bot, holds the role, member long enough. */
export function eligibility(
  c: Pick<ActiveCampaign, 'requiredRoleId' | 'minMemberDays'>,
  m: MemberFacts,
  now: number,
): Eligibility {
  if (m.bot) return 'bot';
  if (c.requiredRoleId !== null && !m.roles.includes(c.requiredRoleId)) return 'role';
  if (c.minMemberDays !== null && (m.joinedAt === null || now - m.joinedAt < c.minMemberDays * DAY_MS))
    return 'age';
  return 'ok';
}

/**
 * Reaction campaigns: a moderator marks a message and an emoji; each member who reacts
 * earns once (ledger key `campaign:<id>:<user>` and the campaign_claims primary key).
 *
 * Grants go through a queue applied by group commit: up to `batchSize` queued reactions
 * in ONE write transaction (one fsync), each in its own savepoint so a failing grant does
 * not roll back the others. A budgeted campaign grants from its own budget account, funded
 * at start from ISSUANCE('campaign') and returned at the end, so it can never grant more
 * than it holds (the accounts CHECK constraint backs this). Claim counts are maintained in
 * the same savepoint as each grant (verifyLedger checks they match the entries).
 *
 * Active campaigns are indexed in memory by (message, emoji): a reaction on any other
 * message costs no SQL. The index is rebuilt after every start and end.
 */
export class CampaignService {
  readonly store: CampaignStore;
  /** Counters for metrics and tests. */
  readonly stats = { flushes: 0, granted: 0, revoked: 0, skipped: 0, failed: 0 };
  private index: Map<string, ActiveCampaign> | null = null;
  private queue: Op[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly listeners = new Set<(change: CampaignChange) => void>();
  private readonly committedListeners = new Set<(operations: number) => void>();
  private readonly applyInSavepoint: (op: Op, st: BatchState) => Applied;
  private readonly grantManyInSavepoint: (c: CampaignRow, from: AccountKey, ops: GrantOp[]) => void;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly ledger: Ledger,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly batchSize = DEFAULT_BATCH_SIZE,
  ) {
    this.store = new CampaignStore(db.sqlite);
    // Called inside the batch transaction, a better-sqlite3 transaction function runs as
    // a savepoint: all-or-nothing for this one reaction.
    this.applyInSavepoint = db.sqlite.transaction((op: Op, st: BatchState) => this.apply(op, st));
    this.grantManyInSavepoint = db.sqlite.transaction((c: CampaignRow, from: AccountKey, ops: GrantOp[]) => {
      const posted = this.ledger.postManyInTransaction(ops.map((op) => this.grantInput(c, from, op)));
      this.store.insertClaims(
        c.id,
        posted.map(({ transfer }, k) => [ops[k]!.userId, transfer.id] as const),
        posted[0]!.transfer.createdAt,
      );
    });
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
        message: messageLink(campaign),
        ends_at: campaign.endsAt !== null ? `<t:${Math.floor(campaign.endsAt / 1000)}:R>` : undefined,
        max_claims: campaign.maxClaims?.toString(),
        budget: campaign.budget?.toString(),
        required_role: campaign.requiredRoleId ? `<@&${campaign.requiredRoleId}>` : undefined,
        min_member_days: campaign.minMemberDays?.toString(),
        revoke_on_unreact: campaign.revokeOnUnreact ? 'yes' : undefined,
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
        participants: String(s.participants),
        granted: String(s.granted),
        reversed: s.reversed > 0 ? String(s.reversed) : undefined,
        returned: c.budget !== null ? String(s.returned) : undefined,
        message: messageLink(c),
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

  activeInGuild(guildId: string): CampaignRow[] {
    return this.store.activeInGuild(guildId);
  }

  /** Active campaigns, then the most recently ended ones, with their figures. */
  list(guildId: string, endedLimit = 10): CampaignSummary[] {
    return [...this.store.activeInGuild(guildId), ...this.store.recentEnded(guildId, endedLimit)].map((c) =>
      this.summary(c),
    );
  }

  /** Every active campaign (the scheduler and start-up reconciliation read this). */
  allActive(): ActiveCampaign[] {
    return [...this.activeIndex().values()];
  }

  /** The campaign on this message with this emoji key, from memory (no SQL). */
  match(messageId: string, emojiKey: string): ActiveCampaign | undefined {
    return this.activeIndex().get(`${messageId}\n${emojiKey}`);
  }

  /** Who holds a claim on a campaign, and whether it was reversed (for reconciliation). */
  claims(campaignId: number): Map<string, { reversed: boolean }> {
    return new Map(this.store.claims(campaignId).map((k) => [k.userId, { reversed: k.reversedBy !== null }]));
  }

  onChange(listener: (change: CampaignChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after each committed batch of the grant queue, with how many operations it held. */
  onCommitted(listener: (operations: number) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  private activeIndex(): Map<string, ActiveCampaign> {
    if (!this.index) {
      this.index = new Map();
      for (const row of this.store.active()) {
        const active = toActive(row);
        this.index.set(`${row.messageId}\n${row.emojiKey}`, active);
      }
    }
    return this.index;
  }

  private changed(change: CampaignChange): void {
    this.index = null;
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.logger.error({ err }, 'campaign change listener failed');
      }
    }
  }

  // ---- the grant queue (group commit) ---------------------------------------------------

  /** Queues a grant for a reaction; applied within a few milliseconds with others. */
  enqueueGrant(campaign: ActiveCampaign, userId: string, at: number, options: GrantOptions = {}): void {
    this.push({
      kind: 'grant',
      campaignId: campaign.id,
      userId,
      at,
      reconcile: options.reconcile ?? false,
      ranked: options.ranked,
    });
  }

  /** Queues the reversal of a grant whose reaction was removed (revoke_on_unreact). */
  enqueueRevoke(campaign: ActiveCampaign, userId: string, at: number): void {
    if (!campaign.revokeOnUnreact) return;
    this.push({ kind: 'revoke', campaignId: campaign.id, userId, at });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far has been committed. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Applies everything queued now, synchronously (shutdown, and before an end). */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    while (this.queue.length > 0) this.flushBatch();
    this.notifyIdle();
  }

  /** Applies what is queued and refuses new work (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private push(op: Op): void {
    if (this.closed) return;
    this.queue.push(op);
    this.scheduled ??= setImmediate(() => this.flushLater());
  }

  /** Runs on the next turn of the event loop, so a burst that arrived together commits together. */
  private flushLater(): void {
    this.scheduled = null;
    this.flushBatch();
    if (this.queue.length > 0) this.scheduled = setImmediate(() => this.flushLater());
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * One write transaction for up to `batchSize` queued operations. Each campaign's row is
   * read once per batch and its figures (claims, granted, budget left) tracked in memory,
   * updated only after an operation's savepoint succeeded; the counters are written once
   * per campaign at the end of the batch, in the same transaction as the claims.
   */
  private flushBatch(): void {
    const batch = this.queue.splice(0, this.batchSize);
    if (batch.length === 0) return;
    const counts = { granted: 0, revoked: 0, skipped: 0, failed: 0 };
    let ended: EndResult[] = [];
    try {
      ended = this.db.write(() => {
        const states = new Map<number, BatchState | null>();
        const rest = this.applyGrouped(batch, states, counts);
        for (const op of rest) {
          let st = states.get(op.campaignId);
          if (st === undefined) {
            st = this.batchState(op.campaignId);
            states.set(op.campaignId, st);
          }
          if (!st || st.endReason !== null) {
            counts.skipped++;
            continue;
          }
          try {
            const outcome = this.applyInSavepoint(op, st);
            crashPoint('campaign.batch-op');
            this.track(st, op, outcome);
            if (outcome.type === 'granted') counts.granted++;
            else if (outcome.type === 'revoked') counts.revoked++;
            else counts.skipped++;
          } catch (err) {
            counts.failed++;
            this.logger.error(
              { err, campaignId: op.campaignId, userId: op.userId, op: op.kind },
              'campaign operation failed; the others in its batch are kept',
            );
          }
        }
        const results: EndResult[] = [];
        for (const st of states.values()) {
          if (!st) continue;
          const claims = st.claims - st.row.claims;
          if (claims > 0) this.store.countClaims(st.row.id, claims, st.granted - st.row.granted);
          if (st.endReason !== null) results.push(this.endInTx(st.row.id, st.endReason));
        }
        return results;
      });
    } catch (err) {
      // The whole transaction failed (database locked for too long, disk full): nothing of
      // the batch was written. Reconciliation at start-up and at the campaign's end grants
      // whoever still has the reaction on the message.
      this.stats.failed += batch.length;
      this.logger.error({ err, size: batch.length }, 'campaign grant batch failed');
      return;
    }
    crashPoint('campaign.batch-committed');
    this.stats.flushes++;
    this.stats.granted += counts.granted;
    this.stats.revoked += counts.revoked;
    this.stats.skipped += counts.skipped;
    this.stats.failed += counts.failed;
    this.logger.debug({ size: batch.length, ...counts }, 'campaign grants committed');
    for (const l of this.committedListeners) {
      try {
        l(batch.length);
      } catch (err) {
        this.logger.error({ err }, 'campaign commit listener failed');
      }
    }
    for (const result of ended) if (result.ended) this.afterEnd(result);
  }

  /**
   * The group-commit fast path. The grants of one campaign in this batch (when none of its
   * operations is a revoke) are decided in memory, one after the other, exactly as `apply`
   * and `track` decide them; the chosen ones are then written with one ledger statement and
   * one claims statement, in one savepoint. If that savepoint fails for any reason (a hook
   * throws, a key was used before, a constraint), it is rolled back and the campaign's
   * operations are left for the one-savepoint-per-operation path, so one bad grant still
   * fails alone. Returns the operations left for that path, in order per campaign.
   */
  private applyGrouped(
    batch: Op[],
    states: Map<number, BatchState | null>,
    counts: { granted: number; skipped: number },
  ): Op[] {
    const groups = new Map<number, Op[]>();
    for (const op of batch) {
      const group = groups.get(op.campaignId);
      if (group) group.push(op);
      else groups.set(op.campaignId, [op]);
    }
    const rest: Op[] = [];
    for (const [campaignId, ops] of groups) {
      const grants = ops.filter((op): op is GrantOp => op.kind === 'grant');
      let st = states.get(campaignId);
      if (grants.length === ops.length && grants.length > 1 && st === undefined) {
        st = this.batchState(campaignId);
        states.set(campaignId, st);
      }
      if (grants.length !== ops.length || grants.length < 2 || !st || st.endReason !== null)
        rest.push(...ops);
      else if (!this.grantGroup(st, grants, counts)) rest.push(...ops);
    }
    return rest;
  }

  /** Decides and writes one campaign's grants of a batch; false (nothing written) if it must not. */
  private grantGroup(st: BatchState, ops: GrantOp[], counts: { granted: number; skipped: number }): boolean {
    const c = st.row;
    const saved = {
      claims: st.claims,
      granted: st.granted,
      budgetLeft: st.budgetLeft,
      endReason: st.endReason,
    };
    const claimed = this.store.claimedAmong(
      c.id,
      ops.map((op) => op.userId),
    );
    const chosen: GrantOp[] = [];
    let skipped = 0;
    for (const op of ops) {
      if (st.endReason !== null) {
        skipped++;
        continue;
      }
      let outcome: Applied;
      if (!op.reconcile && c.endsAt !== null && op.at >= c.endsAt) outcome = { type: 'late' };
      else if (claimed.has(op.userId)) outcome = { type: 'duplicate' };
      else if (st.budgetLeft < c.sparks) outcome = { type: 'budget' };
      else {
        outcome = { type: 'granted', amount: c.sparks };
        chosen.push(op);
        claimed.add(op.userId);
      }
      this.track(st, op, outcome);
      if (outcome.type !== 'granted') skipped++;
    }
    try {
      if (chosen.length > 0) this.grantManyInSavepoint(c, st.from, chosen);
    } catch (err) {
      Object.assign(st, saved);
      this.logger.debug({ err, campaignId: c.id, size: ops.length }, 'campaign grants applied one by one');
      return false;
    }
    counts.granted += chosen.length;
    counts.skipped += skipped;
    return true;
  }

  private batchState(campaignId: number): BatchState | null {
    const row = this.store.byId(campaignId);
    if (!row || row.status !== 'active') return null;
    const budgeted = row.budget !== null;
    const from = budgeted ? CAMPAIGN_BUDGET(row.id) : ISSUANCE('campaign');
    return {
      row,
      from,
      claims: row.claims,
      granted: row.granted,
      budgetLeft: budgeted ? (this.ledger.reads.account(row.guildId, from)?.balance ?? 0) : Infinity,
      endReason: null,
    };
  }

  /** Folds a committed operation into the batch's figures; decides a cap or budget end. */
  private track(st: BatchState, op: Op, outcome: Applied): void {
    const c = st.row;
    if (outcome.type === 'granted') {
      st.claims++;
      st.granted += outcome.amount;
      st.budgetLeft -= outcome.amount;
    } else if (outcome.type === 'revoked' && c.budget !== null) {
      st.budgetLeft += outcome.amount;
    }
    if (op.kind !== 'grant') return;
    if (c.maxClaims !== null && st.claims >= c.maxClaims) st.endReason = 'cap';
    else if (st.budgetLeft < c.sparks) st.endReason = 'budget';
  }

  /** One reaction, inside its own savepoint. Never call Discord from here. */
  private apply(op: Op, st: BatchState): Applied {
    const c = st.row;
    if (op.kind === 'revoke') return this.applyRevoke(c, op);
    if (!op.reconcile && c.endsAt !== null && op.at >= c.endsAt) return { type: 'late' };
    if (this.store.hasClaim(c.id, op.userId)) return { type: 'duplicate' };
    if (st.budgetLeft < c.sparks) return { type: 'budget' };
    const { transfer, duplicate } = this.ledger.postInTransaction(this.grantInput(c, st.from, op));
    if (duplicate) return { type: 'duplicate' };
    this.store.insertClaim(c.id, op.userId, transfer.id, transfer.createdAt);
    return { type: 'granted', amount: transfer.amount };
  }

  private grantInput(c: CampaignRow, from: AccountKey, { userId, ranked }: GrantOp): PostInput {
    return {
      guildId: c.guildId,
      kind: 'campaign.grant',
      from,
      to: MEMBER(userId, ranked),
      amount: c.sparks,
      key: campaignKey(c.id, userId),
      actor: { type: 'campaign', id: String(c.id) },
      reason: c.name,
      ref: `campaign:${c.id}`,
    };
  }

  /**
   * Reverses a grant whose reaction was removed before the campaign ended, at most once:
   * all of it, or what the member still holds if they already spent some.
   */
  private applyRevoke(c: CampaignRow, op: RevokeOp): Applied {
    if (c.revokeOnUnreact !== 1) return { type: 'not_claimed' };
    if (c.endsAt !== null && op.at >= c.endsAt) return { type: 'late' };
    const claim = this.store.claimOf(c.id, op.userId);
    if (!claim || claim.reversedBy !== null) return { type: 'not_claimed' };
    const grant = this.ledger.reads.transferById(claim.transferId)!;
    const held = this.ledger.reads.account(c.guildId, MEMBER(op.userId))?.balance ?? 0;
    const amount = Math.min(grant.amount, held);
    if (amount < 1) return { type: 'nothing_left' };
    this.ledger.reverse(grant.id, {
      key: `${campaignKey(c.id, op.userId)}:revoke`,
      actor: { type: 'campaign', id: String(c.id) },
      reason: `Reaction removed (campaign ${c.name})`,
      amount,
    });
    return { type: 'revoked', amount };
  }
}

interface BatchState {
  /** The campaign as read at the start of the batch. */
  row: CampaignRow;
  from: AccountKey;
  claims: number;
  granted: number;
  budgetLeft: number;
  /** Set when the campaign must end at the end of this batch; later operations skip it. */
  endReason: CampaignEndReason | null;
}

function toActive(row: CampaignRow): ActiveCampaign {
  return {
    id: row.id,
    guildId: row.guildId,
    channelId: row.channelId,
    messageId: row.messageId,
    emoji: parseEmoji(row.emojiDisplay),
    name: row.name,
    sparks: row.sparks,
    endsAt: row.endsAt,
    requiredRoleId: row.requiredRoleId,
    minMemberDays: row.minMemberDays,
    revokeOnUnreact: row.revokeOnUnreact === 1,
  };
}

export function messageLink(c: Pick<CampaignRow, 'guildId' | 'channelId' | 'messageId'>): string {
  return `https://discord.com/channels/${c.guildId}/${c.channelId}/${c.messageId}`;
}

function cleanName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (!name) return 'Campaign';
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
}

function isIntIn(v: number, min: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= min && v <= max;
}

function compact(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
