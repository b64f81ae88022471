import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { Localized } from '../i18n/index.ts';
import type { MessageMenuCommand, RootCommand, Subcommand } from '../types.ts';

interface Describable {
  setDescription(description: string): this;
  setDescriptionLocalizations(localizations: Record<string, string>): this;
}

/** Sets an English description with its Korean localization. */
export function describe<T extends Describable>(builder: T, text: Localized): T {
  return builder.setDescription(text.en).setDescriptionLocalizations({ ko: text.ko });
}

function buildSub(builder: SlashCommandSubcommandBuilder, sub: Subcommand): SlashCommandSubcommandBuilder {
  const b = describe(builder.setName(sub.name), sub.description);
  return sub.options ? sub.options(b) : b;
}

/** The JSON Discord receives for `PUT …/commands`, built from the command registry. */
export function buildCommands(commands: RootCommand[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((command) => {
    const b = describe(new SlashCommandBuilder().setName(command.name), command.description).setContexts(
      InteractionContextType.Guild,
    );
    if (command.defaultMemberPermissions !== undefined)
      b.setDefaultMemberPermissions(command.defaultMemberPermissions);
    for (const sub of command.subcommands.filter((s) => !s.group)) b.addSubcommand((sb) => buildSub(sb, sub));
    for (const group of command.groups ?? []) {
      const subs = command.subcommands.filter((s) => s.group === group.name);
      b.addSubcommandGroup((gb) => {
        describe(gb.setName(group.name), group.description);
        for (const sub of subs) gb.addSubcommand((sb) => buildSub(sb, sub));
        return gb;
      });
    }
    return b.toJSON();
  });
}

/** The JSON of message context-menu commands (Discord registers them beside slash commands). */
export function buildMessageMenus(
  menus: MessageMenuCommand[],
): RESTPostAPIContextMenuApplicationCommandsJSONBody[] {
  return menus.map((menu) => {
    const b = new ContextMenuCommandBuilder()
      .setName(menu.name)
      .setNameLocalizations({ ko: menu.nameLocalizations.ko })
      .setType(ApplicationCommandType.Message)
      .setContexts(InteractionContextType.Guild);
    if (menu.defaultMemberPermissions !== undefined)
      b.setDefaultMemberPermissions(menu.defaultMemberPermissions);
    return b.toJSON();
  });
}

/** Everything `deploy-commands` registers in one bulk overwrite. */
export function buildAll(
  commands: RootCommand[],
  menus: MessageMenuCommand[],
): RESTPostAPIApplicationCommandsJSONBody[] {
  return [...buildCommands(commands), ...buildMessageMenus(menus)];
}
