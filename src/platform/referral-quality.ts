/**
 * Referral quality (SPEC §11). A referrer's share of an invitee's trade or first
 * subscription is PENDING until the invitee qualifies — cumulative trade volume of at least
 * `referral_qualify_volume_usd` within `referral_qualify_days` of the referral — and then
 * credited exactly once; if the window passes first, the pending shares lapse. The terms are
 * fixed when the referral is registered (a later settings change does not move them); with
 * a volume of 0, or for a referral registered before referral quality, shares are credited
 * at once, as before.
 *
 * Exactly once: a share is one `referral_shares` row per invitee event, and its entry is
 * keyed `event:<that event's id>:referral` — the key an immediate share has always had —
 * so a replayed webhook, a second release or a race between processes cannot credit it
 * twice. Everything runs inside the platform event's transaction (or the lapse timer's).
 *
 * It also raises the automatic flags of the referral checks (never a ban): an invitee whose
 * Discord account is younger than `flag_min_account_days`, and a referrer with at least
 * `flag_fresh_referrals_per_day` referrals of such accounts within a day.
 */
import { DAY_MS } from '../core/clock.ts';
import type { InviteeSummary, ReferralStoreApi, ShareRow, ShareTotals } from '../db/referral-store.ts';
import type { TransferKind } from '../db/schema.ts';
import type { FlagRaiser } from '../members/flags.ts';
import { accountCreatedAt } from '../members/gates.ts';
import type { GuildSettings } from '../settings/settings.ts';
import type { Outbox } from './outbox.ts';

/** What crediting one share needs from the platform service: its cap and ledger path. */
export type ShareCredit = (input: {
  userId: string;
  amount: number;
  kind: TransferKind;
  key: string;
  reason: string;
}) => { amount: number; entryId: number; userId: string; kind: TransferKind } | null;

export interface ShareOutcome {
  /** Credited now (null: held as pending, or nothing to credit). */
  credited: ReturnType<ShareCredit>;
  /** Held until the invitee qualifies. */
  pending: { referrerId: string; amount: number } | null;
}

/** Pending windows lapsed per timer pass: bounds one transaction. */
const LAPSE_BATCH = 200;

export class ReferralQuality {
  constructor(
    private readonly deps: { store: ReferralStoreApi; flags: FlagRaiser | null; outbox: Outbox | null },
  ) {}

  /**
   * A new referral: fixes its terms (pending with a window, unless qualification is off)
   * and runs the automatic checks. Call inside the event's write.
   */
  registered(
    settings: GuildSettings,
    r: { guildId: string; referrerId: string; inviteeId: string; now: number },
  ): void {
    const { referralQualifyVolumeUsd, referralQualifyDays } = settings.earn;
    if (referralQualifyVolumeUsd > 0) {
      this.deps.store.insertQualification({
        guildId: r.guildId,
        inviteeUserId: r.inviteeId,
        status: 'pending',
        qualifyVolumeCents: referralQualifyVolumeUsd * 100,
        qualifyBy: r.now + referralQualifyDays * DAY_MS,
        createdAt: r.now,
      });
    }
    this.checkFresh(settings, r);
  }

  /**
   * The invitee traded `volumeCents`: counts it while their referral is pending and inside
   * its window; on reaching the volume, qualifies it and credits every pending share, each
   * once. A trade after the window lapses it instead. Returns the credits it made.
   */
  traded(
    r: { guildId: string; inviteeId: string; volumeCents: number; now: number },
    credit: ShareCredit,
  ): NonNullable<ReturnType<ShareCredit>>[] {
    const { store } = this.deps;
    const q = store.qualification(r.guildId, r.inviteeId);
    if (!q || q.status !== 'pending') return [];
    if (r.now >= q.qualifyBy) {
      this.lapse(q.guildId, q.inviteeUserId, r.now);
      return [];
    }
    const after = store.addVolume(r.guildId, r.inviteeId, r.volumeCents);
    if (!after || after.volumeCents < after.qualifyVolumeCents) return [];
    store.settle(r.guildId, r.inviteeId, 'qualified', r.now);
    const credits: NonNullable<ReturnType<ShareCredit>>[] = [];
    for (const share of store.pendingShares(r.guildId, r.inviteeId)) {
      const c = this.creditShare(share, credit, r.now, ' (qualified)');
      if (c) credits.push(c);
    }
    return credits;
  }

  /**
   * The referrer's share of one invitee event: credited now when the referral is qualified
   * (or predates referral quality), held as pending while it waits, nothing once lapsed.
   */
  share(
    s: {
      guildId: string;
      referrerId: string;
      inviteeId: string;
      eventId: string;
      kind: 'trade' | 'first_subscription';
      amount: number;
      reason: string;
      now: number;
    },
    credit: ShareCredit,
  ): ShareOutcome {
    if (s.amount <= 0) return { credited: null, pending: null };
    const q = this.deps.store.qualification(s.guildId, s.inviteeId);
    if (q?.status === 'lapsed') return { credited: null, pending: null };
    const row = this.deps.store.insertShare({
      guildId: s.guildId,
      referrerUserId: s.referrerId,
      inviteeUserId: s.inviteeId,
      eventId: s.eventId,
      kind: s.kind,
      amount: s.amount,
      reason: s.reason,
      createdAt: s.now,
    });
    if (q?.status === 'pending') {
      this.announce(row, 'pending', s.now);
      return { credited: null, pending: { referrerId: s.referrerId, amount: s.amount } };
    }
    return { credited: this.creditShare(row, credit, s.now, ''), pending: null };
  }

