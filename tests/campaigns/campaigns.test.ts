import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { CampaignService, eligibility, type StartInput } from '../../src/campaigns/campaigns.ts';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { DAY_MS, HOUR_MS } from '../../src/core/clock.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { CAMPAIGN_BUDGET, ISSUANCE, Ledger, MEMBER } from '../../src/ledger/ledger.ts';
import { silentLogger } from '../../src/log.ts';
import { fakeClock, freshDb, G } from '../helpers/db.ts';
import { engineDbs, ENGINES, sqliteEnv, type Engine, type EngineDb } from '../helpers/engines.ts';

const MODERATOR = '100000000000000001';
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

const fresh = engineDbs();

/** Campaigns whose counters disagree with their claims and grant entries (verifyLedger's check). */
const MISCOUNTED = `SELECT * FROM (SELECT c.id, c.claims, c.granted,
    (SELECT COUNT(*) FROM campaign_claims k WHERE k.campaign_id = c.id) AS n,
    COALESCE((SELECT SUM(t.amount) FROM campaign_claims k JOIN transfers t ON t.id = k.transfer_id
              WHERE k.campaign_id = c.id), 0) AS g
  FROM campaigns c) x WHERE x.claims <> x.n OR x.granted <> x.g`;

/** A database of either engine; on SQLite `file` puts it in a file (real fsyncs per batch). */
function database(engine: Engine, file: boolean): EngineDb {
  if (engine === 'postgres' || !file) return fresh(engine);
  const db = freshDb({ file: true });
  return sqliteEnv(db, db.cleanup);
}

function setup(engine: Engine, options: { file?: boolean; batchSize?: number } = {}) {
  const env = database(engine, options.file ?? false);
  const { db } = env;
  cleanup = env.cleanup;
  const clock = fakeClock();
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  const campaigns = new CampaignService({
    db,
    ledger,
    audit,
    clock,
    logger: silentLogger,
    batchSize: options.batchSize,
  });
  let message = 400000000000000000n;
  const start = (input: Partial<StartInput> = {}) => {
    const row = campaigns.start({
      guildId: G,
      channelId: '300000000000000001',
      messageId: String(++message),
      emoji: '🔥',
      sparks: 10,
      defaultName: '#general 🔥',
      moderatorId: MODERATOR,
      ...input,
    });
    return { row, active: campaigns.match(row.messageId, row.emojiKey)! };
  };
  const user = (i: number) => String(500000000000000000n + BigInt(i));
  const balance = (userId: string) => ledger.reads.standing(G, userId).balance;
  const ok = () => {
    expect(env.verify().problems).toEqual([]);
    expect(env.rows(MISCOUNTED)).toEqual([]);
  };
  return { db, env, clock, ledger, audit, campaigns, start, user, balance, ok };
}

