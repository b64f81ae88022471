import type { Plugin } from '../plugins.ts';
import { interactions } from './interactions.ts';
import { members } from './members.ts';

/** Features hook into the running bot here, one entry each. */
export const plugins: Plugin[] = [interactions, members];
