/**
 * Scenario 2b — every Discord outcome of a redemption's role grant, end to end: the real
 * bot against the fake Discord, a fault injected on PUT /guilds/:g/members/:u/roles/:r
 * after the confirmation is shown, then Confirm. Whatever Discord does, the redemption
 * ends fulfilled exactly when the member holds the role and refunded otherwise, the
 * balance says the same, and the ledger verifies clean.
 */
import type { FaultSpec } from '../testkit/fake-discord/index.ts';
import { text } from '../testkit/fake-discord/index.ts';
import { startWorld } from '../testkit/bot.ts';
import {
  ROLE_ROUTE,
  addReward,
  balanceOf,
  click,
  fund,
  hasRole,
  openConfirmation,
} from '../testkit/world.ts';
import { errorLogs, verifyProblems } from './bot-kit.ts';
import type { ScenarioResult } from './support.ts';
import { sqliteOf } from '../tests/helpers/engines.ts';

interface Outcome {
  label: string;
  fault?: Omit<FaultSpec, 'route' | 'method'>;
  status: 'fulfilled' | 'refunded';
  failure?: string;
}

const put = (spec: Omit<FaultSpec, 'route' | 'method'>) => spec;

export const ROLE_OUTCOMES: Outcome[] = [
  { label: '204', status: 'fulfilled' },
  { label: '429 then 204', fault: put({ status: 429, retryAfter: 0.2 }), status: 'fulfilled' },
  { label: '5xx ×3 then 204', fault: put({ status: 502, times: 3 }), status: 'fulfilled' },
  {
    label: '5xx every time',
    fault: put({ status: 503, times: Infinity }),
    status: 'refunded',
    failure: 'discord_unavailable',
  },
  {
    label: '50013',
    fault: put({ status: 403, code: 50013 }),
    status: 'refunded',
    failure: 'role_too_high',
  },
  {
    label: '10007',
    fault: put({ status: 404, code: 10007 }),
    status: 'refunded',
    failure: 'member_left',
  },
  {
    label: '10011',
    fault: put({ status: 404, code: 10011 }),
    status: 'refunded',
    failure: 'role_missing',
  },
  {
    label: 'timeout after Discord applied it',
    fault: put({ action: 'hang', applyBeforeFailing: true, times: Infinity }),
    status: 'fulfilled',
  },
  {
    label: '5xx after Discord applied it',
    fault: put({ status: 500, applyBeforeFailing: true, times: Infinity }),
    status: 'fulfilled',
  },
];

export async function roleGrantOutcomes(): Promise<ScenarioResult> {
  const w = await startWorld({ shutdownGraceMs: 200 });
  // A request that hangs is given up after 2 s instead of discord.js's 15 s (then retried).
  w.app.client.rest.options.timeout = 2000;
  const failures: string[] = [];
  const seen: string[] = [];
  try {
    let n = 0;
    for (const c of ROLE_OUTCOMES) {
      n++;
      const member = w.fake.addMember(w.guildId, { username: `grantee${n}` }).userId;
      fund(w, member, 1000, `fund:${member}`);
      const role = w.fake.createRole(w.guildId, { name: `Perk ${n}`, position: 2 });
      const reward = await addReward(w, { name: `Perk ${n}`, cost: 300, kind: 'role', role: role.id });
      const confirmation = await openConfirmation(w, member, reward.name);
      const fault = c.fault ? w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, ...c.fault }) : null;
      const final = text(
        await click(w, member, confirmation.messageId, confirmation.confirmId).final({ timeoutMs: 20_000 }),
      );
      w.fake.clearFaults();
      const rows = sqliteOf(w.app.services.db)
        .prepare('SELECT status, failure_code AS failure FROM redemptions WHERE reward_id = ?')
        .all(reward.id) as { status: string; failure: string | null }[];
      const holds = hasRole(w, member, role.id);
      const balance = balanceOf(w, member);
      const got = rows.map((r) => `${r.status}${r.failure ? `(${r.failure})` : ''}`).join(',');
      seen.push(`${c.label} (${fault?.hits ?? 0} faults) → ${got}`);
      const wrong: string[] = [];
      if (fault && fault.hits === 0) wrong.push('the fault was never hit');
      if (rows.length !== 1 || rows[0]!.status !== c.status || (rows[0]!.failure ?? undefined) !== c.failure)
        wrong.push(`ended ${got}`);
      // The invariant, whatever Discord did: fulfilled ⇔ the member holds the role.
      if (holds !== (rows[0]?.status === 'fulfilled')) wrong.push(`holds the role: ${holds}`);
      if (balance !== (rows[0]?.status === 'fulfilled' ? 700 : 1000)) wrong.push(`balance ${balance}`);
      if (/Something went wrong/.test(final)) wrong.push(`member read "${final}"`);
      const problems = verifyProblems(w);
      if (problems) wrong.push(problems);
      if (wrong.length) failures.push(`${c.label}: ${wrong.join('; ')}`);
    }
    const errors = errorLogs(w);
    if (errors.length) failures.push(`${errors.length} error logs: ${errors[0]!.msg}`);
  } finally {
    await w.stop();
  }
  if (process.env.SPARKS_RELIABILITY_VERBOSE) console.error(seen.join('\n'));
  return {
    scenario: 'role grant under each Discord outcome (e2e)',
    runs: ROLE_OUTCOMES.length,
    figure: failures.length
      ? failures.join('; ')
      : `${ROLE_OUTCOMES.filter((c) => c.status === 'fulfilled').length} fulfilled + ${ROLE_OUTCOMES.filter((c) => c.status === 'refunded').length} refunded, each exactly as the member's roles say; verify clean`,
    pass: failures.length === 0,
  };
}
