import { REST, Routes, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import { commands, messageMenus } from './commands/index.ts';
import { buildAll } from './commands/build.ts';

export interface DeployOptions {
  token: string;
  clientId: string;
  /** Guild-scoped (instant, for development); global when absent (can take up to an hour). */
  guildId?: string;
  apiUrl?: string;
}

/**
 * Registers every command in one bulk overwrite. Separate from start-up because command
 * creation is rate-limited per day: run it when commands change, not on every boot.
 */
export async function deployCommands(options: DeployOptions): Promise<RESTPutAPIApplicationCommandsResult> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.clientId, options.guildId)
    : Routes.applicationCommands(options.clientId);
  return (await rest.put(route, {
    body: buildAll(commands, messageMenus),
  })) as RESTPutAPIApplicationCommandsResult;
}