describe.each(ENGINES)('campaigns on %s', (engine) => {
  describe('campaign grants', () => {
    it('applies a burst of queued grants in few write transactions, each member once', async () => {
      const t = setup(engine, { file: true });
      const { active, row } = t.start();
      for (let i = 0; i < 1200; i++) t.campaigns.enqueueGrant(active, t.user(i % 1000), t.clock());
      await t.campaigns.idle();
      expect(t.campaigns.stats).toMatchObject({ granted: 1000, skipped: 200, failed: 0 });
      expect(t.campaigns.stats.flushes).toBeLessThanOrEqual(3);
      expect(t.campaigns.byId(row.id)).toMatchObject({ claims: 1000, granted: 10_000 });
      expect(t.balance(t.user(999))).toBe(10);
      t.ok();
    });

    it('tells commit listeners each batch size; a listener that throws changes nothing', async () => {
      const t = setup(engine, { batchSize: 500 });
      const { active } = t.start();
      const sizes: number[] = [];
      t.campaigns.onCommitted(() => {
        throw new Error('listener bug');
      });
      const off = t.campaigns.onCommitted((n) => sizes.push(n));
      for (let i = 0; i < 1200; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
      await t.campaigns.idle();
      expect(sizes).toEqual([500, 500, 200]);
      expect(t.campaigns.stats).toMatchObject({ granted: 1200, failed: 0 });
      off();
      t.campaigns.enqueueGrant(active, t.user(5000), t.clock());
      await t.campaigns.idle();
      expect(sizes).toHaveLength(3);
      t.ok();
    });

    it('one failing grant rolls back alone; the others of its batch are kept', async () => {
      const t = setup(engine);
      const { active, row } = t.start();
      const poisoned = t.user(2);
      // The member's campaign key already holds another entry: their grant is refused.
      t.ledger.credit({
        guildId: G,
        userId: poisoned,
        source: 'award',
        kind: 'award',
        amount: 7,
        key: `campaign:${row.id}:${poisoned}`,
        actor: { type: 'moderator', id: MODERATOR },
      });
      for (let i = 0; i < 5; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
      await t.campaigns.idle();
      expect([0, 1, 2, 3, 4].map((i) => t.balance(t.user(i)))).toEqual([10, 10, 7, 10, 10]);
      expect(t.campaigns.stats).toMatchObject({ granted: 4, failed: 1, flushes: 1 });
      expect(t.campaigns.byId(row.id)).toMatchObject({ claims: 4, granted: 40 });
      t.ok();
    });

    it('a post hook that throws: SQLite rolls its grant back; PostgreSQL runs it after COMMIT', async () => {
      const t = setup(engine);
      const { active, row } = t.start();
      const poisoned = t.user(2);
      t.ledger.onPosted((transfer, _debit, credit) => {
        if (credit.ref === poisoned && transfer.kind === 'campaign.grant') throw new Error('disk hiccup');
      });
      for (let i = 0; i < 5; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
      await t.campaigns.idle();
      const kept = engine === 'sqlite' ? 4 : 5;
      expect([0, 1, 2, 3, 4].map((i) => t.balance(t.user(i)))).toEqual(
        engine === 'sqlite' ? [10, 10, 0, 10, 10] : [10, 10, 10, 10, 10],
      );
      // Counted as committed either way: the batch's grants stand.
      expect(t.campaigns.stats).toMatchObject({ granted: kept, failed: 5 - kept, flushes: 1 });
      expect(t.campaigns.byId(row.id)).toMatchObject({ claims: kept, granted: kept * 10 });
      t.ok();
    });

    it('a budget funds an account at start, caps the grants, and what is left returns at the end', async () => {
      const t = setup(engine);
      const { active, row } = t.start({ sparks: 30, budget: 100 });
      expect(t.ledger.reads.account(G, CAMPAIGN_BUDGET(row.id))?.balance).toBe(100);
      expect(t.ledger.reads.account(G, ISSUANCE('campaign'))?.balance).toBe(-100);
      for (let i = 0; i < 6; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
      await t.campaigns.idle();
      expect(t.campaigns.byId(row.id)).toMatchObject({ status: 'ended', endReason: 'budget', claims: 3 });
      expect(t.ledger.reads.account(G, CAMPAIGN_BUDGET(row.id))?.balance).toBe(0);
      expect(t.ledger.reads.account(G, ISSUANCE('campaign'))?.balance).toBe(-90);
      expect(t.audit.take(10).map((e) => [e.kind, e.fields?.returned])).toEqual([
        ['campaign.start', undefined],
        ['campaign.end', 10],
      ]);
      t.ok();
    });

    it('max_claims ends the campaign inside the batch that reaches it', async () => {
      const t = setup(engine);
      const { active, row } = t.start({ maxClaims: 3 });
      for (let i = 0; i < 8; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
      await t.campaigns.idle();
      expect(t.campaigns.byId(row.id)).toMatchObject({ status: 'ended', endReason: 'cap', claims: 3 });
      expect(t.campaigns.match(row.messageId, row.emojiKey)).toBeUndefined();
      expect(t.campaigns.stats.flushes).toBe(1);
      t.ok();
    });

    it('a live reaction at or after the end time is not granted; a reconciled one is', async () => {
      const t = setup(engine);
      const { active } = t.start({ endsInMs: HOUR_MS });
      t.campaigns.enqueueGrant(active, t.user(1), active.endsAt!);
      t.campaigns.enqueueGrant(active, t.user(2), active.endsAt!, { reconcile: true });
      await t.campaigns.idle();
      expect([t.balance(t.user(1)), t.balance(t.user(2))]).toEqual([0, 10]);
    });

    it('revoke_on_unreact reverses once, partially when some was spent, and never re-grants', async () => {
      const t = setup(engine);
      const { active, row } = t.start({ revokeOnUnreact: true, sparks: 50 });
      const [a, b] = [t.user(1), t.user(2)];
      t.campaigns.enqueueGrant(active, a, t.clock());
      t.campaigns.enqueueGrant(active, b, t.clock());
      await t.campaigns.idle();
      t.ledger.hold({ guildId: G, userId: b, amount: 20, key: 'shop', actor: { type: 'member', id: b } });
      t.campaigns.enqueueRevoke(active, a, t.clock());
      t.campaigns.enqueueRevoke(active, b, t.clock());
      t.campaigns.enqueueGrant(active, a, t.clock());
      t.campaigns.enqueueRevoke(active, a, t.clock());
      await t.campaigns.idle();
      expect([t.balance(a), t.balance(b)]).toEqual([0, 0]);
      expect(t.ledger.reads.standing(G, b).lifetimeEarned).toBe(20);
      expect(t.campaigns.summary(t.campaigns.byId(row.id)!)).toMatchObject({
        participants: 2,
        granted: 100,
        reversed: 80,
      });
      t.ok();
    });

    it('ending is idempotent and applies what is still queued first', async () => {
      const t = setup(engine);
      const { active, row } = t.start({ budget: 1000 });
      t.campaigns.enqueueGrant(active, t.user(1), t.clock());
      const first = t.campaigns.end(row.id, 'moderator', MODERATOR);
      const second = t.campaigns.end(row.id, 'time');
      expect(first).toMatchObject({ ended: true, summary: { participants: 1, granted: 10, returned: 990 } });
      expect(second.ended).toBe(false);
      expect(t.campaigns.byId(row.id)?.endReason).toBe('moderator');
      expect(t.balance(t.user(1))).toBe(10);
      await t.campaigns.idle();
      t.ok();
    });
  });

  describe('campaigns ended by another process', () => {
    /** A second service on the same database: another process, with its own index and queue. */
    const elsewhere = (t: ReturnType<typeof setup>) =>
      new CampaignService({
        db: t.db,
        ledger: t.ledger,
        audit: new AuditQueue(),
        clock: t.clock,
        logger: silentLogger,
      });

    it('the database refuses grants queued from an index that still lists it, and the index drops it', async () => {
      const t = setup(engine);
      const { active, row } = t.start();
      const leader = elsewhere(t);
      expect(leader.end(row.id, 'moderator', MODERATOR).ended).toBe(true);
      // This process never heard of the end: its index still lists the campaign.
      expect(t.campaigns.match(row.messageId, row.emojiKey)?.id).toBe(row.id);
      const dropped: number[] = [];
      t.campaigns.onInactive((id) => dropped.push(id));
      t.campaigns.enqueueGrant(active, t.user(1), t.clock());
      t.campaigns.enqueueGrant(active, t.user(2), t.clock());
      await t.campaigns.idle();
      expect([t.balance(t.user(1)), t.balance(t.user(2))]).toEqual([0, 0]);
      expect(t.campaigns.stats).toMatchObject({ granted: 0, skipped: 2, failed: 0 });
      expect(dropped).toEqual([row.id]);
      expect(t.campaigns.match(row.messageId, row.emojiKey)).toBeUndefined();
      expect(t.campaigns.byId(row.id)).toMatchObject({ status: 'ended', claims: 0, granted: 0 });
      t.ok();
    });

    it('a refresh drops what another process ended and picks up what it started', () => {
      const t = setup(engine);
      const { row: ended } = t.start();
      const kept = t.start().row;
      expect(t.campaigns.allActive().map((c) => c.id)).toEqual([ended.id, kept.id]);
      const other = elsewhere(t);
      other.end(ended.id, 'time');
      const started = other.start({
        guildId: G,
        channelId: '300000000000000001',
        messageId: '499999999999999999',
        emoji: '🎉',
        sparks: 5,
        defaultName: '#general 🎉',
        moderatorId: MODERATOR,
      });
      expect(t.campaigns.allActive().map((c) => c.id)).toEqual([ended.id, kept.id]);
      expect(t.campaigns.refreshActive().map((c) => c.id)).toEqual([ended.id]);
      expect(t.campaigns.allActive().map((c) => c.id)).toEqual([kept.id, started.id]);
      expect(t.campaigns.activeById(ended.id)).toBeUndefined();
      expect(t.campaigns.activeById(kept.id)?.name).toBe(kept.name);
    });

    it('due ends and the next end time come from the database, whichever process started them', () => {
      const t = setup(engine);
      t.start(); // no end time
      const later = t.start({ endsInMs: 3 * HOUR_MS }).row;
      expect(t.campaigns.allActive()).toHaveLength(2); // the index is built
      const other = elsewhere(t);
      const sooner = other.start({
        guildId: '200000000000000002',
        channelId: '300000000000000002',
        messageId: '499999999999999998',
        emoji: '🔥',
        sparks: 5,
        endsInMs: HOUR_MS,
        defaultName: '#elsewhere 🔥',
        moderatorId: MODERATOR,
      });
      expect(t.campaigns.nextEndAt()).toBe(sooner.endsAt);
      expect(t.campaigns.dueToEnd()).toEqual([]);
      t.clock.advance(HOUR_MS);
      expect(t.campaigns.dueToEnd().map((c) => c.id)).toEqual([sooner.id]);
      t.clock.advance(2 * HOUR_MS);
      expect(t.campaigns.dueToEnd().map((c) => c.id)).toEqual([sooner.id, later.id]);
      expect(t.campaigns.dueToEnd(t.clock(), 1).map((c) => c.id)).toEqual([sooner.id]);
      other.end(sooner.id, 'time');
      expect(t.campaigns.nextEndAt()).toBe(later.endsAt);
      expect(t.campaigns.dueToEnd().map((c) => c.id)).toEqual([later.id]);
      t.campaigns.end(later.id, 'time');
      expect(t.campaigns.nextEndAt()).toBeNull();
    });
  });

  describe('starting campaigns', () => {
    it('refuses what cannot work, with a reason key, and writes nothing', () => {
      const t = setup(engine);
      const cases: [Partial<StartInput>, string][] = [
        [{ emoji: 'fire' }, 'campaign.invalid.emoji'],
        [{ endsInMs: 30_000 }, 'campaign.invalid.ends_in'],
        [{ maxClaims: 0 }, 'campaign.invalid.max_claims'],
        [{ budget: 5 }, 'campaign.invalid.budget'],
        [{ minMemberDays: 0 }, 'campaign.invalid.min_member_days'],
        [{ minAccountDays: 3651 }, 'campaign.invalid.min_account_days'],
        [{ minAccountDays: 1.5 }, 'campaign.invalid.min_account_days'],
        [{ name: '   ' }, 'campaign.invalid.name'],
      ];
      for (const [input, reasonKey] of cases) {
        try {
          t.start(input);
          throw new Error(`expected ${reasonKey}`);
        } catch (e) {
          expect(isSparksError(e, 'SPARKS.CAMPAIGN_INVALID')).toBe(true);
          expect((e as { params: { reasonKey: string } }).params.reasonKey).toBe(reasonKey);
        }
      }
      expect(() => t.start({ sparks: 0 })).toThrow(/INVALID_AMOUNT/);
      expect(t.campaigns.list(G)).toEqual([]);
    });

    it('records raw facts for the log channel, never Discord markup', () => {
      const t = setup(engine);
      const { row } = t.start({
        endsInMs: HOUR_MS,
        budget: 100,
        requiredRoleId: '600000000000000001',
        revokeOnUnreact: true,
      });
      t.campaigns.end(row.id, 'moderator', MODERATOR);
      const [start, end] = t.audit.take(10);
      const message = { type: 'message', guildId: G, channelId: row.channelId, messageId: row.messageId };
      expect(start?.fields).toEqual({
        campaign: row.name,
        emoji: '🔥',
        message,
        ends_at: { type: 'time', at: t.clock() + HOUR_MS },
        budget: 100,
        required_role: { type: 'role', id: '600000000000000001' },
        revoke_on_unreact: true,
      });
      expect(end?.fields).toEqual({
        campaign: row.name,
        end_reason: 'moderator',
        participants: 0,
        granted: 0,
        returned: 100,
        message,
      });
    });

    it('names are unique among active campaigns and found case-insensitively', () => {
      const t = setup(engine);
      const a = t.start().row;
      const b = t.start().row;
      expect(a.name).toBe('#general 🔥');
      expect(b.name).toBe(`#general 🔥 #${b.id}`);
      t.start({ name: 'Launch AMA' });
      expect(() => t.start({ name: 'launch ama' })).toThrow(/CAMPAIGN_INVALID/);
      expect(t.campaigns.findActive(G, 'LAUNCH ama').name).toBe('Launch AMA');
      expect(t.campaigns.findActive(G, String(a.id)).id).toBe(a.id);
      expect(() => t.campaigns.findActive(G, 'nope')).toThrow(/CAMPAIGN_NOT_FOUND/);
    });
  });

  describe('revokes of campaign-earned Sparks', () => {
    it('go back to an issuance account that minted enough, whatever the source', async () => {
      const t = setup(engine);
      const { active } = t.start({ sparks: 40 });
      t.campaigns.enqueueGrant(active, t.user(1), t.clock());
      await t.campaigns.idle();
      const mod = { type: 'moderator', id: MODERATOR } as const;
      const result = t.ledger.revoke({ guildId: G, userId: t.user(1), amount: 15, key: 'r1', actor: mod });
      expect(t.ledger.reads.accountById(result.transfer.creditAccountId)).toMatchObject({
        type: 'issuance',
        ref: 'campaign',
      });
      expect(
        t.ledger.revoke({ guildId: G, userId: t.user(1), amount: 15, key: 'r1', actor: mod }).duplicate,
      ).toBe(true);
      expect(t.balance(t.user(1))).toBe(25);
      t.ledger.credit({
        guildId: G,
        userId: t.user(1),
        source: 'award',
        kind: 'award',
        amount: 5,
        key: 'a1',
        actor: mod,
      });
      try {
        t.ledger.revoke({ guildId: G, userId: t.user(1), amount: 30, key: 'r2', actor: mod });
        throw new Error('expected a refusal');
      } catch (e) {
        expect(isSparksError(e, 'SPARKS.INSUFFICIENT')).toBe(true);
        expect((e as { params: object }).params).toEqual({ available: 25, requested: 30 });
      }
      expect(t.ledger.reads.account(G, MEMBER(t.user(1)))?.balance).toBe(30);
      t.ok();
    });
  });
});

describe('eligibility', () => {
  const now = Date.UTC(2026, 0, 31);
  /** A Discord id minted `days` before now: the account's age. */
  const aged = (days: number) => String(BigInt(now - days * DAY_MS - DISCORD_EPOCH_MS) << 22n);
  const gated = { requiredRoleId: 'r1', minMemberDays: 7, minAccountDays: 30, verifiedWallet: true };
  const old = aged(400);
  it.each([
    [{ userId: old, bot: true, roles: ['r1'], joinedAt: 0 }, 'bot'],
    [{ userId: old, bot: false, roles: [], joinedAt: 0 }, 'role'],
    [{ userId: old, bot: false, roles: ['r1'], joinedAt: now - 6 * DAY_MS }, 'age'],
    [{ userId: old, bot: false, roles: ['r1'], joinedAt: null }, 'age'],
    [{ userId: aged(29), bot: false, roles: ['r1'], joinedAt: now - 7 * DAY_MS, hasWallet: true }, 'account'],
    [{ userId: old, bot: false, roles: ['r1'], joinedAt: now - 7 * DAY_MS, hasWallet: false }, 'wallet'],
    [{ userId: aged(30), bot: false, roles: ['r1'], joinedAt: now - 7 * DAY_MS, hasWallet: true }, 'ok'],
  ] as const)('%j → %s', (member, verdict) => {
    expect(eligibility(gated, member, now)).toBe(verdict);
  });
  it('an ungated campaign only refuses bots', () => {
    expect(
      eligibility(
        { requiredRoleId: null, minMemberDays: null, minAccountDays: null, verifiedWallet: false },
        { userId: aged(0), bot: false, roles: [], joinedAt: null },
        now,
      ),
    ).toBe('ok');
  });
});
