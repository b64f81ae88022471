import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue, type AuditEvent } from '../../src/audit.ts';
import { CampaignService, type CampaignChange, type StartInput } from '../../src/campaigns/campaigns.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { GrantQueue } from '../../src/grants/queue.ts';
import { GrantWriter } from '../../src/grants/writer-thread.ts';
import { Ledger, type PostedEntry } from '../../src/ledger/ledger.ts';
import { createLogger, silentLogger, type Logger } from '../../src/log.ts';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { fakeClock, freshDb, G } from '../helpers/db.ts';
import { Outbox } from '../../src/platform/outbox.ts';
import { OutboxStore } from '../../src/db/outbox-store.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { DEFAULTS } from '../helpers/platform.ts';

const MODERATOR = '100000000000000001';
const STAFF = '600000000000000001';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A campaign service on a database file, inline or with the writer's thread. */
function setup(options: { thread: boolean; logger?: Logger; platformEvents?: boolean }) {
  const db = freshDb({ file: true });
  const clock = fakeClock();
  const logger = options.logger ?? silentLogger;
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  const grants = new GrantQueue({ db, logger });
  const outbox = new Outbox({ db, store: new OutboxStore(db) });
  if (options.platformEvents) outbox.registerCreditedEvents(ledger);
  const writer = options.thread
    ? new GrantWriter({
        path: db.path,
        queue: grants,
        ledger,
        clock,
        logger,
        inTransaction: () => db.inTransaction,
        platformEvents: options.platformEvents,
      })
    : undefined;
  const campaigns = new CampaignService({ db, ledger, audit, clock, logger, grants, writer });
  const settings = new SettingsService({ db, defaults: DEFAULTS, clock });
  cleanups.push(() => {
    campaigns.close();
    db.cleanup();
  });
  const hooks: PostedEntry[] = [];
  ledger.onPosted((transfer, debit, credit, input) => hooks.push({ transfer, debit, credit, input }));
  const changes: CampaignChange[] = [];
  campaigns.onChange((c) => changes.push(c));
  const committed: number[] = [];
  campaigns.onCommitted((n) => committed.push(n));
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
  const auditOf = () => {
    const events: AuditEvent[] = audit.take(1000);
    return events.map((e) => ({ kind: e.kind, fields: e.fields }));
  };
  return {
    db,
    clock,
    ledger,
    outbox,
    campaigns,
    settings,
    writer,
    start,
    user,
    balance,
    hooks,
    changes,
    committed,
    auditOf,
  };
}

/** The hook arguments without the ids and times that differ between two databases' runs. */
const shapeOf = (h: PostedEntry) => ({
  kind: h.transfer.kind,
  amount: h.transfer.amount,
  key: h.transfer.idempotencyKey,
  debit: [h.debit.type, h.debit.ref, h.debit.balance],
  credit: [h.credit.type, h.credit.ref, h.credit.balance, h.credit.lifetimeEarned],
  input: h.input,
});

