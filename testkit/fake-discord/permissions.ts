/** Permission bits as Discord defines them (bigint: bit 40+ does not fit a 32-bit int). */
export const Permissions = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  PrioritySpeaker: 1n << 8n,
  Stream: 1n << 9n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  SendTTSMessages: 1n << 12n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  ViewGuildInsights: 1n << 19n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  MuteMembers: 1n << 22n,
  DeafenMembers: 1n << 23n,
  MoveMembers: 1n << 24n,
  UseVAD: 1n << 25n,
  ChangeNickname: 1n << 26n,
  ManageNicknames: 1n << 27n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  ManageGuildExpressions: 1n << 30n,
  UseApplicationCommands: 1n << 31n,
  RequestToSpeak: 1n << 32n,
  ManageEvents: 1n << 33n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  UseEmbeddedActivities: 1n << 39n,
  ModerateMembers: 1n << 40n,
  ViewCreatorMonetizationAnalytics: 1n << 41n,
  UseSoundboard: 1n << 42n,
  CreateGuildExpressions: 1n << 43n,
  CreateEvents: 1n << 44n,
  UseExternalSounds: 1n << 45n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
  PinMessages: 1n << 51n,
  BypassSlowmode: 1n << 52n,
} as const;

export const ALL_PERMISSIONS: bigint = Object.values(Permissions).reduce((all, bit) => all | bit, 0n);

/** What a fresh server's @everyone role gets. */
export const DEFAULT_EVERYONE_PERMISSIONS: bigint =
  Permissions.CreateInstantInvite |
  Permissions.AddReactions |
  Permissions.Stream |
  Permissions.ViewChannel |
  Permissions.SendMessages |
  Permissions.EmbedLinks |
  Permissions.AttachFiles |
  Permissions.ReadMessageHistory |
  Permissions.MentionEveryone |
  Permissions.UseExternalEmojis |
  Permissions.Connect |
  Permissions.Speak |
  Permissions.UseVAD |
  Permissions.ChangeNickname |
  Permissions.UseApplicationCommands |
  Permissions.SendMessagesInThreads |
  Permissions.CreatePublicThreads |
  Permissions.CreatePrivateThreads |
  Permissions.UseExternalStickers |
  Permissions.SendVoiceMessages |
  Permissions.SendPolls;

/** The bot role's default: Manage Roles plus what a typical bot invite asks for. */
export const DEFAULT_BOT_PERMISSIONS: bigint =
  Permissions.ManageRoles |
  Permissions.ViewChannel |
  Permissions.SendMessages |
  Permissions.EmbedLinks |
  Permissions.AttachFiles |
  Permissions.ReadMessageHistory |
  Permissions.AddReactions |
  Permissions.UseExternalEmojis |
  Permissions.UseApplicationCommands;

export type PermissionInput = bigint | string | number;

export function toPermissionBits(value: PermissionInput): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

export function has(bits: bigint, permission: bigint): boolean {
  return (
    (bits & Permissions.Administrator) === Permissions.Administrator || (bits & permission) === permission
  );
}
