/**
 * A stand-in for Discord's role state that outlives a process: a granted role is a file
 * (written synchronously, so a grant that returned is on disk), and every grant request is
 * appended to a log. A worker killed after the grant and the recovery that follows in
 * another process both see the same member roles, as they would on Discord.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoleGranter } from '../src/shop/redemptions.ts';

const roleFile = (dir: string, userId: string, roleId: string) => join(dir, `${userId}-${roleId}.role`);

export function fileGranter(dir: string): RoleGranter {
  return {
    grant(userId, roleId) {
      appendFileSync(join(dir, 'grants.log'), `${userId} ${roleId}\n`);
      writeFileSync(roleFile(dir, userId, roleId), '');
      return Promise.resolve({ ok: true });
    },
    holds: (userId, roleId) => Promise.resolve(existsSync(roleFile(dir, userId, roleId))),
  };
}

/** Whether the member holds the role in this stand-in. */
export const holdsRole = (dir: string, userId: string, roleId: string) =>
  existsSync(roleFile(dir, userId, roleId));

/** How many grant requests reached the stand-in. */
export function grantRequests(dir: string): number {
  const log = join(dir, 'grants.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
}
