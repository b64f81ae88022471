/**
 * The campaign grant rule, written once: plain functions of (state, request) that return
 * an outcome, with no I/O and no clock (the request carries the reaction's time and the
 * facts read for it). The grant queue's grouped fast path and its one-savepoint-per-
 * operation slow path both decide with these, then fold the outcome with `evolve`.
 */
import type { CampaignEndReason } from '../db/campaign-store.ts';

/** A campaign's figures as one batch of the grant queue sees them. */
export interface CampaignTally {
  sparks: number;
  endsAt: number | null;
  maxClaims: number | null;
  /** Whether grants come from the campaign's own budget account (revokes refill it). */
  budgeted: boolean;
  claims: number;
  granted: number;
  /** Sparks still in the budget account; Infinity without a budget. */
  budgetLeft: number;
  /** Set once the campaign must end at the end of the batch; later operations are skipped. */
  endReason: CampaignEndReason | null;
}

export interface GrantRequest {
  /** When the member reacted (ms). */
  at: number;
  /** Found by reconciliation (missed while offline): granted even after the end time. */
  reconcile: boolean;
  /** Whether the member already holds a claim on the campaign. */
  claimed: boolean;
}

export type GrantOutcome =
  { type: 'granted'; amount: number } | { type: 'late' | 'duplicate' | 'budget' | 'ended' };

export interface RevokeRule {
  revokeOnUnreact: boolean;
  endsAt: number | null;
}

export interface RevokeRequest {
  at: number;
  /** The member's claim: what was granted, and whether it was already reversed. */
  claim: { amount: number; reversed: boolean } | null;
  /** What the member holds now. */
  held: number;
}

export type RevokeOutcome =
  { type: 'revoked'; amount: number } | { type: 'late' | 'not_claimed' | 'nothing_left' };

export type CampaignOutcome = GrantOutcome | RevokeOutcome;

/**
 * Whether a reaction earns: not once the campaign is ending, not at or after its end time
 * unless reconciled, once per member, and only while the budget covers a whole grant.
 */
export function decideGrant(state: CampaignTally, request: GrantRequest): GrantOutcome {
  if (state.endReason !== null) return { type: 'ended' };
  if (!request.reconcile && state.endsAt !== null && request.at >= state.endsAt) return { type: 'late' };
  if (request.claimed) return { type: 'duplicate' };
  if (state.budgetLeft < state.sparks) return { type: 'budget' };
  return { type: 'granted', amount: state.sparks };
}

/**
 * Whether a removed reaction takes its grant back (revoke_on_unreact): before the end
 * time, at most once, all of it or what the member still holds if they spent some.
 */
export function decideRevoke(rule: RevokeRule, request: RevokeRequest): RevokeOutcome {
  if (!rule.revokeOnUnreact) return { type: 'not_claimed' };
  if (rule.endsAt !== null && request.at >= rule.endsAt) return { type: 'late' };
  if (!request.claim || request.claim.reversed) return { type: 'not_claimed' };
  const amount = Math.min(request.claim.amount, request.held);
  if (amount < 1) return { type: 'nothing_left' };
  return { type: 'revoked', amount };
}

/**
 * The figures after an operation whose writes committed. After any grant request (granted
 * or not) it decides the end: at max_claims ('cap'), or when the budget no longer covers
 * a grant ('budget'). A campaign that is ending stays as it is.
 */
export function evolve(
  state: CampaignTally,
  kind: 'grant' | 'revoke',
  outcome: CampaignOutcome,
): CampaignTally {
  if (state.endReason !== null) return state;
  let next = state;
  if (outcome.type === 'granted') {
    next = {
      ...state,
      claims: state.claims + 1,
      granted: state.granted + outcome.amount,
      budgetLeft: state.budgetLeft - outcome.amount,
    };
  } else if (outcome.type === 'revoked' && state.budgeted) {
    next = { ...state, budgetLeft: state.budgetLeft + outcome.amount };
  }
  if (kind !== 'grant') return next;
  const endReason = decideEnd(next);
  return endReason === null ? next : { ...next, endReason };
}

/** 'cap' once max_claims is reached, 'budget' once the budget cannot pay a grant, else null. */
export function decideEnd(state: CampaignTally): CampaignEndReason | null {
  if (state.maxClaims !== null && state.claims >= state.maxClaims) return 'cap';
  if (state.budgetLeft < state.sparks) return 'budget';
  return null;
}
