import {
  REST,
  Routes,
  type RESTPutAPIApplicationCommandsResult,
  type RESTPutAPIApplicationRoleConnectionMetadataResult,
} from 'discord.js';
import { ROLE_CONNECTION_METADATA } from '../linked-roles/metadata.ts';
import { commands, messageMenus } from './commands/index.ts';
import { buildAll } from './commands/build.ts';

export interface DeployOptions {
  token: string;
  clientId: string;
  /** Guild-scoped (instant, for development); global when absent (can take up to an hour). */
  guildId?: string;
  apiUrl?: string;
}

export interface Deployment {
  commands: RESTPutAPIApplicationCommandsResult;
  /** The Linked Roles metadata records as Discord stored them (always application-wide). */
  roleConnectionMetadata: RESTPutAPIApplicationRoleConnectionMetadataResult;
}

/**
 * Registers every command in one bulk overwrite, and the application's Linked Roles
 * metadata records (SPEC §11) in another. Separate from start-up because command creation
 * is rate-limited per day: run it when commands change, not on every boot. The metadata
 * has no guild scope: a guild-scoped deploy registers it for the application too.
 */
export async function deploy(options: DeployOptions): Promise<Deployment> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.clientId, options.guildId)
    : Routes.applicationCommands(options.clientId);
  const registered = (await rest.put(route, {
    body: buildAll(commands, messageMenus),
  })) as RESTPutAPIApplicationCommandsResult;
  const roleConnectionMetadata = (await rest.put(Routes.applicationRoleConnectionMetadata(options.clientId), {
    body: ROLE_CONNECTION_METADATA,
  })) as RESTPutAPIApplicationRoleConnectionMetadataResult;
  return { commands: registered, roleConnectionMetadata };
}

/** `deploy`, answering the registered commands (the test kit and start-up checks use it). */
export async function deployCommands(options: DeployOptions): Promise<RESTPutAPIApplicationCommandsResult> {
  return (await deploy(options)).commands;
}
