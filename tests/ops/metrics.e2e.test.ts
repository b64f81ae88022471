import { afterEach, describe, expect, it } from 'vitest';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';

let w: BotWorld;
afterEach(async () => {
  await w?.stop();
});

/** Every sample line of the Prometheus text exposition format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.eE+-]+|NaN|[+-]Inf)$/i.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('metrics and health', () => {
  it('counts handled interactions by command and outcome, ledger entries by kind, and parses as Prometheus text', async () => {
    w = await startWorld();
    await w.slash(w.users.alice, 'sparks balance').reply();
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 5, reason: 'x' })
      .reply();
    await w
      .slash(w.users.alice, 'sparks-admin award', { member: w.users.bob, amount: 5, reason: 'x' })
      .reply();
    // The router counts an interaction when its handler returns, just after the reply.
    await expect
      .poll(async () =>
        samples(await w.app.metrics.text()).get('sparks_interaction_duration_seconds_count{kind="command"}'),
      )
      .toBe(3);
    const m = samples(await w.app.metrics.text());
    expect(m.get('sparks_interactions_total{kind="command",command="sparks balance",outcome="ok"}')).toBe(1);
    expect(m.get('sparks_interactions_total{kind="command",command="sparks-admin award",outcome="ok"}')).toBe(
      1,
    );
    expect(
      m.get('sparks_interactions_total{kind="command",command="sparks-admin award",outcome="user_error"}'),
    ).toBe(1);
    expect(m.get('sparks_interaction_duration_seconds_count{kind="command"}')).toBe(3);
    expect(m.get('sparks_ledger_entries_total{kind="award"}')).toBe(1);
    expect(m.get('sparks_ledger_sparks_total{kind="award"}')).toBe(5);
    expect([...m.keys()].some((k) => k.startsWith('sparks_process_nodejs_eventloop_lag'))).toBe(true);
    expect(w.app.metrics.contentType).toMatch(/^text\/plain/);
  });

  it('reports healthy with a writable database and a connected gateway, and unhealthy when the gateway drops', async () => {
    w = await startWorld();
    const healthy = w.app.health.report();
    expect(healthy).toMatchObject({
      ok: true,
      database: { writable: true },
      gateway: { connected: true, status: 'Ready' },
    });
    expect(healthy.eventLoop.lagP99Ms).toBeGreaterThanOrEqual(0);
    w.fake.setHeartbeatAck(false);
    w.fake.dropGatewayConnection();
    await expect.poll(() => w.app.health.report().gateway.connected).toBe(false);
    expect(w.app.health.report().ok).toBe(false);
    await expect.poll(() => w.app.health.report().ok, { timeout: 10_000 }).toBe(true);
    await w.stopBot();
    expect(w.app.health.report().gateway).toMatchObject({ connected: false, status: 'Disconnected' });
  });
});