  /** Lapses every pending referral whose window ended by `now` (the timer, and the catch-up at start). */
  lapseDue(now: number): number {
    let lapsed = 0;
    for (const q of this.deps.store.due(now, LAPSE_BATCH)) {
      // One a concurrent trade settled meanwhile (PostgreSQL) is not counted.
      if (this.lapse(q.guildId, q.inviteeUserId, now)) lapsed++;
    }
    return lapsed;
  }

  /**
   * The share an event held when it was first applied (for its replay): one that exists
   * and was not credited by that event itself.
   */
  heldBy(guildId: string, eventId: string): { referrerId: string; amount: number } | undefined {
    const share = this.deps.store.shareWithEntry(guildId, eventId);
    if (!share) return undefined;
    // Credited by its own event (ref event:<id>), or credited with nothing left under the cap.
    const creditedHere =
      share.status === 'credited' && (share.entryRef === null || share.entryRef === `event:${eventId}`);
    return creditedHere ? undefined : { referrerId: share.referrerUserId, amount: share.amount };
  }

  nextDue(): number | null {
    return this.deps.store.nextDue();
  }

  /** A referrer's invitees, newest first (at most `limit`, 1–100), and how many there are. */
  invitees(guildId: string, referrerId: string, limit = 25): { items: InviteeSummary[]; total: number } {
    return this.deps.store.invitees(guildId, referrerId, Math.min(100, Math.max(1, limit)));
  }

  /** The Sparks of a referrer's shares in all: waiting, credited, lapsed. */
  totals(guildId: string, referrerId: string): ShareTotals {
    return this.deps.store.totals(guildId, referrerId);
  }

  /**
   * What the outbound `sparks.credited` event of a referral entry adds: the share it
   * credits and whose event it came from (see Outbox.registerCreditedEvents).
   */
  creditedDetails(t: {
    guildId: string;
    kind: TransferKind;
    idempotencyKey: string;
  }): Record<string, unknown> {
    if (t.kind !== 'platform.referral') return {};
    const eventId = /^event:(.+):referral$/.exec(t.idempotencyKey)?.[1];
    const share = eventId ? this.deps.store.shareByEvent(t.guildId, eventId) : undefined;
    return share ? { referral: referralFields(share) } : {};
  }

  /** Lapses a pending qualification and its held shares; false when it was not pending. */
  private lapse(guildId: string, inviteeId: string, now: number): boolean {
    const { store } = this.deps;
    if (!store.settle(guildId, inviteeId, 'lapsed', now)) return false;
    for (const share of store.pendingShares(guildId, inviteeId)) {
      store.settleShare(share.id, 'lapsed', null, now);
      this.announce(share, 'lapsed', now);
    }
    return true;
  }

  private creditShare(
    share: ShareRow,
    credit: ShareCredit,
    now: number,
    note: string,
  ): ReturnType<ShareCredit> {
    const c = credit({
      userId: share.referrerUserId,
      amount: share.amount,
      kind: 'platform.referral',
      key: `event:${share.eventId}:referral`,
      reason: `${share.reason}${note}`,
    });
    this.deps.store.settleShare(share.id, 'credited', c?.entryId ?? null, now);
    return c;
  }

  /** A share that is not (or no longer going to be) a ledger entry, told to the platform. */
  private announce(share: ShareRow, status: 'pending' | 'lapsed', now: number): void {
    this.deps.outbox?.enqueue({
      guildId: share.guildId,
      userId: share.referrerUserId,
      type: 'sparks.credited',
      now,
      data: {
        status,
        amount: 0,
        [`${status}_amount`]: share.amount,
        kind: 'platform.referral',
        entry_id: null,
        reason: share.reason,
        ref: `event:${share.eventId}`,
        referral: referralFields(share),
      },
    });
  }

  private checkFresh(
    settings: GuildSettings,
    r: { guildId: string; referrerId: string; inviteeId: string; now: number },
  ): void {
    const { flags } = this.deps;
    const minDays = settings.flagMinAccountDays;
    if (!flags || minDays === 0) return;
    const fresh = (userId: string) => r.now - accountCreatedAt(userId) < minDays * DAY_MS;
    if (!fresh(r.inviteeId)) return;
    const days = Math.max(0, Math.floor((r.now - accountCreatedAt(r.inviteeId)) / DAY_MS));
    flags.raise({
      guildId: r.guildId,
      userId: r.inviteeId,
      source: 'auto:young_invitee',
      reason: `Referred by ${r.referrerId}; the Discord account is ${days} day(s) old (flag_min_account_days is ${minDays}).`,
      raisedBy: null,
    });
    const perDay = settings.flagFreshReferralsPerDay;
    if (perDay === 0) return;
    const count = this.deps.store.inviteesSince(r.guildId, r.referrerId, r.now - DAY_MS).filter(fresh).length;
    if (count < perDay) return;
    flags.raise({
      guildId: r.guildId,
      userId: r.referrerId,
      source: 'auto:fresh_referrals',
      reason: `${count} referrals of accounts younger than ${minDays} day(s) within a day (flag_fresh_referrals_per_day is ${perDay}).`,
      raisedBy: null,
    });
  }
}

function referralFields(share: ShareRow): Record<string, unknown> {
  return {
    share_id: share.id,
    invitee_discord_user_id: share.inviteeUserId,
    source_event_id: share.eventId,
    share_kind: share.kind,
  };
}
