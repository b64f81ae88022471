import { afterEach, describe, expect, it } from 'vitest';
import { LinkedRolePusher, MAX_ATTEMPTS } from '../../src/discord/plugins/linked-role-pusher.ts';
import type {
  LinkedRoleService,
  PushOutcome,
  RoleConnectionApi,
} from '../../src/linked-roles/linked-roles.ts';
import { silentLogger } from '../../src/log.ts';

const VALUES = { sparksLifetime: 1, tier: 0, verifiedTrader: false, memberSince: 0 };
const api = {} as RoleConnectionApi;
let pusher: LinkedRolePusher | undefined;
afterEach(async () => {
  await pusher?.stop();
  pusher = undefined;
});

/** A pusher over a service whose push answers from `answer`, recording who was pushed and when. */
function make(
  answer: (userId: string, n: number) => PushOutcome | Promise<PushOutcome>,
  pushesPerMinute = 6000,
) {
  const pushes: { userId: string; at: number }[] = [];
  const service = {
    push: (userId: string) => {
      pushes.push({ userId, at: Date.now() });
      return Promise.resolve(answer(userId, pushes.filter((p) => p.userId === userId).length));
    },
  } as unknown as LinkedRoleService;
  pusher = new LinkedRolePusher({
    service,
    api,
    logger: silentLogger,
    clock: () => Date.now(),
    pushesPerMinute,
    baseBackoffMs: 20,
  });
  return { pusher, pushes };
}

const pushedOk = (): PushOutcome => ({ status: 'pushed', values: VALUES });

describe('LinkedRolePusher', () => {
  it('pushes a member once however often they were noted meanwhile', async () => {
    const { pusher, pushes } = make(pushedOk);
    for (let i = 0; i < 50; i++) for (const id of ['a', 'b', 'c']) pusher.note(id);
    await pusher.idle();
    expect(pushes.map((p) => p.userId)).toEqual(['a', 'b', 'c']);
  });

  it('pushes again a member noted while their push was in flight', async () => {
    let release: () => void = () => undefined;
    const { pusher, pushes } = make((_id, n) =>
      n === 1 ? new Promise<PushOutcome>((resolve) => (release = () => resolve(pushedOk()))) : pushedOk(),
    );
    pusher.note('a');
    await expect.poll(() => pushes.length).toBe(1);
    pusher.note('a');
    release();
    await expect.poll(() => pushes.length).toBe(2);
    await pusher.idle();
    expect(pushes).toHaveLength(2);
  });

  it('spaces pushes to the rate it is given', async () => {
    const { pusher, pushes } = make(pushedOk, 600); // one every 100 ms
    for (const id of ['a', 'b', 'c', 'd']) pusher.note(id);
    await expect.poll(() => pushes.length, { timeout: 3000 }).toBe(4);
    for (let i = 1; i < 4; i++) expect(pushes[i]!.at - pushes[i - 1]!.at).toBeGreaterThanOrEqual(95);
  });

  it('waits Discord’s Retry-After, pausing everyone on a global limit', async () => {
    const { pusher, pushes } = make((id, n) =>
      id === 'a' && n === 1
        ? { status: 'retry', afterMs: 300, global: true, error: 'rate limited' }
        : pushedOk(),
    );
    pusher.note('a');
    pusher.note('b');
    await expect.poll(() => pushes.length, { timeout: 3000 }).toBe(3);
    const [first, b, again] = pushes;
    expect([first!.userId, b!.userId, again!.userId]).toEqual(['a', 'b', 'a']);
    // b waited out the global pause too.
    expect(b!.at - first!.at).toBeGreaterThanOrEqual(290);
    expect(again!.at - first!.at).toBeGreaterThanOrEqual(290);
  });

  it('backs off on failures and gives up after MAX_ATTEMPTS', async () => {
    const { pusher, pushes } = make(() => ({ status: 'retry', afterMs: null, global: false, error: '503' }));
    pusher.note('a');
    await expect.poll(() => pushes.length, { timeout: 5000 }).toBe(MAX_ATTEMPTS);
    const gaps = pushes.slice(1).map((p, i) => p.at - pushes[i]!.at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 5));
    await new Promise((r) => setTimeout(r, 700));
    expect(pushes).toHaveLength(MAX_ATTEMPTS);
    expect(pusher.size).toBe(0);
  });

  it('pushNow goes ahead of the queue and answers what happened', async () => {
    let hold: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (hold = resolve));
    const { pusher, pushes } = make(async (id) => {
      if (id === 'first') await gate;
      return id === 'limited'
        ? { status: 'retry', afterMs: 10_000, global: false, error: '429' }
        : pushedOk();
    });
    pusher.note('first');
    await expect.poll(() => pushes.length).toBe(1);
    for (const id of ['x', 'y']) pusher.note(id);
    const now = pusher.pushNow('me');
    hold();
    expect(await now).toEqual(pushedOk());
    expect(pushes.map((p) => p.userId).slice(0, 2)).toEqual(['first', 'me']);
    // A push Discord asks to wait for answers `queued` and carries on later.
    expect(await pusher.pushNow('limited')).toEqual({ status: 'queued' });
  });
});
