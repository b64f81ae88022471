/**
 * Flags (SPEC §11): a flagged member keeps earning but cannot redeem, enter raffles or win
 * season prizes. Flags are not built yet; this is the port the seasons and raffles ask, and
 * the identity issue plugs its store in here (`Services.flags`). Until then no one is flagged.
 */
export interface FlagCheck {
  /** Whether a moderator or the bot flagged the member and no one has cleared it. */
  isFlagged(guildId: string, userId: string): boolean;
}

export const NO_FLAGS: FlagCheck = { isFlagged: () => false };
