import type { RedemptionView } from '../../shop/redemptions.ts';

/**
 * What the web needs to know of Discord, from the bot's own view of each guild (never
 * from what the visitor's browser or token claims): whether the bot is in a guild, who is
 * a member with which roles and permissions, members' names and avatars for the
 * leaderboard, the roles and channels the dashboard offers — and the Discord side of an
 * admin action that its slash-command twin also does (telling a member, re-ranking). The
 * Discord layer implements it (src/discord/directory.ts); tests and the bench may pass
 * their own.
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
  /** A bot account (bots never hold Sparks). */
  bot?: boolean;
  /** When they joined the guild (ms), for a days-in-server gate and Linked Roles member_since; null or absent when unknown. */
  joinedAt?: number | null;
}

export interface WebName {
  displayName: string;
  avatarUrl: string | null;
}

/** Why the bot could not hand out a role now (the shop's and tiers' refusals, SPEC §5). */
export interface WebRoleProblem {
  reason:
    'role_managed' | 'role_dangerous' | 'role_too_high' | 'bot_missing_permission' | 'discord_unavailable';
  /** The dangerous permissions it carries, by Discord's names (role_dangerous). */
  permissions: string[];
}

export interface WebRole {
  id: string;
  name: string;
  /** Discord's order: higher sits above. */
  position: number;
  /** Managed by an integration (a bot's own role, a booster role): nobody can assign it. */
  managed: boolean;
  /** The bot could hand it out now; otherwise `problem` says why not. */
  assignable: boolean;
  problem: WebRoleProblem | null;
}

export interface WebChannel {
  id: string;
  name: string;
  /** The first permission the bot lacks to post the audit log there; null when it has them. */
  missingPermission: string | null;
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
  /** The guild's roles as Discord has them now (not @everyone), highest first; [] without the guild. */
  roles(guildId: string): Promise<WebRole[]>;
  /** The guild's text and announcement channels as Discord has them now, in Discord's order. */
  channels(guildId: string): Promise<WebChannel[]>;
  /**
   * Tells the member how a redemption a moderator settled ended (a DM); false when DMs are
   * closed (they then see it at their next /sparks).
   */
  notifyRedemption(redemption: RedemptionView): Promise<boolean>;
  /** Re-ranks the guild's members after its leaderboard-excluded role changed. */
  rerank(guildId: string): Promise<void>;
}
