import type { Plugin } from '../plugins.ts';
import { backupsPlugin } from './backups.ts';
import { interactions } from './interactions.ts';

/** Features hook into the running bot here, one entry each. */
export const plugins: Plugin[] = [interactions, backupsPlugin()];
