import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { auditLogPlugin } from '../../src/discord/plugins/audit-log.ts';
import { campaignsPlugin } from '../../src/discord/plugins/campaigns.ts';
import { interactionsPlugin } from '../../src/discord/plugins/interactions.ts';
import { seasonsPlugin } from '../../src/discord/plugins/seasons.ts';
import { rafflesPlugin } from '../../src/discord/plugins/raffles.ts';
import { Permissions, text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { ROLE_ROUTE } from '../../testkit/world.ts';
import { SeasonStore } from '../../src/db/season-store.ts';
import { offline } from '../helpers/shop.ts';
import { campaignKit, DAY, FIRE } from '../helpers/campaigns.ts';
import { fakeClock } from '../helpers/db.ts';
import { postEvent, SECRET_A, TOKEN, trade } from '../helpers/platform.ts';

const plugins = () => [
  interactionsPlugin(),
  auditLogPlugin({ intervalMs: 100 }),
  campaignsPlugin({ maxTimerMs: 50 }),
  seasonsPlugin({ maxTimerMs: 50 }),
  rafflesPlugin({ maxTimerMs: 50 }),
];

let w: BotWorld;
let k: ReturnType<typeof campaignKit>;
const clock = fakeClock();
const s = () => w.app.services;
const clean = () => expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);
const balance = (userId: string) => s().ledger.reads.standing(w.guildId, userId).balance;
const hasRole = (userId: string, roleId: string) => w.fake.memberRoles(w.guildId, userId)?.includes(roleId);

