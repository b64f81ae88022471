import type { Plugin } from '../plugins.ts';
import { backupsPlugin } from './backups.ts';
import { interactions } from './interactions.ts';
import { membersPlugin } from './members.ts';

/**
 * Features hook into the running bot here, one entry each. A fresh list per app: a plugin
 * made by a factory keeps its own state, so several bots in one process (tests) never share.
 */
export function createPlugins(): Plugin[] {
  return [interactions, membersPlugin(), backupsPlugin()];
}
