import {
  Events,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { expectNoUnexpectedRequests, Permissions, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { campaignKit, DAY, fastPlugins, FIRE } from '../helpers/campaigns.ts';
import { fakeClock } from '../helpers/db.ts';
import { campaignsPlugin } from '../../src/discord/plugins/campaigns.ts';
import { membersPlugin } from '../../src/discord/plugins/members.ts';
import { sqliteOf } from '../helpers/engines.ts';

/**
 * Run twice: with the grants written inline (the grant queue on the gateway's thread) and
 * with GRANT_WRITER=thread (the writer's worker thread, its own connection).
 */
function suite(writer: 'inline' | 'thread') {
  const env = { GRANT_WRITER: writer };
  let w: BotWorld;
  let k: ReturnType<typeof campaignKit>;

  const clean = () => expect(verifyLedger(w.app.services.db).ok).toBe(true);

  describe(`reaction campaigns (shared world, ${writer})`, () => {
    beforeAll(async () => {
      w = await startWorld({ plugins: fastPlugins(), env });
      k = campaignKit(w);
      w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
    });
    afterAll(async () => {
      await w?.stop();
    });

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
      // Many reactions, few transactions: the grants were committed in groups.
      expect(w.app.services.campaigns.stats.flushes).toBeLessThan(200);
      expect(w.app.services.campaigns.writesOnThread).toBe(writer === 'thread');
      clean();
      expectNoUnexpectedRequests(w.fake);
    });

    it('a reaction on any other message, or with another emoji, earns nothing', async () => {
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: '🎉', sparks: 5 });
      const other = k.oldMessage('unrelated');
      const [a, b] = k.members(2);
      k.react(other, a!, '🎉');
      k.react(message, b!, '👍');
      await k.sync(message, '🎉');
      expect(k.balance(a!)).toBe(0);
      expect(k.balance(b!)).toBe(0);
    });

    it('applies the role gate and the membership-age gate from the reaction payload', async () => {
      const role = w.fake.createRole(w.guildId, { name: 'Verified', position: 2 });
      const message = k.oldMessage();
      await k.start({
        message: k.link(message),
        emoji: FIRE,
        sparks: 25,
        required_role: role.id,
        min_member_days: 7,
      });
      const [eligible] = k.members(1, { roles: [role.id] });
      const [noRole] = k.members(1);
      const [newcomer] = k.members(1, { roles: [role.id], joinedAt: new Date(Date.now() - 2 * DAY) });
      for (const m of [eligible!, noRole!, newcomer!]) k.react(message, m);
      await k.sync(message, FIRE, { roles: [role.id] });
      expect([eligible, noRole, newcomer].map((m) => k.balance(m!))).toEqual([25, 0, 0]);
    });

    it('stops at max_claims and posts the summary to the log channel', async () => {
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 7, max_claims: 5, name: 'Capped drop' });
      const campaign = k.campaignOn(message)!;
      const members = k.members(12);
      for (const m of members) k.react(message, m);
      await expect.poll(() => k.campaign(campaign.id).status).toBe('ended');
      await k.roundTrip();
      expect(k.campaign(campaign.id)).toMatchObject({ endReason: 'cap', claims: 5, granted: 35 });
      expect(members.map(k.balance)).toEqual([7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0]);
      await expect
        .poll(() =>
          k.logMessages().some((m) => /Campaign ended/.test(text(m)) && /Capped drop/.test(text(m))),
        )
        .toBe(true);
      const summary = k
        .logMessages()
        .find((m) => /Capped drop/.test(text(m)) && /Campaign ended/.test(text(m)))!;
      expect(text(summary)).toMatch(/participant cap was reached/);
      expect(text(summary)).toMatch(/Participants\s*5/);
      clean();
    });

    it('a budget that runs out mid-burst ends the campaign and returns what is left', async () => {
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, budget: 45 });
      const campaign = k.campaignOn(message)!;
      const members = k.members(10);
      for (const m of members) k.react(message, m);
      await expect.poll(() => k.campaign(campaign.id).status).toBe('ended');
      expect(k.campaign(campaign.id)).toMatchObject({ endReason: 'budget', claims: 4, granted: 40 });
      expect(members.filter((m) => k.balance(m) === 10)).toHaveLength(4);
      expect(members.filter((m) => k.balance(m) === 0)).toHaveLength(6);
      const { ledger } = w.app.services;
      expect(ledger.reads.account(w.guildId, { type: 'campaign', ref: String(campaign.id) })?.balance).toBe(
        0,
      );
      const kinds = sqliteOf(w.app.services.db)
        .prepare(`SELECT kind, amount FROM transfers WHERE ref = ? AND kind <> 'campaign.grant' ORDER BY id`)
        .all(`campaign:${campaign.id}`);
      expect(kinds).toEqual([
        { kind: 'campaign.fund', amount: 45 },
        { kind: 'campaign.return', amount: 5 },
      ]);
      clean();
    });

    it('revoke_on_unreact takes the grant back once (only what is left if some was spent); re-reacting earns nothing', async () => {
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, revoke_on_unreact: true });
      const campaign = k.campaignOn(message)!;
      const [a, b] = k.members(2);
      k.react(message, a!);
      k.react(message, b!);
      await expect.poll(() => k.balance(b!)).toBe(10);
      // b loses 4 Sparks elsewhere before removing the reaction: only 6 can come back.
      const revoked = await w
        .slash(w.users.mod, 'sparks-admin revoke', { member: b!, amount: 4, reason: 'spent' })
        .reply();
      expect(text(revoked)).toMatch(/Revoked/);
      expect(k.balance(b!)).toBe(6);
      k.unreact(message, a!);
      k.unreact(message, b!);
      k.react(message, a!);
      k.unreact(message, a!);
      k.react(message, a!);
      await k.sync(message);
      expect(k.balance(a!)).toBe(0);
      expect(k.balance(b!)).toBe(0);
      const reversals = sqliteOf(w.app.services.db)
        .prepare(`SELECT amount FROM transfers WHERE kind = 'reversal' AND ref = ? ORDER BY amount`)
        .all(`campaign:${campaign.id}`);
      expect(reversals).toEqual([{ amount: 6 }, { amount: 10 }]);
      expect(w.app.services.ledger.reads.standing(w.guildId, a!).lifetimeEarned).toBe(0);
      clean();
    });

    it('campaign list shows status, participants, Sparks granted and budget left; end takes a typed name', async () => {
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: '🚀', sparks: 3, budget: 30, name: 'Rocket Week' });
      const campaign = k.campaignOn(message)!;
      k.members(2).forEach((m) => k.react(message, m, '🚀'));
      await k.sync(message, '🚀');
      const list = await w.slash(w.users.mod, 'sparks-admin campaign list').reply();
      expect(list.ephemeral).toBe(true);
      expect(text(list)).toMatch(
        /Rocket Week \(#\d+\)\n🟢 active · 🚀 3 Sparks each · 3 participant\(s\) · 9 Sparks granted\nbudget left 21 of 30/,
      );
      const choices = await w.fake
        .autocomplete({
          guildId: w.guildId,
          channelId: w.channelId,
          userId: w.users.mod,
          command: 'sparks-admin',
          subcommandGroup: 'campaign',
          subcommand: 'end',
          focused: 'campaign',
          options: { campaign: 'rock' },
        })
        .choices();
      expect(choices).toEqual([{ name: 'Rocket Week · 3 participant(s)', value: String(campaign.id) }]);
      const end = await w
        .slash(w.users.mod, 'sparks-admin campaign end', { campaign: 'rocket WEEK' })
        .final();
      expect(text(end)).toMatch(/Campaign ended: Rocket Week/);
      expect(text(end)).toMatch(/Budget returned\s*21 Sparks/);
      expect(k.campaign(campaign.id)).toMatchObject({ status: 'ended', endReason: 'moderator' });
      const again = await w
        .slash(w.users.mod, 'sparks-admin campaign end', { campaign: 'Rocket Week' })
        .reply();
      expect(text(again)).toMatch(/No active campaign matches “Rocket Week”/);
      clean();
    });

    it('refuses bad input with a clear private message and writes nothing', async () => {
      const message = k.oldMessage();
      const before = k.campaignOn(message);
      const refuse = async (options: Record<string, string | number | boolean>, pattern: RegExp) => {
        const reply = await w.slash(w.users.mod, 'sparks-admin campaign start', options).final();
        expect(reply.ephemeral).toBe(true);
        expect(text(reply)).toMatch(pattern);
      };
      await refuse({ message: k.link(message), emoji: 'fire', sparks: 5 }, /`emoji` must be one emoji/);
      await refuse(
        { message: k.link(message), emoji: FIRE, sparks: 5, ends_in: '3 weeks' },
        /`ends_in` must be a duration/,
      );
      await refuse(
        { message: k.link(message), emoji: FIRE, sparks: 5, ends_in: '91d' },
        /1 minute to 90 days/,
      );
      await refuse(
        { message: k.link(message), emoji: FIRE, sparks: 50, budget: 20 },
        /`budget` must pay for at least one participant \(50 Sparks\)/,
      );
      await refuse(
        { message: '123456789012345678', emoji: FIRE, sparks: 5 },
        /cannot find or see that message/,
      );
      await refuse({ message: 'not a link', emoji: FIRE, sparks: 5 }, /cannot find or see that message/);
      await refuse(
        {
          message: `https://discord.com/channels/111111111111111111/${w.channelId}/${message}`,
          emoji: FIRE,
          sparks: 5,
        },
        /cannot find or see that message/,
      );
      await refuse(
        { message: k.link(message), emoji: '<:ghost:123456789012345678>', sparks: 5 },
        /cannot use that emoji/,
      );
      expect(k.campaignOn(message)).toBe(before);
      await k.start({ message, emoji: '🌟', sparks: 5 });
      await refuse(
        { message: k.link(message), emoji: '🌟', sparks: 9 },
        /already has an active campaign with this emoji/,
      );
    });

    it('accepts a message id from the current channel, ptb/canary links, and a custom emoji', async () => {
      const emoji = w.fake.createEmoji(w.guildId, { name: 'sparkle' });
      const message = k.oldMessage();
      const reply = await k.start({
        message: `https://ptb.discord.com/channels/${w.guildId}/${w.channelId}/${message}`,
        emoji: `<:sparkle:${emoji.id}>`,
        sparks: 4,
      });
      expect(text(reply)).toContain(`<:sparkle:${emoji.id}>`);
      const [m] = k.members(1);
      k.react(message, m!, { id: emoji.id!, name: 'sparkle' });
      await expect.poll(() => k.balance(m!)).toBe(4);
      const byId = k.oldMessage();
      expect(text(await k.start({ message: byId, emoji: '❤️', sparks: 2 }))).toContain('Campaign started');
    });

    it('refuses a channel where the bot cannot add reactions, naming the permission', async () => {
      const locked = w.fake.createChannel(w.guildId, {
        name: 'announcements',
        permissionOverwrites: [{ id: w.fake.botRole(w.guildId).id, type: 0, deny: Permissions.AddReactions }],
      });
      await expect.poll(() => w.app.client.channels.cache.has(locked.id)).toBe(true);
      const message = w.fake.postMessage(locked.id, { authorId: w.users.alice, content: 'hi', silent: true });
      const reply = await w
        .slash(w.users.mod, 'sparks-admin campaign start', {
          message: `https://discord.com/channels/${w.guildId}/${locked.id}/${message}`,
          emoji: FIRE,
          sparks: 5,
        })
        .final();
      expect(text(reply)).toMatch(/missing the \*\*Add Reactions\*\* permission in <#\d+>/);
    });

    it('the message menu opens a modal that starts a campaign', async () => {
      const message = k.oldMessage();
      const menu = w.fake.contextMenu({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.users.mod,
        command: 'Start Sparks campaign',
        targetMessageId: message,
      });
      const modal = await menu.modal();
      expect(modal.title).toBe('Start a Sparks campaign');
      const submitted = w.fake.submitModal({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.users.mod,
        customId: String(modal.custom_id),
        fields: { emoji: '🍀', sparks: '12', ends_in: '2h', max_claims: '', budget: '120' },
      });
      expect(text(await submitted.final())).toContain('Campaign started');
      const c = k.campaignOn(message)!;
      expect(c).toMatchObject({ emojiDisplay: '🍀', sparks: 12, budget: 120, status: 'active' });
      expect(c.endsAt! - c.createdAt).toBe(2 * 3_600_000);
    });

    it('posts campaign starts and ends to the log channel, never pinging', () => {
      const logs = k.logMessages();
      expect(logs.some((m) => /Campaign started/.test(text(m)))).toBe(true);
      for (const m of logs) expect(m.allowedMentions).toEqual({ parse: [] });
    });

    it('skips building reaction objects only while nobody listens: a listener added later gets them', async () => {
      const message = k.oldMessage('listeners');
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 3 });
      const [a] = k.members(1);
      const client = w.app.client;
      const heard: string[] = [];
      const onAdd = (r: MessageReaction | PartialMessageReaction, u: User | PartialUser) =>
        heard.push(`add ${r.message.id} ${r.emoji.name} ${u.id}`);
      const onRemove = (r: MessageReaction | PartialMessageReaction, u: User | PartialUser) =>
        heard.push(`remove ${r.message.id} ${r.emoji.name} ${u.id}`);
      client.on(Events.MessageReactionAdd, onAdd);
      client.on(Events.MessageReactionRemove, onRemove);
      try {
        k.react(message, a!);
        k.unreact(message, a!);
        await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(2);
        expect(heard).toEqual([`add ${message} ${FIRE} ${a}`, `remove ${message} ${FIRE} ${a}`]);
      } finally {
        client.off(Events.MessageReactionAdd, onAdd);
        client.off(Events.MessageReactionRemove, onRemove);
      }
      const [b] = k.members(1);
      k.react(message, b!);
      await k.sync(message);
      expect(k.balance(a!)).toBe(3); // the campaign reads the raw payload: granted as before
      expect(k.balance(b!)).toBe(3);
      expect(heard).toHaveLength(2); // nothing after the listeners left
    });
  });

  describe(`campaigns across restarts and time (${writer})`, () => {
    const clock = fakeClock(Date.now());
    afterEach(async () => {
      await w?.stop();
    });

    it('grants exactly the 50 members who reacted while the bot was offline', async () => {
      w = await startWorld({ plugins: fastPlugins(), clock, env });
      k = campaignKit(w);
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10 });
      const early = k.members(5);
      for (const m of early) k.react(message, m);
      // Handled in order, then the grant queue (the writer's thread too) drained.
      await k.roundTrip();
      expect(early.map(k.balance)).toEqual([10, 10, 10, 10, 10]);
      await w.stopBot();
      const offline = k.members(50);
      for (const m of offline) k.react(message, m, FIRE, true);
      const bystanders = k.members(3);
      await w.restartBot();
      await expect
        .poll(() => offline.filter((m) => k.balance(m) === 10).length, { timeout: 10_000 })
        .toBe(50);
      expect(early.map(k.balance)).toEqual([10, 10, 10, 10, 10]);
      expect(bystanders.map(k.balance)).toEqual([0, 0, 0]);
      const c = k.campaignOn(message)!;
      expect(k.grants(c.id)).toBe(55);
      // GET …/reactions/{emoji}?limit=100 — one page held them all.
      const pages = w.fake.requests.filter(
        (r) => r.route?.endsWith('/reactions/:emoji') && r.method === 'GET',
      );
      expect(pages.at(-1)!.query.limit).toBe('100');
      clean();
    });

    it('reconciles page by page with the gates: members fetched in bulk, one who left is skipped', async () => {
      w = await startWorld({ plugins: fastPlugins(), clock, env });
      k = campaignKit(w);
      const role = w.fake.createRole(w.guildId, { name: 'Holder', position: 2 });
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 3, required_role: role.id });
      await w.stopBot();
      const holders = k.members(120, { roles: [role.id] });
      const others = k.members(15);
      for (const m of [...holders, ...others]) k.react(message, m, FIRE, true);
      const leaver = holders.pop()!;
      w.fake.removeMember(w.guildId, leaver);
      await w.restartBot();
      await expect
        .poll(() => holders.filter((m) => k.balance(m) === 3).length, { timeout: 10_000 })
        .toBe(119);
      const c = k.campaignOn(message)!;
      await expect.poll(() => k.grants(c.id)).toBe(119);
      expect(others.map(k.balance)).toEqual(others.map(() => 0));
      expect(k.balance(leaver)).toBe(0);
      const pages = w.fake.requests.filter(
        (r) => r.route?.endsWith('/reactions/:emoji') && r.method === 'GET',
      );
      expect(pages.slice(-2).map((p) => [p.query.limit, p.query.after !== undefined])).toEqual([
        ['100', false],
        ['100', true],
      ]);
      clean();
    });

    it('with revoke_on_unreact, a reaction removed while the bot was offline is reversed at start-up', async () => {
      w = await startWorld({ plugins: fastPlugins(), clock, env });
      k = campaignKit(w);
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 8, revoke_on_unreact: true });
      const [stays, leaves] = k.members(2);
      k.react(message, stays!);
      k.react(message, leaves!);
      await k.roundTrip();
      expect([k.balance(stays!), k.balance(leaves!)]).toEqual([8, 8]);
      await w.stopBot();
      k.unreact(message, leaves!, FIRE, true);
      const reconciled = () => w.logs.filter((l) => l.msg === 'campaign reconciled').length;
      const before = reconciled();
      await w.restartBot();
      // The start-up reconciliation runs after the plugins start: wait for its line (the
      // kit's bound for the bot's own work, as sync() has), then the balances are final.
      await expect.poll(reconciled, { timeout: 10_000 }).toBe(before + 1);
      expect(k.balance(leaves!)).toBe(0);
      expect(k.balance(stays!)).toBe(8);
      clean();
    });

    it('ends by time: a reaction after the end earns nothing, and the summary reaches the log channel', async () => {
      w = await startWorld({ plugins: fastPlugins(), clock, env });
      k = campaignKit(w);
      w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, ends_in: '30m', name: 'Half hour' });
      const c = k.campaignOn(message)!;
      const [onTime, late] = k.members(2);
      k.react(message, onTime!);
      await k.roundTrip();
      expect(k.balance(onTime!)).toBe(10);
      clock.advance(31 * 60_000);
      await expect.poll(() => k.campaign(c.id).status).toBe('ended');
      k.react(message, late!);
      expect(k.campaign(c.id).endReason).toBe('time');
      await expect
        .poll(() => k.logMessages().some((m) => /Half hour/.test(text(m)) && /time is up/.test(text(m))))
        .toBe(true);
      await k.roundTrip();
      expect(k.balance(late!)).toBe(0);
    });

    it('a late reaction seen live is not granted by the final reconciliation', async () => {
      // A scheduler that will not fire during the test: only the late reaction can end it.
      w = await startWorld({
        plugins: [...fastPlugins().slice(0, 2), campaignsPlugin({ maxTimerMs: 60_000 })],
        clock,
        env,
      });
      k = campaignKit(w);
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, ends_in: '10m' });
      const c = k.campaignOn(message)!;
      clock.advance(11 * 60_000);
      const [late] = k.members(1);
      k.react(message, late!);
      await expect.poll(() => k.campaign(c.id).status).toBe('ended');
      expect(k.balance(late!)).toBe(0);
    });

    it('the end-time scheduler survives a restart: an overdue campaign ends at once', async () => {
      w = await startWorld({ plugins: fastPlugins(), clock, env });
      k = campaignKit(w);
      w.app.services.settings.update(w.guildId, { logChannelId: w.logChannelId });
      const message = k.oldMessage();
      await k.start({ message: k.link(message), emoji: FIRE, sparks: 10, ends_in: '1h', name: 'Overnight' });
      const c = k.campaignOn(message)!;
      await w.stopBot();
      clock.advance(2 * 3_600_000);
      await w.restartBot();
      await expect.poll(() => k.campaign(c.id).status).toBe('ended');
      expect(k.campaign(c.id).endReason).toBe('time');
      // Reconciled at its start and once at its end: the start-up catch-up leaves an
      // overdue campaign to the end's final reconciliation.
      expect(w.logs.filter((l) => l.msg === 'campaign reconciled' && l.campaignId === c.id)).toHaveLength(2);
      await expect
        .poll(() => k.logMessages().some((m) => /Overnight/.test(text(m)) && /Campaign ended/.test(text(m))))
        .toBe(true);
      await expect.poll(() => k.campaign(c.id).summaryPostedAt).not.toBeNull();
    });
  });

  describe(`leaderboard flags from the reaction itself (${writer})`, () => {
    beforeAll(async () => {
      w = await startWorld({ plugins: [...fastPlugins(), membersPlugin()], env });
      k = campaignKit(w);
    });
    afterAll(async () => {
      await w?.stop();
    });

    it('opens reactors’ accounts with the leaderboard flag their reaction shows, with no member lookups', async () => {
      const staff = w.fake.createRole(w.guildId, { name: 'Staff', position: 2 });
      w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: staff.id });
      try {
        const message = k.oldMessage();
        await k.start({ message: k.link(message), emoji: FIRE, sparks: 10 });
        const staffers = k.members(30, { roles: [staff.id], prefix: 'staff' });
        const others = k.members(30, { prefix: 'regular' });
        const cache = w.app.client.guilds.cache.get(w.guildId)!.members.cache;
        await expect.poll(() => [...staffers, ...others].every((id) => cache.has(id))).toBe(true);
        for (const id of [...staffers, ...others]) cache.delete(id); // as in a large guild: not cached
        w.fake.memberRequests.length = 0;
        w.fake.requests.length = 0;
        for (const id of [...staffers, ...others]) k.react(message, id);
        await k.sync(message);
        await w.membersIdle();
        const flag = (id: string) => w.app.services.ledger.reads.standing(w.guildId, id).ranked;
        expect(staffers.map(flag)).toEqual(staffers.map(() => false));
        expect(others.map(flag)).toEqual(others.map(() => true));
        const board = w.app.services.ledger.reads
          .leaderboard(w.guildId, 'week', { limit: 100 })
          .rows.map((r) => r.userId);
        expect(staffers.filter((id) => board.includes(id))).toEqual([]);
        expect(others.every((id) => board.includes(id))).toBe(true);
        // The reactions said it all: no gateway member request, no REST member fetch.
        expect(w.fake.memberRequests).toEqual([]);
        expect(w.fake.requests.filter((r) => r.route === '/guilds/:guildId/members/:userId')).toEqual([]);
        clean();
      } finally {
        w.app.services.settings.update(w.guildId, { leaderboardExcludeRoleId: null });
      }
    });
  });
}

suite('inline');
suite('thread');
