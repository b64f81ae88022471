import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

/** What the bot must be allowed to do in the log channel, with Discord's names for it. */
const LOG_PERMISSIONS: [bigint, string][] = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.EmbedLinks, 'Embed Links'],
];

/**
 * The first permission the bot lacks to post the audit log's embeds in a channel, by
 * Discord's name for it; null when it has them all. `permissions` are the bot's in that
 * channel (null: the channel is not there or not visible, so the first one is missing).
 */
export function missingLogPermission(permissions: Readonly<PermissionsBitField> | null): string | null {
  for (const [flag, name] of LOG_PERMISSIONS) if (!permissions?.has(flag)) return name;
  return null;
}
