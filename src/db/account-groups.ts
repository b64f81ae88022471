import type { AccountSpec } from './ledger-store.ts';

/**
 * The positions `at` of `specs` grouped by (guild, type), in order of first appearance: a
 * batch's accounts are a few system accounts and many members, read one statement per group
 * (both engines' `ensureAccounts`).
 */
export function byGuildAndType(specs: readonly AccountSpec[], at: readonly number[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const k of at) {
    const g = `${specs[k]!.guildId}\n${specs[k]!.type}`;
    const list = groups.get(g);
    if (list) list.push(k);
    else groups.set(g, [k]);
  }
  return [...groups.values()];
}
