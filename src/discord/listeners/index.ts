import type { Plugin } from '../plugins.ts';
import { interactions } from './interactions.ts';
import { shop } from './shop.ts';

/** Features hook into the running bot here, one entry each. */
export const plugins: Plugin[] = [interactions, shop];
