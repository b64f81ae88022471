import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  SlashCommandSubcommandBuilder,
  StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from '../log.ts';
import type { Services } from '../services.ts';
import type { Locale, Localized, Translate } from './i18n/index.ts';
import type { Provisions } from './plugins/plugin.ts';

/**
 * What every handler gets: the interaction, the services, what the running plugins
 * provide, and the caller's language.
 */
export interface Ctx<I> {
  interaction: I;
  services: Services;
  provided: Provisions;
  locale: Locale;
  t: Translate;
  log: Logger;
  guildId: string;
  userId: string;
}

export interface Subcommand {
  name: string;
  /** The subcommand group it sits in (`campaign`, `reward`, `tier`), if any. */
  group?: string;
  description: Localized;
  /** Checked in the router on every call, not only by command visibility. */
  moderatorOnly?: boolean;
  options?: (builder: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder;
  execute: (ctx: Ctx<ChatInputCommandInteraction>) => Promise<void>;
  autocomplete?: (ctx: Ctx<AutocompleteInteraction>) => Promise<void>;
}

export interface RootCommand {
  name: string;
  description: Localized;
  /** Discord's default visibility; admins can change it, so handlers check again. */
  defaultMemberPermissions?: bigint;
  groups?: { name: string; description: Localized }[];
  subcommands: Subcommand[];
}

/**
 * A message context-menu command (right-click a message → Apps). Discord lists these as
 * separate top-level commands; the router routes them by name.
 */
export interface MessageMenuCommand {
  /** What Discord shows in the Apps menu (1–32 characters, spaces allowed). */
  name: string;
  nameLocalizations: { ko: string };
  defaultMemberPermissions?: bigint;
  /** Checked in the router on every call, like subcommands. */
  moderatorOnly?: boolean;
  execute: (ctx: Ctx<MessageContextMenuCommandInteraction>) => Promise<void>;
}

export type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

/**
 * Handles buttons, select menus and modals whose custom id starts with `prefix:`. The
 * rest of the id, split on ':', arrives as `args`.
 */
export interface ComponentHandler {
  prefix: string;
  execute: (ctx: Ctx<ComponentInteraction>, args: string[]) => Promise<void>;
}
