import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import type { Plugin } from '../../src/discord/plugins/plugin.ts';
import { expectNoUnexpectedRequests, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { countOf, ENGINES, worldDatabases } from '../helpers/engines.ts';

let w: BotWorld;
afterEach(async () => {
  await w?.stop();
});
const databaseFor = worldDatabases();

describe.each(ENGINES)('the bot on a fake Discord (%s)', (engine) => {
  beforeEach(async () => {
    w = await startWorld({ env: await databaseFor(engine) });
  });

  it('registers /sparks and /sparks-admin with Korean localizations and Manage Server by default', () => {
    const registered = w.fake.registeredCommands(w.guildId);
    expect(
      registered
        .filter((c) => c.type === 1)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['sparks', 'sparks-admin']);
    expect(registered.find((c) => c.type === 3)).toMatchObject({
      name: 'Start Sparks campaign',
      default_member_permissions: String(1 << 5),
    });
    const admin = registered.find((c) => c.name === 'sparks-admin')!;
    expect(admin.default_member_permissions).toBe(String(1 << 5));
    expect((admin.description_localizations as Record<string, string>).ko).toMatch(/관리/);
  });

  it('/sparks balance for a member with no Sparks says how to earn, privately', async () => {
    const reply = await w.slash(w.users.alice, 'sparks balance').final();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toContain('Your Sparks');
    expect(text(reply)).toContain('0 Sparks');
    expect(text(reply)).toMatch(/No Sparks yet/);
    expectNoUnexpectedRequests(w.fake);
  });

  it('a moderator awards Sparks; the member sees balance, lifetime and rank', async () => {
    const award = await w
      .slash(w.users.mod, 'sparks-admin award', {
        member: w.users.alice,
        amount: 1500,
        reason: 'Great AMA question',
      })
      .reply();
    expect(award.ephemeral).toBe(false);
    expect(text(award)).toContain(`<@${w.users.alice}> received **1,500 Sparks**`);
    expect(award.allowedMentions).toEqual({ parse: [], users: [w.users.alice] });
    const balance = await w.slash(w.users.alice, 'sparks balance').final();
    expect(text(balance)).toMatch(/Balance\s*1,500 Sparks/);
    expect(text(balance)).toMatch(/Lifetime earned\s*1,500 Sparks/);
    expect(text(balance)).toContain('#1');
    const other = await w.slash(w.users.bob, 'sparks balance', { member: w.users.alice }).final();
    expect(other.ephemeral).toBe(true);
    expect(text(other)).toContain('Sparks of Alice');
    expect(verifyLedger(w.app.services.db).ok).toBe(true);
  });

  it('a member who is not a moderator is refused award and revoke, and nothing is written', async () => {
    const reply = await w
      .slash(w.users.alice, 'sparks-admin award', { member: w.users.alice, amount: 10, reason: 'me' })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/Only moderators/);
    expect(w.app.services.ledger.reads.standing(w.guildId, w.users.alice).balance).toBe(0);
  });

  it('the configured moderator role is accepted in place of Manage Server', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Sparks Crew', position: 3 });
    w.fake.setMemberRoles(w.guildId, w.users.bob, [role.id]);
    w.app.services.settings.update(w.guildId, { moderatorRoleId: role.id });
    const reply = await w
      .slash(w.users.bob, 'sparks-admin award', { member: w.users.alice, amount: 10, reason: 'helping' })
      .reply();
    expect(text(reply)).toContain('received **10 Sparks**');
  });

  it('refuses a self-award, a bot, an over-revoke (saying how much could be revoked), and a daily limit', async () => {
    const self = await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.mod, amount: 10, reason: 'x' })
      .reply();
    expect(text(self)).toMatch(/cannot award or revoke Sparks for yourself/);
    const bot = await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.otherBot, amount: 10, reason: 'x' })
      .reply();
    expect(text(bot)).toMatch(/member is not valid/);
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 30, reason: 'x' })
      .reply();
    const over = await w
      .slash(w.users.mod, 'sparks-admin revoke', { member: w.users.alice, amount: 50, reason: 'oops' })
      .reply();
    expect(text(over)).toMatch(/Not enough Sparks: 30 available, 50 needed/);
    w.app.services.settings.update(w.guildId, { dailyAwardLimit: 100 });
    const limited = await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.bob, amount: 80, reason: 'x' })
      .reply();
    expect(limited.ephemeral).toBe(true);
    expect(text(limited)).toMatch(/you can award 70 more Sparks today \(limit 100\)/);
    expect(w.app.services.ledger.reads.standing(w.guildId, w.users.bob).balance).toBe(0);
    const revoke = await w
      .slash(w.users.mod, 'sparks-admin revoke', { member: w.users.alice, amount: 30, reason: 'oops' })
      .reply();
    expect(text(revoke)).toMatch(/Revoked \*\*30 Sparks\*\*.*balance is now 0/);
  });

  it('an unknown command gets a clear private answer', async () => {
    const reply = await w.fake
      .slash({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.users.alice,
        command: 'sparkz',
        force: true,
      })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/This command is not available/);
  });

  it('replies in Korean for a Korean client, with Korean number formatting', async () => {
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 1234, reason: '감사합니다' })
      .reply();
    const reply = await w.slash(w.users.alice, 'sparks balance', {}, { locale: 'ko' }).final();
    expect(text(reply)).toContain('내 Sparks');
    expect(text(reply)).toContain('1,234 Sparks');
    expect(text(reply)).toContain('1위');
    const refused = await w
      .slash(
        w.users.alice,
        'sparks-admin award',
        { member: w.users.bob, amount: 1, reason: 'x' },
        { locale: 'ko' },
      )
      .reply();
    expect(text(refused)).toMatch(/모더레이터만/);
  });

  it('logs one line per interaction with its id, command, outcome and latency, and never the token', async () => {
    // The line is written when the handler returns, after its last edit (the balance card),
    // just before the router tells its observers: a poll from the first reply raced the
    // card's render on a loaded machine.
    const handled = new Promise<void>((resolve) =>
      w.app.router.observe((e) => e.name === 'sparks balance' && resolve()),
    );
    const handle = w.slash(w.users.alice, 'sparks balance');
    await handle.reply();
    await handled;
    const line = w.logs.find((l) => l.msg === 'interaction' && l.command === 'sparks balance')!;
    expect(line).toMatchObject({ kind: 'command', outcome: 'ok', userId: w.users.alice });
    expect(typeof line.interactionId).toBe('string');
    expect(typeof line.ms).toBe('number');
    expect(JSON.stringify(w.logs)).not.toContain(w.fake.token);
  });

  it('a reconnect (RESUME) replays missed events without applying an award twice', async () => {
    await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.alice, amount: 5, reason: 'before' })
      .reply();
    const dropped = w.fake.dropGatewayConnection();
    expect(dropped).toBe(1);
    const during = w.slash(w.users.mod, 'sparks-admin award', {
      member: w.users.alice,
      amount: 7,
      reason: 'during',
    });
    await during.reply();
    expect(w.fake.gatewayLog.some((e) => e.kind === 'resumed')).toBe(true);
    // Discord may deliver the same interaction again: the router drops a repeat it has seen.
    w.fake.dispatchRaw('INTERACTION_CREATE', during.payload, { guildId: w.guildId });
    await expect
      .poll(() => w.logs.some((l) => l.msg === 'duplicate interaction delivery ignored'))
      .toBe(true);
    expect(during.rejected).toEqual([]);
    // After a restart the router has forgotten it: the ledger's unique key applies it once,
    // Discord refuses the second acknowledgement (40060), and the bot does not try again.
    await w.restartBot();
    w.fake.dispatchRaw('INTERACTION_CREATE', during.payload, { guildId: w.guildId });
    await expect.poll(() => during.rejected.length).toBe(1);
    await expect.poll(() => w.logs.some((l) => l.msg === 'interaction could not be answered')).toBe(true);
    expect(during.rejected).toHaveLength(1);
    expect(w.app.services.ledger.reads.standing(w.guildId, w.users.alice).balance).toBe(12);
    expect(countOf(w.app.services.db, 'SELECT COUNT(*) AS n FROM transfers')).toBe(2);
  });
});

describe('a handler that crashes', () => {
  it('still answers the user with a reference, and logs the error with the interaction id', async () => {
    const crash: Plugin = {
      name: 'crash',
      start({ services }) {
        services.members.profile = () => {
          throw new Error('disk on fire');
        };
      },
    };
    const { createPlugins } = await import('../../src/discord/plugins/index.ts');
    w = await startWorld({ plugins: [...createPlugins(), crash] });
    const handle = w.slash(w.users.alice, 'sparks balance');
    const reply = await handle.final();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/Something went wrong on our side.*reference \d+/);
    expect(text(reply)).not.toContain('disk on fire');
    await expect.poll(() => w.logs.find((l) => l.msg === 'interaction handler failed')).toBeTruthy();
    const error = w.logs.find((l) => l.msg === 'interaction handler failed')!;
    expect(text(reply)).toContain(String(error.interactionId));
    expect(JSON.stringify(error.err)).toContain('disk on fire');
  });
});