beforeAll(async () => {
  w = await startWorld({
    clock,
    plugins: plugins(),
    env: {
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_SECRET: SECRET_A,
      PLATFORM_API_TOKEN: TOKEN,
    },
  });
  k = campaignKit(w);
  s().settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterAll(async () => {
  await w?.stop();
});

async function platformEarn(userId: string, sparks: number) {
  clock.advance(1000);
  const reply = await postEvent(w.app.http!.url, trade(userId, sparks * 10, { guild_id: w.guildId }));
  expect(reply.status).toBe(200);
}

describe('a season with three prize ranges over campaign and platform earnings', () => {
  const roles: Record<string, string> = {};
  let members: string[] = [];
  let probe = '';

  it('starts, refuses bad prizes with nothing written, and takes a prize ladder', async () => {
    const start = await w
      .slash(w.users.mod, 'sparks-admin season start', { name: 'Winter', ends: '7d' })
      .final();
    expect(text(start)).toContain('Season started: Winter');
    const again = await w
      .slash(w.users.mod, 'sparks-admin season start', { name: 'Spring', ends: '7d' })
      .final();
    expect(text(again)).toContain('the season “Winter” is still running');
    const past = await w
      .slash(w.users.mod, 'sparks-admin season start', { name: 'X', ends: '2020-01-01' })
      .final();
    expect(text(past)).toContain('must be in the future');

    roles.champion = w.fake.createRole(w.guildId, { name: 'Champion', position: 1 }).id;
    roles.admin = w.fake.createRole(w.guildId, {
      name: 'Boss',
      permissions: Permissions.Administrator,
      position: 1,
    }).id;
    const prize = (o: Record<string, string | number>) =>
      w.slash(w.users.mod, 'sparks-admin season prize', { season: 'Winter', ...o }).final();
    expect(text(await prize({ rank_from: 1, rank_to: 1, sparks: 500, badge: 'Snow King' }))).toContain(
      'Prize for ranks 1–1 of **Winter**: 500 Sparks · 🎖️ Snow King',
    );
    expect(text(await prize({ rank_from: 2, rank_to: 3, sparks: 150 }))).toContain('150 Sparks');
    // Raised, not lowered.
    expect(text(await prize({ rank_from: 2, rank_to: 3, sparks: 200 }))).toContain('is now: 200 Sparks');
    expect(text(await prize({ rank_from: 2, rank_to: 3, sparks: 100 }))).toContain('never lowered');
    expect(text(await prize({ rank_from: 3, rank_to: 4, sparks: 10 }))).toContain(
      'overlap the prize for ranks 2–3',
    );
    expect(text(await prize({ rank_from: 5, rank_to: 4, sparks: 10 }))).toContain(
      '`rank_from` must be at least 1',
    );
    expect(text(await prize({ rank_from: 4, rank_to: 5, role: roles.admin }))).toContain(
      'not safe to hand out',
    );
    expect(text(await prize({ rank_from: 4, rank_to: 5, role: roles.champion }))).toContain(
      `<@&${roles.champion}>`,
    );
    const season = s().seasons.find(w.guildId, 'Winter');
    expect(
      s()
        .seasons.prizes(season.id)
        .map((p) => [p.rankFrom, p.rankTo, p.sparks, p.roleId]),
    ).toEqual([
      [1, 1, 500, null],
      [2, 3, 200, null],
      [4, 5, null, roles.champion],
    ]);
  });

  it('counts campaign and platform Sparks (not awards) on /sparks season', async () => {
    const [m1, m2, m3, m5, m6] = (members = k.members(5));
    const { alice, bob, carol } = w.users;
    const message = k.oldMessage();
    await k.start({ message: k.link(message), emoji: FIRE, sparks: 10 });
    for (const u of [alice, carol, m3!]) k.react(message, u);
    probe = await k.sync(message); // a probe: 10 Sparks, after m3
    await platformEarn(alice, 100); // 110
    await platformEarn(m1!, 80); // leaves
    await platformEarn(m2!, 70); // excluded
    await platformEarn(bob, 60); // reaches 60 before carol does
    await platformEarn(carol, 50); // 60, later
    k.react(message, m5!);
    await k.sync(message);
    const award = await w
      .slash(w.users.mod, 'sparks-admin award', { member: m6!, amount: 1000, reason: 'x' })
      .final();
    expect(text(award)).toContain('1,000');
    const board = text(await w.slash(alice, 'sparks season').final());
    expect(board).toContain('🏆 Winter');
    expect(board).toContain(`🥇 <@${alice}> · 110 Sparks`);
    expect(board).toContain('You: rank **#1** with 110 Sparks');
    expect(board).not.toContain(`<@${m6}>`);
  });

  it('ends by time across a restart and pays exactly the right members once', async () => {
    const [m1, m2, m3, m5] = members;
    const { alice, bob, carol } = w.users;
    const excluded = w.fake.createRole(w.guildId, { name: 'Staff', position: 1 }).id;
    s().settings.update(w.guildId, { leaderboardExcludeRoleId: excluded });
    w.fake.setMemberRoles(w.guildId, m2!, [excluded]);
    w.fake.removeMember(w.guildId, m1!);
    const before = Object.fromEntries([alice, bob, carol, m1!, m2!, m3!, m5!].map((u) => [u, balance(u)]));
    await w.stopBot();
    clock.advance(8 * DAY);
    await w.restartBot();
    const season = () => s().seasons.find(w.guildId, 'Winter');
    await expect.poll(() => season().status, { timeout: 10_000 }).toBe('ended');
    const gained = (u: string) => balance(u) - before[u]!;
    expect([gained(alice), gained(bob), gained(carol), gained(m1!), gained(m2!)]).toEqual([
      500, 200, 200, 0, 0,
    ]);
    expect(
      s()
        .seasons.winners(season().id)
        .map((r) => [r.rank, r.userId]),
    ).toEqual([
      [1, alice],
      [2, bob],
      [3, carol],
      [4, members[2]],
      [5, probe],
    ]);
    expect([
      hasRole(m3!, roles.champion!),
      hasRole(probe, roles.champion!),
      hasRole(m5!, roles.champion!),
    ]).toEqual([true, true, false]);
    // The log channel names the winners.
    await expect
      .poll(() => w.fake.channelMessages(w.logChannelId).some((m) => text(m).includes('Season ended')), {
        timeout: 10_000,
      })
      .toBe(true);
    // Another restart pays nothing more.
    const after = Object.fromEntries([alice, bob, carol].map((u) => [u, balance(u)]));
    await w.restartBot();
    const card = text(await w.slash(alice, 'sparks balance').final());
    expect(card).toMatch(/Season prizes\s*Winter: #1 · 500 Sparks · 🎖️ Snow King/);
    expect([alice, bob, carol].map((u) => balance(u))).toEqual([after[alice], after[bob], after[carol]]);
    const fame = text(await w.slash(bob, 'sparks halloffame').final());
    expect(fame).toContain('Winter');
    expect(fame).toContain(`#1 <@${alice}> · 110 Sparks · 500 Sparks · 🎖️ Snow King`);
    const endAgain = await w.slash(w.users.mod, 'sparks-admin season end', { season: 'Winter' }).final();
    expect(text(endAgain)).toContain('has ended');
    clean();
  });
});

describe('a season whose payout is interrupted', () => {
  it('finishes on restart without paying anyone twice', async () => {
    const { alice, bob } = w.users;
    const start = await w
      .slash(w.users.mod, 'sparks-admin season start', { name: 'Spring', ends: '1d' })
      .final();
    expect(text(start)).toContain('Season started: Spring');
    const crown = w.fake.createRole(w.guildId, { name: 'Crown', position: 1 }).id;
    const prize = (o: Record<string, string | number>) =>
      w.slash(w.users.mod, 'sparks-admin season prize', { season: 'Spring', ...o }).final();
    await prize({ rank_from: 1, rank_to: 1, sparks: 100, role: crown });
    await prize({ rank_from: 2, rank_to: 2, sparks: 50, role: crown });
    await platformEarn(alice, 30);
    await platformEarn(bob, 20);
    expect(text(await w.slash(bob, 'sparks balance').final())).toMatch(
      /Season: Spring\s*Rank #2 · 20 Sparks/,
    );
    const before = [balance(alice), balance(bob)];
    // Discord never answers the role grants: the end pays the Sparks, then hangs on the roles.
    w.fake.injectFault({ method: 'PUT', route: ROLE_ROUTE, action: 'hang' });
    clock.advance(2 * DAY);
    const season = () => s().seasons.find(w.guildId, 'Spring');
    await expect.poll(() => season().status, { timeout: 10_000 }).toBe('paying');
    await expect
      .poll(() => w.fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith(crown)), {
        timeout: 10_000,
      })
      .toBe(true);
    const id = season().id;
    await w.stopBot();
    offline(w, (db, ledger) => {
      const paid = [alice, bob].map((u) => ledger.reads.standing(w.guildId, u).balance);
      expect([paid[0]! - before[0]!, paid[1]! - before[1]!]).toEqual([100, 50]);
      expect(new SeasonStore(db).results(id).map((r) => r.roleStatus)).toEqual(['pending', 'pending']);
    });
    w.fake.clearFaults();
    await w.restartBot();
    await expect.poll(() => season().status, { timeout: 10_000 }).toBe('ended');
    expect([balance(alice) - before[0]!, balance(bob) - before[1]!]).toEqual([100, 50]);
    expect([hasRole(alice, crown), hasRole(bob, crown)]).toEqual([true, true]);
    clean();
  });

  it('reports a refused role prize to the log channel, keeps it payable, and a moderator retries it', async () => {
    const { carol } = w.users;
    await w.slash(w.users.mod, 'sparks-admin season start', { name: 'Summer', ends: '1d' }).final();
    const crown = w.fake.createRole(w.guildId, { name: 'Sun', position: 1 }).id;
    await w
      .slash(w.users.mod, 'sparks-admin season prize', {
        season: 'Summer',
        rank_from: 1,
        rank_to: 1,
        role: crown,
      })
      .final();
    await platformEarn(carol, 40);
    // After the prize was set, the role is moved above the bot's.
    w.fake.updateRole(w.guildId, crown, { position: 50 });
    const ended = await w.slash(w.users.mod, 'sparks-admin season end', { season: 'Summer' }).final();
    expect(text(ended)).toContain('**Summer** has ended');
    const season = s().seasons.find(w.guildId, 'Summer');
    expect(
      s()
        .seasons.store.results(season.id)
        .map((r) => [r.userId, r.roleStatus, r.roleFailure]),
    ).toEqual([[carol, 'failed', 'role_too_high']]);
    await expect
      .poll(
        () =>
          w.fake.channelMessages(w.logChannelId).some((m) => text(m).includes('Season role prize refused')),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    w.fake.updateRole(w.guildId, crown, { position: 1 });
    const retry = await w.slash(w.users.mod, 'sparks-admin season end', { season: 'Summer' }).final();
    expect(text(retry)).toContain('Trying 1 refused role prize(s) of **Summer** again');
    expect(hasRole(carol, crown)).toBe(true);
    expect(s().seasons.store.results(season.id)[0]!.roleStatus).toBe('granted');
    clean();
  });
});

describe('a raffle whose end passed while the bot was down', () => {
  it('is drawn at start-up, its entries spent once, its winners verifiable', async () => {
    const members = k.members(4);
    for (const m of members)
      s().ledger.credit({
        guildId: w.guildId,
        userId: m,
        source: 'award',
        kind: 'award',
        amount: 50,
        key: `rf:${m}`,
        actor: { type: 'moderator', id: w.users.mod },
      });
    const badge = s().rewards.add(w.guildId, w.users.mod, { name: 'Night owl', cost: 10, kind: 'badge' });
    const started = await w
      .slash(w.users.mod, 'sparks-admin raffle start', {
        name: 'Midnight',
        prize: `r:${badge.id}`,
        winners: 2,
        entry_cost: 5,
        max_entries_per_member: 2,
        ends: '1h',
      })
      .final();
    expect(text(started)).toContain('Raffle started: Midnight');
    for (const m of members)
      expect(text(await w.slash(m, 'sparks raffle', { raffle: 'Midnight', entries: 2 }).final())).toContain(
        'You now hold **2** of 2',
      );
    await w.stopBot();
    clock.advance(2 * 3_600_000);
    await w.restartBot();
    const raffle = () => s().raffles.find(w.guildId, 'Midnight');
    await expect.poll(() => raffle().status, { timeout: 10_000 }).toBe('drawn');
    const winners = s()
      .raffles.draws(raffle().id)
      .filter((d) => d.outcome === 'won')
      .map((d) => d.userId);
    expect(winners).toHaveLength(2);
    expect(members.map((m) => balance(m))).toEqual(members.map(() => 40));
    expect(s().ledger.reads.account(w.guildId, { type: 'hold', ref: 'shop' })?.balance ?? 0).toBe(0);
    // The badge prize is delivered at once, not charged.
    expect(
      winners.map((u) =>
        s()
          .redemptions.badges(w.guildId, u)
          .map((b) => b.name),
      ),
    ).toEqual([['Night owl'], ['Night owl']]);
    clean();
  });
});
