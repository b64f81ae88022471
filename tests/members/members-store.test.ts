/**
 * The members' read model (MembersStoreApi) on both engines, over rows its neighbours
 * write: badges from the shop's fulfilled redemptions and from quests' completions (one per
 * completion, first earned first), the guild's member accounts with their ranked flag, and
 * the names a history page shows, each only within its own guild.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { membersStore } from '../../src/db/pg/members-store.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { QuestService } from '../../src/quests/quests.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { G, MOD as MOD_ACTOR } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const fresh = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

const MOD = MOD_ACTOR.id;
const OTHER = '200000000000000002';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';

describe.each(ENGINES)('the members’ reads on %s', (engine) => {
  function setup() {
    const env = ledgerOn(fresh, engine);
    cleanup = env.cleanup;
    const audit = new AuditQueue();
    const rewards = new RewardService({ db: env.db, clock: env.clock, audit });
    const quests = new QuestService({
      db: env.db,
      ledger: env.ledger,
      clock: env.clock,
      audit,
      grants: new GrantQueue({ db: env.db, logger: silentLogger }),
    });
    let key = 0;
    /** A fulfilled prize redemption of `rewardId` (nothing charged), at the clock's time. */
    const redeem = (guildId: string, userId: string, rewardId: number, status = 'fulfilled') =>
      env.exec(`INSERT INTO redemptions (guild_id, user_id, reward_id, cost, source, status, idempotency_key,
          created_at, updated_at)
        VALUES ('${guildId}', '${userId}', ${rewardId}, 0, 'raffle:1', '${status}', 'k${++key}',
          ${env.clock()}, ${env.clock()})`);
    /** A once-quest awarding `badge`, completed by `userId` now. */
    const complete = (name: string, badge: string | null, userId: string) => {
      const q = quests.create({ guildId: G, name, sparks: 5, moderatorId: MOD, badge });
      const { step } = quests.addStep(G, String(q.id), { kind: 'quiz', prompt: '1 + 1?', answers: '2' });
      quests.publish(G, name, MOD);
      const facts = { userId, roleIds: [], joinedAt: env.clock() - 400 * 86_400_000 };
      quests.answer({ guildId: G, questId: q.id, stepId: step.id, userId, answer: '2', facts });
      return q;
    };
    return { ...env, store: membersStore(env.db), rewards, quests, redeem, complete };
  }

  it('badges: redeemed and quest-awarded, counted, first earned first; other rows are not badges', () => {
    const t = setup();
    const scholar = t.rewards.add(G, MOD, { name: 'Scholar', cost: 500, kind: 'badge' });
    const early = t.rewards.add(G, MOD, { name: 'Early', cost: 100, kind: 'badge' });
    const manual = t.rewards.add(G, MOD, { name: 'Sticker', cost: 5, kind: 'manual' });
    expect(t.store.badges(G, ALICE)).toEqual([]);
    t.redeem(G, ALICE, early.id);
    t.clock.advance(1000);
    t.complete('Learn', 'Scholar', ALICE);
    t.clock.advance(1000);
    t.redeem(G, ALICE, scholar.id);
    t.redeem(G, ALICE, early.id, 'refunded');
    t.redeem(G, ALICE, manual.id);
    t.complete('No badge', null, ALICE);
    t.redeem(OTHER, ALICE, early.id);
    expect(t.store.badges(G, ALICE)).toEqual([
      { rewardId: early.id, name: 'Early', count: 1 },
      { rewardId: scholar.id, name: 'Scholar', count: 2 },
    ]);
    expect(t.store.badges(G, BOB)).toEqual([]);
  });

  it('member accounts with their ranked flag; names only within their guild', () => {
    const t = setup();
    for (const [userId, key] of [
      [ALICE, 'a'],
      [BOB, 'b'],
    ] as const)
      t.ledger.credit({
        guildId: G,
        userId,
        source: 'award',
        kind: 'award',
        amount: 5,
        key,
        actor: MOD_ACTOR,
      });
    t.ledger.setRanked(G, BOB, false);
    const accounts = t.store.memberAccounts(G).sort((a, b) => a.userId.localeCompare(b.userId));
    expect(accounts).toEqual([
      { userId: ALICE, ranked: 1 },
      { userId: BOB, ranked: 0 },
    ]);
    expect(t.store.memberAccounts(OTHER)).toEqual([]);
    const q = t.complete('Named', null, ALICE);
    expect(t.store.questName(G, q.id)).toBe('Named');
    expect(t.store.questName(OTHER, q.id)).toBeNull();
    expect(t.store.questName(G, q.id + 100)).toBeNull();
    const reward = t.rewards.add(G, MOD, { name: 'Hat', cost: 5, kind: 'manual' });
    t.redeem(G, ALICE, reward.id);
    const [{ id }] = t.rows('SELECT MAX(id) AS id FROM redemptions') as [{ id: number }];
    expect(t.store.rewardOfRedemption(G, Number(id))).toBe('Hat');
    expect(t.store.rewardOfRedemption(OTHER, Number(id))).toBeNull();
    expect(t.store.campaignName(G, 1)).toBeNull();
  });
});
