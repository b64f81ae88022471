/**
 * What the web needs to know of Discord, from the bot's own view of each guild (never
 * from what the visitor's browser or token claims): whether the bot is in a guild, who is
 * a member with which roles and permissions, and members' names and avatars for the
 * leaderboard. The Discord layer implements it (src/discord/directory.ts); tests and the
 * bench may pass their own.
 */
export interface WebGuild {
  id: string;
  name: string;
  iconUrl: string | null;
}

export interface WebMember {
  userId: string;
  displayName: string;
  avatarUrl: string | null;
  roleIds: string[];
  /** The guild's owner, or a member whose roles grant Administrator or Manage Server. */
  managesGuild: boolean;
}

export interface WebName {
  displayName: string;
  avatarUrl: string | null;
}

export interface WebDirectory {
  /** The guild, when the bot is in it. */
  guild(guildId: string): Promise<WebGuild | null>;
  /**
   * The member as the bot sees them now; null when not a member. `fresh` skips any cache
   * (every admin change is checked against Discord as it is at that moment).
   */
  member(guildId: string, userId: string, options?: { fresh?: boolean }): Promise<WebMember | null>;
  /** Names and avatars of these members (those who left are absent from the map). */
  names(guildId: string, userIds: readonly string[]): Promise<Map<string, WebName>>;
  /** The guild's role names by id (a deleted role is absent), for showing role ids as text. */
  roleNames(guildId: string): Promise<Map<string, string>>;
}
