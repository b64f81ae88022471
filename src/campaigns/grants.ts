import type { CampaignEndReason, CampaignRow, CampaignStoreApi } from '../db/campaign-store.ts';
import type { GrantSource, GroupPlan, OpResult, Tally } from '../grants/queue.ts';
import {
  CAMPAIGN_BUDGET,
  ISSUANCE,
  MEMBER,
  type AccountKey,
  type Ledger,
  type PostInput,
} from '../ledger/ledger.ts';
import { isRankableRaw } from '../members/ranking.ts';
import { decideGrant, decideRevoke, evolve, type CampaignOutcome, type CampaignTally } from './decide.ts';

export type GrantOp = {
  kind: 'grant';
  campaignId: number;
  userId: string;
  at: number;
  reconcile: boolean;
  /** The member's role ids when Discord showed them (see GrantOptions.roles). */
  roles: readonly string[] | undefined;
};
export type RevokeOp = { kind: 'revoke'; campaignId: number; userId: string; at: number };
export type CampaignOp = GrantOp | RevokeOp;

/** One campaign within a batch: its row as read at the batch's start, and its running figures. */
export interface CampaignBatch {
  row: CampaignRow;
  /** Where its grants come from: its budget account, or ISSUANCE('campaign'). */
  from: AccountKey;
  tally: CampaignTally;
  /** The guild's leaderboard-excluded role, as this batch read it. */
  excludedRole: string | null;
}

export const campaignKey = (campaignId: number, userId: string) => `campaign:${campaignId}:${userId}`;

/**
 * How the lifecycle ends a campaign that reached its cap or ran out of budget in a batch:
 * inside the batch's transaction; returns what to announce once it committed, if this
 * call ended it.
 */
export type EndInBatch = (campaignId: number, reason: CampaignEndReason) => (() => void) | void;

/**
 * Told when a batch opens a campaign that is no longer active: its operations were queued
 * from an index that still listed it (another process ended it), and grant nothing.
 */
export type OnInactive = (campaignId: number) => void;

/**
 * Campaign reactions as a source of the grant queue. Each member earns once per campaign:
 * the ledger key `campaign:<id>:<user>` and the campaign_claims primary key both hold it.
 * Claim counts are kept in the same transaction as the grants (verifyLedger checks they
 * match the entries). Whether an operation grants is decided by `decideGrant` and
 * `decideRevoke` on both of the queue's paths.
 */
export class CampaignGrants implements GrantSource<CampaignOp, CampaignBatch> {
  readonly name = 'campaign';
  private readonly store: CampaignStoreApi;
  private readonly ledger: Ledger;
  private readonly endInBatch: EndInBatch;
  private readonly inactive: OnInactive | undefined;
  private readonly excludedRole: (guildId: string) => string | null;

  constructor(deps: {
    store: CampaignStoreApi;
    ledger: Ledger;
    /** The guild's leaderboard-excluded role (settings), read once per batch and campaign. */
    excludedRole: (guildId: string) => string | null;
    endInBatch: EndInBatch;
    inactive?: OnInactive;
  }) {
    this.store = deps.store;
    this.ledger = deps.ledger;
    this.endInBatch = deps.endInBatch;
    this.inactive = deps.inactive;
    this.excludedRole = deps.excludedRole;
  }

  groupOf(op: CampaignOp): number {
    return op.campaignId;
  }

  describe(op: CampaignOp): Record<string, unknown> {
    return { campaignId: op.campaignId, userId: op.userId, op: op.kind };
  }

  open(campaignId: number): CampaignBatch | null {
    // Held until the batch commits: what it reads next (claims, budget) nobody else changes.
    const row = this.store.lockForBatch(campaignId);
    // Ended (here or by another process): the database refuses its grants, whatever the
    // queuing process's index still says.
    if (row && row.status !== 'active') this.inactive?.(campaignId);
    if (!row || row.status !== 'active') return null;
    const budgeted = row.budget !== null;
    const from = budgeted ? CAMPAIGN_BUDGET(row.id) : ISSUANCE('campaign');
    return {
      row,
      from,
      tally: {
        sparks: row.sparks,
        endsAt: row.endsAt,
        maxClaims: row.maxClaims,
        budgeted,
        claims: row.claims,
        granted: row.granted,
        budgetLeft: budgeted ? (this.ledger.reads.account(row.guildId, from)?.balance ?? 0) : Infinity,
        endReason: null,
      },
      excludedRole: this.excludedRole(row.guildId),
    };
  }

  accepts(state: CampaignBatch): boolean {
    return state.tally.endReason === null;
  }