describe('the grant writer thread', () => {
  it('applies a burst once, with the same stats, hooks and end as inline', async () => {
    const run = async (thread: boolean) => {
      const t = setup({ thread });
      const capped = t.start({ maxClaims: 700 });
      const open = t.start({ sparks: 3 });
      // Half the reactors hold the excluded role: their accounts open off the leaderboards.
      t.settings.update(G, { leaderboardExcludeRoleId: STAFF });
      for (let i = 0; i < 1200; i++) {
        const roles = i % 2 === 0 ? [] : [STAFF];
        t.campaigns.enqueueGrant(capped.active, t.user(i % 1000), t.clock(), { roles });
        t.campaigns.enqueueGrant(open.active, t.user(i % 1000), t.clock());
      }
      await t.campaigns.idle();
      expect(t.campaigns.pending).toBe(0);
      expect(verifyLedger(t.db.sqlite).ok).toBe(true);
      return {
        stats: { ...t.campaigns.stats },
        capped: t.campaigns.byId(capped.row.id)!,
        open: t.campaigns.byId(open.row.id)!,
        balances: [0, 1, 699, 700, 999].map((i) => t.balance(t.user(i))),
        ranked: [0, 1, 699, 700, 999].map((i) => t.ledger.reads.standing(G, t.user(i)).ranked),
        hooks: t.hooks.map(shapeOf),
        ends: t.changes.filter((c) => c.type === 'end').map((c) => c.campaign.id),
        active: t.campaigns.allActive().map((c) => c.id),
        audit: t.auditOf().filter((e) => e.kind === 'campaign.end'),
        committed: t.committed.reduce((a, b) => a + b, 0),
        started: t.writer?.started ?? 0,
      };
    };
    const inline = await run(false);
    const thread = await run(true);
    expect(thread.started).toBe(1);
    expect(thread.stats).toEqual(inline.stats);
    expect(thread.stats).toMatchObject({ granted: 1700, skipped: 700, failed: 0 });
    expect(thread.capped).toMatchObject({ status: 'ended', endReason: 'cap', claims: 700 });
    expect(thread.open).toMatchObject({ status: 'active', claims: 1000, granted: 3000 });
    expect(thread.balances).toEqual([13, 13, 13, 3, 3]);
    expect(thread.balances).toEqual(inline.balances);
    // 999's account opened from the open campaign's grant (the capped one was full), which
    // carried no roles: ranked, as any account.
    expect(thread.ranked).toEqual([true, false, false, true, true]);
    expect(thread.ranked).toEqual(inline.ranked);
    expect(thread.hooks).toHaveLength(1700);
    expect(thread.hooks).toEqual(inline.hooks);
    // Ended in the thread's batch: announced once on the main thread, its index dropped.
    expect(thread.ends).toEqual([thread.capped.id]);
    expect(thread.ends).toEqual(inline.ends);
    expect(thread.active).toEqual([thread.open.id]);
    expect(thread.audit).toHaveLength(1);
    expect(thread.audit).toEqual(inline.audit);
    expect(thread.committed).toBe(2400);
  }, 60_000);

  it('the outbox event of each grant is queued once, in the thread’s transaction', () => {
    const t = setup({ thread: true, platformEvents: true });
    const { active } = t.start();
    for (let i = 0; i < 600; i++) t.campaigns.enqueueGrant(active, t.user(i % 300), t.clock());
    t.campaigns.flush();
    expect(t.campaigns.stats).toMatchObject({ granted: 300, skipped: 300 });
    // The main ledger's own outbox hook is transactional: not replayed, so not twice.
    expect(t.outbox.stats().pending).toBe(300);
    expect(t.hooks).toHaveLength(300);
  }, 60_000);

  it('flush is synchronous: committed and counted when it returns', () => {
    const t = setup({ thread: true });
    const { active, row } = t.start();
    for (let i = 0; i < 1100; i++) t.campaigns.enqueueGrant(active, t.user(i), t.clock());
    expect(t.campaigns.pending).toBe(1100);
    t.campaigns.flush();
    expect(t.campaigns.pending).toBe(0);
    expect(t.campaigns.stats).toMatchObject({ granted: 1100, failed: 0 });
    // 500 per durable transaction, as inline.
    expect(t.campaigns.stats.flushes).toBe(3);
    expect(t.campaigns.byId(row.id)).toMatchObject({ claims: 1100, granted: 11_000 });
    expect(t.hooks).toHaveLength(1100);
    // Another connection sees them: they are durable, not only in the thread's transaction.
    const other = freshDbReader(t.db.path);
    expect(other).toBe(1100);
  }, 60_000);

  it('a revoke goes through the thread too, and end() flushes it first', () => {
    const t = setup({ thread: true });
    const { active, row } = t.start({ revokeOnUnreact: true });
    t.campaigns.enqueueGrant(active, t.user(1), t.clock());
    t.campaigns.enqueueGrant(active, t.user(2), t.clock());
    t.campaigns.flush();
    t.campaigns.enqueueRevoke(active, t.user(1), t.clock());
    t.campaigns.enqueueGrant(active, t.user(3), t.clock());
    const end = t.campaigns.end(row.id, 'moderator', MODERATOR);
    expect(end.summary).toMatchObject({ participants: 3, reversed: 10 });
    expect([1, 2, 3].map((i) => t.balance(t.user(i)))).toEqual([0, 10, 10]);
    expect(t.campaigns.stats).toMatchObject({ granted: 3, revoked: 1, failed: 0 });
    expect(t.changes.filter((c) => c.type === 'end')).toHaveLength(1);
  }, 60_000);

  it('refuses to wait inside a write transaction of the main connection', () => {
    const t = setup({ thread: true });
    const { active } = t.start();
    t.campaigns.enqueueGrant(active, t.user(1), t.clock());
    expect(() => t.db.write(() => t.campaigns.flush())).toThrow(/inside a write transaction/);
    t.campaigns.flush();
    expect(t.balance(t.user(1))).toBe(10);
  }, 60_000);

  it('a killed thread loses nothing that reconciliation cannot find; a new one takes over', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as never);
          done();
        },
      }),
    });
    const t = setup({ thread: true, logger });
    const { active, row } = t.start();
    const users = Array.from({ length: 3000 }, (_, i) => t.user(i));
    for (const u of users) t.campaigns.enqueueGrant(active, u, t.clock());
    // Let the thread start on them, then kill it mid-burst.
    await new Promise((r) => setTimeout(r, 50));
    await t.writer!.killThread();
    const { granted, failed } = t.campaigns.stats;
    expect(granted + failed).toBe(3000);
    expect(failed).toBeGreaterThan(0);
    expect(lines.some((l) => /grant writer thread was stopped/.test(l.msg))).toBe(true);
    // What was counted granted is durable; what failed is found by reconciliation.
    const claims = t.campaigns.claims(row.id);
    expect(claims.size).toBeGreaterThanOrEqual(granted);
    for (const u of users)
      if (!claims.has(u)) t.campaigns.enqueueGrant(active, u, t.clock(), { reconcile: true });
    await t.campaigns.idle();
    expect(t.writer!.started).toBe(2);
    expect(users.map(t.balance).every((b) => b === 10)).toBe(true);
    expect(t.campaigns.byId(row.id)).toMatchObject({ claims: 3000, granted: 30_000 });
    expect(verifyLedger(t.db.sqlite).ok).toBe(true);
  }, 60_000);
});

function freshDbReader(path: string): number {
  // A plain second connection, as another process would open.
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM transfers WHERE kind = 'campaign.grant'").get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}
