export {
  FakeDiscord,
  expectNoUnexpectedRequests,
  parseEmojiInput,
  type AuditLogEntry,
  type AutocompleteInput,
  type ChannelInit,
  type ComponentInput,
  type ContextMenuInput,
  type EmojiInput,
  type FakeDiscordOptions,
  type GuildInit,
  type MemberInit,
  type MessageInit,
  type ModalInput,
  type OptionValue,
  type ReactionInput,
  type RegisteredCommand,
  type RoleInit,
  type SelectInput,
  type SlashInput,
} from './fake-discord.ts';
export type { FaultHandle, FaultSpec } from './faults.ts';
export type { RecordedRequest, RouteTable } from './requests.ts';
export {
  CloseCode,
  Intents,
  type DispatchRecord,
  type GatewayLogEntry,
  type GatewaySession,
} from './gateway.ts';
export {
  CallbackType,
  InteractionHandle,
  InteractionType,
  buttons,
  findComponent,
  text,
  type AttachmentView,
  type AutocompleteChoice,
  type ButtonView,
  type MessageView,
  type ResponseView,
} from './interactions.ts';
export { OptionType } from './inject.ts';
export { Limits } from './limits.ts';
export { memberJson } from './payloads.ts';
export {
  ALL_PERMISSIONS,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  Permissions,
} from './permissions.ts';
export { DISCORD_EPOCH, compareSnowflakes, shardOf, timestampOf } from './snowflake.ts';
export {
  ChannelType,
  MessageFlag,
  type ChannelRecord,
  type GuildRecord,
  type MemberRecord,
  type RoleRecord,
  type UserRecord,
} from './state.ts';
export {
  RoleConnectionLimits,
  type MetadataRecordJson,
  type RoleConnectionJson,
} from './role-connections.ts';
export type { TokenAnswer } from './oauth2.ts';
