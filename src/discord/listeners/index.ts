import type { Plugin } from '../plugins.ts';
import { auditLogPlugin } from './audit-log.ts';
import { campaignsPlugin } from './campaigns.ts';
import { interactions } from './interactions.ts';

/**
 * Features hook into the running bot here, one entry each. Plugins stop in reverse order:
 * the audit-log poster stops after the features that record events while stopping.
 */
export const plugins: Plugin[] = [interactions, auditLogPlugin(), campaignsPlugin()];
