import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { expectNoUnexpectedRequests, text } from '../fake-discord/index.ts';
import { startWorld, type BotWorld } from '../helpers/bot.ts';
import { campaignKit, fastPlugins, FIRE } from '../helpers/campaigns.ts';

let w: BotWorld;
let k: ReturnType<typeof campaignKit>;
beforeAll(async () => {
  w = await startWorld({ plugins: fastPlugins() });
  k = campaignKit(w);
  w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterAll(async () => {
  await w?.stop();
});

describe('reaction campaigns', () => {
  it('credits 200 members exactly once on an old message, through duplicates, toggles and a replayed burst', async () => {
    const message = k.oldMessage();
    const reply = await k.start({ message: k.link(message), emoji: FIRE, sparks: 10 });
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toContain('Campaign started');
    expect(w.fake.reactionUsers(message, FIRE)).toContain(w.fake.botUserId);
    const campaign = k.campaignOn(message)!;
    const members = k.members(200);
    const records = members.flatMap((m) => k.react(message, m));
    for (const m of members.slice(0, 50)) {
      k.unreact(message, m);
      records.push(...k.react(message, m));
    }
    w.fake.replayDispatch(records);
    k.react(message, w.users.otherBot);
    await k.sync(message);
    expect(members.map(k.balance)).toEqual(members.map(() => 10));
    expect(k.balance(w.users.otherBot)).toBe(0);
    expect(k.balance(w.fake.botUserId)).toBe(0);
    expect(k.grants(campaign.id)).toBe(201);
    expect(k.campaign(campaign.id)).toMatchObject({ claims: 201, granted: 2010, status: 'active' });
    expect(verifyLedger(w.app.services.db.sqlite).ok).toBe(true);
    expectNoUnexpectedRequests(w.fake);
  });
});
