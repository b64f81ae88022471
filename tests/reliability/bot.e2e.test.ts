import { describe, expect, it } from 'vitest';
import { gatewayDelivery } from '../../reliability/gateway.ts';
import { roleGrantOutcomes } from '../../reliability/role-grants.ts';
import { secretsNeverLeak } from '../../reliability/secrets.ts';

const seed = Number(process.env.SPARKS_SEED ?? 1);

describe('reliability (fast part): the real bot against the fake Discord', () => {
  it('a role grant under every Discord outcome ends fulfilled exactly when the member holds the role', async () => {
    const r = await roleGrantOutcomes();
    expect(r.pass, r.figure).toBe(true);
  }, 60_000);

  it('duplicated, replayed and doubly consumed reactions credit each (campaign, member) once', async () => {
    const r = await gatewayDelivery({ members: 40, seed });
    expect(r.pass, r.figure).toBe(true);
  }, 60_000);

  it('no secret reaches a log, a reply, an export, an HTTP answer or npm start’s output', async () => {
    const r = await secretsNeverLeak();
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);
});
