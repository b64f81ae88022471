import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { candidates } from '../../src/raffles/draw.ts';
import { text } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { addReward, balanceOf, fund, hasRole } from '../../testkit/world.ts';

const run = promisify(execFile);

let w: BotWorld;
const s = () => w.app.services;
const clean = () => expect(verifyLedger(s().db).checks.filter((c) => !c.ok)).toEqual([]);
const holds = () => s().ledger.reads.account(w.guildId, { type: 'hold', ref: 'shop' })?.balance ?? 0;

beforeAll(async () => {
  w = await startWorld();
  s().settings.update(w.guildId, { logChannelId: w.logChannelId });
});
afterAll(async () => {
  await w?.stop();
});

let n = 0;
function members(count: number, roles: string[] = []): string[] {
  return Array.from(
    { length: count },
    () => w.fake.addMember(w.guildId, { username: `r${++n}`, roles }).userId,
  );
}

async function startRaffle(options: Record<string, string | number>) {
  return text(await w.slash(w.users.mod, 'sparks-admin raffle start', { ends: '7d', ...options }).final());
}

describe('a raffle with 200 members entering at once', () => {
  it('holds every entry under the per-member limit, draws, skips a winner who left, and verifies', async () => {
    const vip = w.fake.createRole(w.guildId, { name: 'VIP', position: 2 }).id;
    const gate = w.fake.createRole(w.guildId, { name: 'Verified', position: 1 }).id;
    await addReward(w, { name: 'VIP pass', cost: 5000, kind: 'role', role: vip });
    const started = await startRaffle({
      name: 'Launch',
      prize: 'VIP pass',
      winners: 3,
      entry_cost: 10,
      max_entries_per_member: 3,
      required_role: gate,
    });
    const raffle = s().raffles.find(w.guildId, 'Launch');
    expect(started).toContain('Raffle started: Launch');
    expect(started).toContain(raffle.commitment);
    expect(raffle.commitment).toMatch(/^[0-9a-f]{64}$/);

    const crowd = members(200, [gate]);
    for (const m of crowd) fund(w, m, 100);
    const poor = members(1, [gate])[0]!;
    fund(w, poor, 15);
    const outsider = members(1)[0]!;
    fund(w, outsider, 100);

    // All 200 enter at once for 2 entries each; then all try 2 more at once: the limit of 3
    // refuses every one of those.
    const enter = (m: string, entries: number) =>
      w.slash(m, 'sparks raffle', { raffle: 'Launch', entries }).final().then(text);
    const first = await Promise.all(crowd.map((m) => enter(m, 2)));
    expect(first.filter((x) => x.includes('You now hold **2** of 3 entries'))).toHaveLength(200);
    const second = await Promise.all(crowd.map((m) => enter(m, 2)));
    expect(
      second.filter((x) => x.includes('at most 3 entries in this raffle and already hold 2')),
    ).toHaveLength(200);
    // A member double-clicks: the two concurrent clicks for 1 more entry let exactly one through.
    const double = await Promise.all([enter(crowd[7]!, 1), enter(crowd[7]!, 1)]);
    expect(double.filter((x) => x.includes('You now hold **3** of 3 entries'))).toHaveLength(1);
    expect(double.filter((x) => x.includes('already hold 3'))).toHaveLength(1);
    fund(w, crowd[7]!, 10);
    expect(crowd.map((m) => balanceOf(w, m))).toEqual(crowd.map(() => 80));
    expect(holds()).toBe(200 * 20 + 10);
    // Over the balance, without the role, over the limit: each refused, nothing written.
    expect(text(await w.slash(poor, 'sparks raffle', { raffle: 'Launch', entries: 2 }).final())).toContain(
      'Not enough Sparks: 15 available, 20 needed',
    );
    expect(
      text(await w.slash(outsider, 'sparks raffle', { raffle: 'Launch', entries: 1 }).final()),
    ).toContain(`You need the <@&${gate}> role`);
    expect(
      text(await w.slash(crowd[0]!, 'sparks raffle', { raffle: 'Launch', entries: 2 }).final()),
    ).toContain('already hold 2');
    expect(s().raffles.get(raffle.id)!.entries).toBe(401);
    expect([balanceOf(w, poor), balanceOf(w, outsider)]).toEqual([15, 100]);

    // The seed's first candidate leaves before the draw: the next is drawn instead.
    const order = [...candidates(raffle.seed, s().raffles.entries(raffle.id))];
    const gone = order[0]!.userId;
    w.fake.removeMember(w.guildId, gone);
    // The second loses the required role.
    const demoted = order[1]!.userId;
    w.fake.setMemberRoles(w.guildId, demoted, []);

    const drawn = text(await w.slash(w.users.mod, 'sparks-admin raffle draw', { raffle: 'Launch' }).final());
    const winners = order.slice(2, 5).map((c) => c.userId);
    expect(drawn).toContain(`Winners: ${winners.map((u) => `<@${u}>`).join(', ')}`);
    expect(drawn).toContain(`Seed: \`${s().raffles.get(raffle.id)!.seed}\``);
    expect(drawn).toContain('2 drawn member(s) were passed over');
    expect(
      s()
        .raffles.draws(raffle.id)
        .map((d) => [d.userId, d.outcome]),
    ).toEqual([[gone, 'left'], [demoted, 'lost_role'], ...winners.map((u) => [u, 'won'])]);
    await expect.poll(() => winners.every((u) => hasRole(w, u, vip)), { timeout: 10_000 }).toBe(true);
    // Entries are spent at the draw, never refunded; the prize was not charged.
    expect(holds()).toBe(0);
    expect(winners.map((u) => balanceOf(w, u))).toEqual([80, 80, 80]);
    expect(
      text(await w.slash(w.users.mod, 'sparks-admin raffle draw', { raffle: 'Launch' }).final()),
    ).toContain('is closed');
    expect(
      text(await w.slash(crowd[5]!, 'sparks raffle', { raffle: 'Launch', entries: 1 }).final()),
    ).toContain('is closed');

    const verified = await run(
      'npx',
      ['tsx', 'src/scripts/raffle-verify.ts', String(raffle.id), '--db', w.config.databasePath],
      { cwd: process.cwd() },
    );
    expect(verified.stdout.trim().split('\n')).toEqual(winners);
    clean();
  });

  it('a cancelled raffle refunds every entry', async () => {
    const badge = await addReward(w, { name: 'Lucky badge', cost: 100, kind: 'badge' });
    await startRaffle({
      name: 'Oops',
      prize: `r:${badge.id}`,
      winners: 1,
      entry_cost: 25,
      max_entries_per_member: 5,
    });
    const people = members(5);
    for (const m of people) fund(w, m, 200);
    await Promise.all(
      people.map((m, i) => w.slash(m, 'sparks raffle', { raffle: 'Oops', entries: i + 1 }).final()),
    );
    expect(people.map((m) => balanceOf(w, m))).toEqual([175, 150, 125, 100, 75]);
    const cancelled = text(
      await w.slash(w.users.mod, 'sparks-admin raffle cancel', { raffle: 'Oops' }).final(),
    );
    expect(cancelled).toContain('375 Sparks returned');
    expect(people.map((m) => balanceOf(w, m))).toEqual([200, 200, 200, 200, 200]);
    expect(holds()).toBe(0);
    expect(
      text(await w.slash(w.users.mod, 'sparks-admin raffle draw', { raffle: 'Oops' }).final()),
    ).toContain('is closed');
    expect(
      text(await w.slash(people[0]!, 'sparks raffle', { raffle: 'Oops', entries: 1 }).final()),
    ).toContain('is closed');
    clean();
  });
});
