import { GuildMember, PermissionFlagsBits, type Interaction } from 'discord.js';
import type { GuildSettings } from '../settings/settings.ts';

/** The roles of the member behind an interaction, whether discord.js cached them or not. */
export function memberRoleIds(interaction: Interaction): string[] {
  const member = interaction.member;
  if (!member) return [];
  if (member instanceof GuildMember) return [...member.roles.cache.keys()];
  return Array.isArray(member.roles) ? member.roles : [];
}

/** When the member behind an interaction joined the server (ms); null when Discord did not say. */
export function memberJoinedAt(interaction: Interaction): number | null {
  const member = interaction.member;
  if (!member) return null;
  if (member instanceof GuildMember) return member.joinedTimestamp;
  const joined = member.joined_at ? Date.parse(member.joined_at) : Number.NaN;
  return Number.isNaN(joined) ? null : joined;
}

/** Manage Server, or the moderator role an admin configured. */
export function isModerator(interaction: Interaction, settings: GuildSettings): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return true;
  return settings.moderatorRoleId !== null && memberRoleIds(interaction).includes(settings.moderatorRoleId);
}
