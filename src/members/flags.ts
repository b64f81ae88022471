/**
 * Flags (SPEC §11): a flagged member keeps earning but cannot redeem, enter raffles or win
 * season prizes. `FlagCheck` is what the shop, seasons and raffles ask; `FlagRaiser` is what
 * the bot's own abuse checks (a shared wallet, fresh-account referrals) call to flag a member
 * for review — never a ban. The identity issue's flag store implements both
 * (`Services.flags`); until it lands no one is flagged.
 */

/** Who or what raised a flag: a moderator, or one of the bot's automatic checks. */
export const FLAG_SOURCES = [
  'moderator',
  'auto:wallet_shared',
  'auto:young_invitee',
  'auto:fresh_referrals',
] as const;
export type FlagSource = (typeof FLAG_SOURCES)[number];

export interface FlagCheck {
  /** Whether a moderator or the bot flagged the member and no one has cleared it. */
  isFlagged(guildId: string, userId: string): boolean;
}

export interface FlagRaise {
  guildId: string;
  userId: string;
  source: FlagSource;
  /** Why, in the raiser's words (a moderator's reason, or the automatic check's facts). */
  reason: string;
  /** The moderator's id; null for an automatic flag. */
  raisedBy: string | null;
}

export interface FlagRaiser {
  /**
   * Flags the member unless they already have an open flag; `raised` says whether this call
   * opened one. Runs inside the caller's `db.write` when there is one.
   */
  raise(input: FlagRaise): { raised: boolean };
}

export type FlagPort = FlagCheck & FlagRaiser;

export const NO_FLAGS: FlagCheck = { isFlagged: () => false };
