import {
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { Localized } from '../i18n/index.ts';
import type { RootCommand, Subcommand } from '../types.ts';

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