  /**
   * The grants of one campaign in a batch (when none is a revoke), decided one after the
   * other against one read of who already claimed, then written with one ledger statement
   * and one claims statement.
   */
  plan(state: CampaignBatch, ops: readonly CampaignOp[]): GroupPlan<CampaignBatch> | null {
    if (!ops.every((op): op is GrantOp => op.kind === 'grant')) return null;
    const { row, from, excludedRole } = state;
    const claimed = this.store.claimedAmong(
      row.id,
      ops.map((op) => op.userId),
    );
    const chosen: GrantOp[] = [];
    const tallies: Tally[] = [];
    let tally = state.tally;
    for (const op of ops) {
      const outcome = decideGrant(tally, {
        at: op.at,
        reconcile: op.reconcile,
        claimed: claimed.has(op.userId),
      });
      if (outcome.type === 'granted') {
        chosen.push(op);
        claimed.add(op.userId);
      }
      tally = evolve(tally, 'grant', outcome);
      tallies.push(tallyOf(outcome));
    }
    return {
      state: { ...state, tally },
      tallies,
      write: () => {
        if (chosen.length === 0) return;
        const posted = this.ledger.postManyInTransaction(
          chosen.map((op) => grantInput(row, from, excludedRole, op)),
        );
        this.store.insertClaims(
          row.id,
          posted.map(({ transfer }, k) => [chosen[k]!.userId, transfer.id] as const),
          posted[0]!.transfer.createdAt,
        );
      },
    };
  }

  /** One reaction, inside its own savepoint. Never call Discord from here. */
  apply(state: CampaignBatch, op: CampaignOp): OpResult<CampaignBatch> {
    const outcome = op.kind === 'grant' ? this.grant(state, op) : this.revoke(state.row, op);
    return { state: { ...state, tally: evolve(state.tally, op.kind, outcome) }, tally: tallyOf(outcome) };
  }

  finish(state: CampaignBatch): (() => void) | void {
    const { row, tally } = state;
    const claims = tally.claims - row.claims;
    if (claims > 0) this.store.countClaims(row.id, claims, tally.granted - row.granted);
    if (tally.endReason !== null) return this.endInBatch(row.id, tally.endReason);
  }

  private grant({ row, from, tally, excludedRole }: CampaignBatch, op: GrantOp): CampaignOutcome {
    const claimed = this.store.hasClaim(row.id, op.userId);
    const outcome = decideGrant(tally, { at: op.at, reconcile: op.reconcile, claimed });
    if (outcome.type !== 'granted') return outcome;
    const { transfer, duplicate } = this.ledger.postInTransaction(grantInput(row, from, excludedRole, op));
    // The ledger's key is exactly-once on its own: it already holds this member's grant.
    if (duplicate) return { type: 'duplicate' };
    this.store.insertClaim(row.id, op.userId, transfer.id, transfer.createdAt);
    return { type: 'granted', amount: transfer.amount };
  }

  /** Reverses a grant whose reaction was removed (revoke_on_unreact), at most once. */
  private revoke(row: CampaignRow, op: RevokeOp): CampaignOutcome {
    const claim = this.store.claimOf(row.id, op.userId);
    const grant = claim ? this.ledger.reads.transferById(claim.transferId) : undefined;
    const outcome = decideRevoke(
      { revokeOnUnreact: row.revokeOnUnreact === 1, endsAt: row.endsAt },
      {
        at: op.at,
        claim: claim && grant ? { amount: grant.amount, reversed: claim.reversedBy !== null } : null,
        held: this.ledger.reads.account(row.guildId, MEMBER(op.userId))?.balance ?? 0,
      },
    );
    if (outcome.type !== 'revoked' || !grant) return outcome;
    this.ledger.reverse(grant.id, {
      key: `${campaignKey(row.id, op.userId)}:revoke`,
      actor: { type: 'campaign', id: String(row.id) },
      reason: `Reaction removed (campaign ${row.name})`,
      amount: outcome.amount,
    });
    return outcome;
  }
}

function tallyOf(outcome: CampaignOutcome): Tally {
  if (outcome.type === 'granted') return 'granted';
  if (outcome.type === 'revoked') return 'revoked';
  return 'skipped';
}

function grantInput(
  c: CampaignRow,
  from: AccountKey,
  excludedRole: string | null,
  { userId, roles }: GrantOp,
): PostInput {
  // Only a new account takes the flag (the members service keeps it right from then on).
  const ranked = roles === undefined ? undefined : isRankableRaw({ roles }, excludedRole);
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
