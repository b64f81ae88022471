import { afterEach, describe, expect, it } from 'vitest';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { postEvent, SECRET_A, TOKEN, trade } from '../helpers/platform.ts';

let w: BotWorld;
afterEach(async () => {
  await w?.stop();
});

const env = {
  WEBHOOK_PORT: '0',
  WEBHOOK_HOST: '127.0.0.1',
  WEBHOOK_SECRET: SECRET_A,
  PLATFORM_API_TOKEN: TOKEN,
};

describe('the bot with its platform HTTP server', () => {
  it('credits a signed trade to a member who never used the bot; they see it in /sparks balance', async () => {
    w = await startWorld({ env });
    const url = w.app.http!.url;
    const reply = await postEvent(url, trade(w.users.carol, '1234.56', { guild_id: w.guildId }));
    expect(reply.status).toBe(200);
    const balance = await w.slash(w.users.carol, 'sparks balance').final();
    expect(text(balance)).toMatch(/Balance\s*123 Sparks/);
    const read = await fetch(`${url}/v1/members/${w.users.carol}?guild_id=${w.guildId}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await read.json()).toMatchObject({ balance: 123, lifetime_earned: 123 });
  });

  it('serves /healthz from the running bot (database and gateway) and /metrics as Prometheus text', async () => {
    w = await startWorld({ env });
    const url = w.app.http!.url;
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      ok: true,
      database: { writable: true },
      gateway: { connected: true },
    });
    // Counted when the handler returns, after its last edit (the balance card): wait for the
    // router's handled event, not a poll racing the card's render on a loaded machine.
    const handled = new Promise<void>((resolve) =>
      w.app.router.observe((e) => e.name === 'sparks balance' && resolve()),
    );
    await w.slash(w.users.alice, 'sparks balance').reply();
    await handled;
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'sparks_interactions_total{kind="command",command="sparks balance",outcome="ok"} 1',
    );
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    w.fake.setHeartbeatAck(false);
    w.fake.dropGatewayConnection();
    await expect.poll(async () => (await fetch(`${url}/healthz`)).status).toBe(503);
  });

  it('runs no HTTP server when WEBHOOK_PORT is unset', async () => {
    w = await startWorld();
    expect(w.app.http).toBeUndefined();
  });
});
