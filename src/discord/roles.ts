import {
  DiscordAPIError,
  PermissionFlagsBits,
  PermissionsBitField,
  RESTJSONErrorCodes,
  Routes,
  type Guild,
  type GuildMember,
  type Role,
} from 'discord.js';
import { botMember } from './guild-access.ts';

/**
 * Permissions a reward or tier role must never carry: handing one out through Sparks would
 * give members moderation or server-management power (SPEC §5).
 */
export const DANGEROUS_PERMISSIONS: { flag: bigint; name: string }[] = [
  { flag: PermissionFlagsBits.Administrator, name: 'Administrator' },
  { flag: PermissionFlagsBits.ManageGuild, name: 'Manage Server' },
  { flag: PermissionFlagsBits.ManageRoles, name: 'Manage Roles' },
  { flag: PermissionFlagsBits.ManageChannels, name: 'Manage Channels' },
  { flag: PermissionFlagsBits.BanMembers, name: 'Ban Members' },
  { flag: PermissionFlagsBits.KickMembers, name: 'Kick Members' },
  { flag: PermissionFlagsBits.ModerateMembers, name: 'Timeout Members' },
  { flag: PermissionFlagsBits.MentionEveryone, name: 'Mention Everyone' },
  { flag: PermissionFlagsBits.ManageMessages, name: 'Manage Messages' },
  { flag: PermissionFlagsBits.ManageWebhooks, name: 'Manage Webhooks' },
];

/**
 * Why a role cannot be granted. `permanent` failures will not fix themselves (the reward
 * should be disabled and admins alerted); the others may succeed later.
 */
export type RoleFailure =
  | { reason: 'role_missing'; permanent: true }
  | { reason: 'role_managed'; permanent: true }
  | { reason: 'role_dangerous'; permanent: true; permissions: string[] }
  | { reason: 'role_too_high'; permanent: true }
  | { reason: 'bot_missing_permission'; permanent: true }
  | { reason: 'member_left'; permanent: false }
  | { reason: 'discord_unavailable'; permanent: false };

export type RoleChange = { ok: true; alreadyDone: boolean } | ({ ok: false } & RoleFailure);

export function dangerousPermissionsOf(permissions: bigint | Readonly<PermissionsBitField>): string[] {
  const bits = typeof permissions === 'bigint' ? permissions : permissions.bitfield;
  return DANGEROUS_PERMISSIONS.filter((d) => (bits & d.flag) === d.flag).map((d) => d.name);
}

/**
 * Whether the bot may hand out `roleId` in `guild`: it exists, is not managed by an
 * integration, carries no dangerous permission, sits below the bot's highest role, and the
 * bot has Manage Roles. Fetches fresh data (the role may have been edited since).
 */
export async function checkGrantable(
  guild: Guild,
  roleId: string,
): Promise<{ ok: true; role: Role } | ({ ok: false } & RoleFailure)> {
  let role: Role | null;
  try {
    role = await guild.roles.fetch(roleId, { force: true });
  } catch (e) {
    if (isApiError(e, RESTJSONErrorCodes.UnknownRole))
      return { ok: false, reason: 'role_missing', permanent: true };
    return { ok: false, reason: 'discord_unavailable', permanent: false };
  }
  if (!role) return { ok: false, reason: 'role_missing', permanent: true };
  // The role's own faults need no call for the bot's member.
  const own = grantProblem(guild, role, null);
  if (own && own.permanent) return { ok: false, ...own };
  const me = await botMember(guild).catch(() => null);
  const problem = grantProblem(guild, role, me);
  return problem ? { ok: false, ...problem } : { ok: true, role };
}

/**
 * Why the bot (`me`, null when Discord did not say) could not hand out this existing role,
 * in this order: managed, dangerous, the bot unknown, the bot's Manage Roles, above the
 * bot; null when it could. Pure: the caller fetched the role and the bot's member as fresh
 * as it needs them.
 */
export function grantProblem(guild: Guild, role: Role, me: GuildMember | null): RoleFailure | null {
  if (role.managed || role.id === guild.id) return { reason: 'role_managed', permanent: true };
  const dangerous = dangerousPermissionsOf(role.permissions);
  if (dangerous.length) return { reason: 'role_dangerous', permanent: true, permissions: dangerous };
  if (!me) return { reason: 'discord_unavailable', permanent: false };
  if (!me.permissions.has(PermissionFlagsBits.ManageRoles))
    return { reason: 'bot_missing_permission', permanent: true };
  if (role.position >= me.roles.highest.position) return { reason: 'role_too_high', permanent: true };
  return null;
}

export interface RoleChangeOptions {
  /**
   * Aborts the request to Discord (the bot is stopping). An aborted change rejects with
   * the AbortError instead of resolving: whether Discord applied it is unknown, and the
   * caller asked not to wait to find out.
   */
  signal?: AbortSignal;
}

/**
 * Grants a role safely: checks it first, then asks Discord (discord.js waits out 429s and
 * retries 5xx). When the outcome is unknown — a timeout, or 5xx after every retry — it
 * looks at the member: if the role is there, Discord applied it and the grant counts, so a
 * caller never refunds a role that was in fact granted, nor grants it twice.
 */
export async function grantRole(
  guild: Guild,
  userId: string,
  roleId: string,
  auditReason: string,
  options: RoleChangeOptions = {},
): Promise<RoleChange> {
  const check = await checkGrantable(guild, roleId);
  if (!check.ok) return check;
  return changeRole(guild, userId, roleId, auditReason, 'add', options.signal);
}

/** Removes a role (expiry, a tier lost by a revoke). Only the existence checks apply. */
export async function removeRole(
  guild: Guild,
  userId: string,
  roleId: string,
  auditReason: string,
  options: RoleChangeOptions = {},
): Promise<RoleChange> {
  return changeRole(guild, userId, roleId, auditReason, 'remove', options.signal);
}

/** Whether the member holds the role right now (fresh from Discord); null if unknown. */
export async function memberHasRole(
  guild: Guild,
  userId: string,
  roleId: string,
): Promise<boolean | 'left' | null> {
  try {
    const member = await guild.members.fetch({ user: userId, force: true });
    return member.roles.cache.has(roleId);
  } catch (e) {
    if (isApiError(e, RESTJSONErrorCodes.UnknownMember)) return 'left';
    return null;
  }
}

async function changeRole(
  guild: Guild,
  userId: string,
  roleId: string,
  reason: string,
  direction: 'add' | 'remove',
  signal?: AbortSignal,
): Promise<RoleChange> {
  try {
    const route = Routes.guildMemberRole(guild.id, userId, roleId);
    if (direction === 'add') await guild.client.rest.put(route, { reason, signal });
    else await guild.client.rest.delete(route, { reason, signal });
    return { ok: true, alreadyDone: false };
  } catch (e) {
    if (signal?.aborted) throw e;
    if (isApiError(e, RESTJSONErrorCodes.UnknownRole))
      return { ok: false, reason: 'role_missing', permanent: true };
    if (isApiError(e, RESTJSONErrorCodes.UnknownMember))
      return { ok: false, reason: 'member_left', permanent: false };
    if (isApiError(e, RESTJSONErrorCodes.MissingPermissions)) {
      return { ok: false, reason: 'role_too_high', permanent: true };
    }
    const holds = await memberHasRole(guild, userId, roleId);
    if (holds === 'left') return { ok: false, reason: 'member_left', permanent: false };
    if (holds === (direction === 'add')) return { ok: true, alreadyDone: true };
    return { ok: false, reason: 'discord_unavailable', permanent: false };
  }
}

function isApiError(e: unknown, code: number): boolean {
  return e instanceof DiscordAPIError && e.code === code;
}
