/**
 * Scenario 2 — a crash at every step. Each flow (a redemption, a campaign grant batch, a
 * webhook event, a season payout, a raffle draw) first runs once in a child process with
 * SPARKS_CRASH_TRACE to list the crash points it passes, in order; then, once per step, it
 * runs again on a fresh database with SPARKS_CRASH_AT set to that step (the n-th time that
 * point is reached), so the child SIGKILLs itself there. After each kill the database is
 * reopened, the production recovery runs, the flow is retried as its sender would retry it,
 * and then: verifyLedger is clean (on SQLite with PRAGMA integrity_check), and the flow took
 * effect exactly once.
 *
 * Either engine (`Target`): a SQLite file, or a fresh database of a PostgreSQL server, where
 * the killed child's connection drops and the server rolls back what it had not committed.
 * The checks read through the services, the Ledger and plain SQL both engines accept.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { AuditQueue } from '../src/audit.ts';
import { CampaignService } from '../src/campaigns/campaigns.ts';
import type { AppDb } from '../src/db/engine.ts';
import { CAMPAIGN_BUDGET, HOLDS, Ledger } from '../src/ledger/ledger.ts';
import { silentLogger } from '../src/log.ts';
import { parseEvent } from '../src/platform/schemas.ts';
import { PlatformService } from '../src/platform/service.ts';
import { SettingsService } from '../src/settings/settings.ts';
import { RedemptionService } from '../src/shop/redemptions.ts';
import { RewardService } from '../src/shop/rewards.ts';
import { SeasonService } from '../src/seasons/seasons.ts';
import { RaffleService } from '../src/raffles/raffles.ts';
import { verifyDraw } from '../src/raffles/verify.ts';
import { NO_FLAGS } from '../src/members/flags.ts';
import { ISSUANCE } from '../src/ledger/ledger.ts';
import { fileGranter, grantRequests, holdsRole } from './granter.ts';
import { startWebhookServer } from './webhook-server.ts';
import {
  DEFAULTS,
  dropTemplates,
  G,
  inParallel,
  ledgerProblems,
  rows,
  SQLITE,
  startWorker,
  tempDatabase,
  type ScenarioResult,
  type Target,
  type TempDatabase,
} from './support.ts';

/** One flow under test: how to set it up, run it in a child, and recover and check after. */
interface Flow {
  name: string;
  /** Prepares a fresh database (closed when this returns); returns what `run` and `check` need. */
  setup(t: TempDatabase): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Runs the flow in a child process with `env`; resolves when the child is gone. */
  run(t: TempDatabase, ctx: Record<string, unknown>, env: Record<string, string>): Promise<void>;
  /**
   * After the child is gone (killed at `step`, or finished): reopen, recover, retry, and
   * return what is wrong ([] when the flow took effect exactly once and the ledger is clean).
   */
  check(t: TempDatabase, ctx: Record<string, unknown>, step: string | null): Promise<string[]>;
}

export interface CrashScale {
  /** Every step (full run), or only the flow's own points plus one inside a ledger write (fast part). */
  steps: 'all' | 'flow';
  /** Campaign grants in the batch. */
  batch: number;
  /** Children at once. */
  parallel: number;
}

/** The crash points a flow passes, in order, as `name:n` (the n-th time it reaches `name`). */
async function traceSteps(flow: Flow, target: Target): Promise<string[]> {
  const t = await tempDatabase(target);
  const file = join(t.dir, 'trace.txt');
  try {
    const ctx = await flow.setup(t);
    t.db.close();
    await flow.run(t, ctx, { SPARKS_CRASH_TRACE: file });
    const seen = new Map<string, number>();
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((name) => {
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        return `${name}:${n}`;
      });
  } finally {
    await t.dispose();
  }
}

function pick(steps: string[], mode: CrashScale['steps']): string[] {
  if (mode === 'all') return steps;
  const own = steps.filter((s) => !s.startsWith('ledger.'));
  const inLedger = steps.find((s) => s.startsWith('ledger.after-insert'));
  // A batch's inner steps, the first time each is reached: on SQLite two (entries in with
  // the gate up; derived state applied, gate still up), on PostgreSQL one (the entries in,
  // their derived state applied by the row triggers within the same INSERT).
  const inBatch = steps.filter((s) => s === 'ledger.batch-inserted:1' || s === 'ledger.batch-derived:1');
  return [...(inLedger ? [inLedger] : []), ...inBatch, ...own];
}

async function crashEveryStep(flow: Flow, scale: CrashScale, target: Target): Promise<ScenarioResult> {
  try {
    return await crashAtSteps(flow, scale, target);
  } finally {
    await dropTemplates();
  }
}

async function crashAtSteps(flow: Flow, scale: CrashScale, target: Target): Promise<ScenarioResult> {
  const traced = await traceSteps(flow, target);
  const steps = pick(traced, scale.steps);
  const failures: string[] = [];
  const outcomes = new Map<string, number>();
  // Once without a crash: the flow itself is right.
  const plain = await tempDatabase(target);
  try {
    const plainCtx = await flow.setup(plain);
    plain.db.close();
    await flow.run(plain, plainCtx, {});
    failures.push(...(await flow.check(plain, plainCtx, null)).map((f) => `no crash: ${f}`));
  } finally {
    await plain.dispose();
  }
  await inParallel(steps, scale.parallel, async (step) => {
    const t = await tempDatabase(target);
    try {
      const ctx = await flow.setup(t);
      t.db.close();
      await flow.run(t, ctx, { SPARKS_CRASH_AT: step });
      failures.push(...(await flow.check(t, ctx, step)).map((f) => `${step}: ${f}`));
      const outcome = typeof ctx.outcome === 'string' ? ctx.outcome : '?';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    } catch (e) {
      failures.push(`${step}: ${(e as Error).message}`);
    } finally {
      await t.dispose();
    }
  });
  return {
    scenario: `${flow.name} killed at every step${target.engine === 'postgres' ? ' (PostgreSQL)' : ''}`,
    runs: steps.length,
    figure: failures.length
      ? failures.slice(0, 3).join('; ') + (failures.length > 3 ? ` (+${failures.length - 3} more)` : '')
      : `${steps.length} of ${traced.length} steps (${[...outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}): once, verify clean`,
    pass: failures.length === 0 && steps.length > 0,
    steps,
  };
}

/** Waits for a worker; fails if it was killed anywhere but at an armed crash point. */
async function waitWorker(w: ReturnType<typeof startWorker>, env: Record<string, string>): Promise<void> {
  const run = await w.exited;
  const armed = env.SPARKS_CRASH_AT !== undefined;
  if (armed && run.signal !== 'SIGKILL') throw new Error(`not killed at ${env.SPARKS_CRASH_AT}`);
  if (!armed && run.code !== 0) throw new Error(`worker exited ${String(run.code ?? run.signal)}`);
}

/** What is wrong with the database right after the crash (verifyLedger: see ledgerProblems). */
function afterCrash(db: AppDb): string[] {
  const after = ledgerProblems(db);
  return after ? [`after the crash: ${after}`] : [];
}

/** What is still wrong once the recovery and the retries have run. */
function stillWrong(db: AppDb): string[] {
  const final = ledgerProblems(db);
  return final ? [final] : [];
}

/** Checks after the crash and after the recovery + retry; always closes `db`. */
function closing(db: AppDb, fn: () => Promise<string[]>): Promise<string[]> {
  return fn().finally(() => db.close());
}

// ---- a redemption -----------------------------------------------------------------------

const ROLE = '920000000000000007';
const MEMBER = '930000000000000007';
const COST = 40;
const STOCK = 3;

const redemptionFlow: Flow = {
  name: 'redemption (reserve, grant, post)',
  setup(t) {
    const reward = new RewardService({ db: t.db, clock: Date.now, audit: new AuditQueue() }).add(G, 'mod', {
      name: 'VIP',
      cost: COST,
      kind: 'role',
      roleId: ROLE,
      stock: STOCK,
    });
    t.ledger.credit({
      guildId: G,
      userId: MEMBER,
      source: 'award',
      kind: 'award',
      amount: 100,
      key: 'fund',
      actor: { type: 'system', id: 'seed' },
    });
    return { rewardId: reward.id, roles: mkdtempSync(join(t.dir, 'roles-')) };
  },
  async run(t, ctx, env) {
    const w = startWorker(
      {
        op: 'redeem-once',
        ...t.where,
        guild: G,
        rewardId: ctx.rewardId,
        cost: COST,
        user: MEMBER,
        key: 'confirm:1',
        rolesDir: ctx.roles,
      },
      env,
    );
    await waitWorker(w, env);
  },
  check(t, ctx) {
    const roles = ctx.roles as string;
    const rewardId = ctx.rewardId as number;
    const db = t.reopen();
    return closing(db, async () => {
      const problems = afterCrash(db);
      // Restart: the production recovery, with a Discord that says whether the member has the role.
      const audit = new AuditQueue();
      const ledger = new Ledger({ db });
      const rewards = new RewardService({ db, clock: Date.now, audit });
      const redemptions = new RedemptionService({ db, ledger, rewards, clock: Date.now, audit });
      const discord = fileGranter(roles);
      const recovered = await redemptions.recover(G, discord);
      if (recovered.unresolved) problems.push(`${recovered.unresolved} unresolved after recovery`);
      // The member presses the same Confirm again; if that redemption was refunded, they
      // open a new confirmation, as the refund message tells them to.
      const confirm = (key: string) =>
        redemptions.reserve({
          guildId: G,
          userId: MEMBER,
          rewardId,
          confirmedCost: COST,
          key,
          memberRoleIds: holdsRole(roles, MEMBER, ROLE) ? [ROLE] : [],
        });
      let r = confirm('confirm:1');
      ctx.outcome = recovered.fulfilled.length ? 'fulfilled by recovery' : 'already fulfilled';
      if (!r.duplicate) {
        ctx.outcome = 'never reserved, redeemed on retry';
        await redemptions.fulfil(r.redemption, discord, { notified: true });
      } else if (r.redemption.status === 'refunded') {
        ctx.outcome = 'refunded by recovery, redeemed again';
        r = confirm('confirm:2');
        await redemptions.fulfil(r.redemption, discord, { notified: true });
      } else if (r.redemption.status !== 'fulfilled')
        problems.push(`still ${r.redemption.status} after recovery`);
      const statuses = rows<{ status: string }>(
        db,
        `SELECT status FROM redemptions WHERE user_id = '${MEMBER}' ORDER BY id`,
      );
      const fulfilled = statuses.filter((x) => x.status === 'fulfilled').length;
      const refunded = statuses.filter((x) => x.status === 'refunded').length;
      if (fulfilled !== 1 || refunded !== statuses.length - 1)
        problems.push(`redemptions ${statuses.map((x) => x.status).join(',')}`);
      if (!holdsRole(roles, MEMBER, ROLE)) problems.push('member lacks the role');
      if (grantRequests(roles) !== 1) problems.push(`${grantRequests(roles)} grant requests`);
      const balance = ledger.reads.standing(G, MEMBER).balance;
      if (balance !== 100 - COST) problems.push(`balance ${balance}`);
      const stock = rewards.get(rewardId)!.stock;
      if (stock !== STOCK - 1) problems.push(`stock ${String(stock)}`);
      if ((ledger.reads.account(G, HOLDS)?.balance ?? 0) !== 0) problems.push('a hold is still open');
      problems.push(...stillWrong(db));
      return problems;
    });
  },
};

// ---- a campaign grant batch -------------------------------------------------------------

const SPARKS = 10;

function campaignFlow(batch: number, thread = false): Flow {
  const users = Array.from({ length: batch }, (_, i) => `94000000000000000${i}`);
  // Two campaigns in one batch. A's budget pays every member with half a grant to spare:
  // the batch ends it (budget) and returns the rest, in the same transaction. B has no
  // budget and stays active, so the restart's reconciliation offers it every member again.
  const budget = batch * SPARKS + SPARKS / 2;
  const OPEN_SPARKS = 3;
  return {
    name: `campaign batch of ${batch * 2} grants${thread ? ' on the writer thread' : ''}`,
    setup(t) {
      const campaigns = new CampaignService({
        db: t.db,
        ledger: t.ledger,
        audit: new AuditQueue(),
        clock: Date.now,
        logger: silentLogger,
      });
      const start = (messageId: string, emoji: string, sparks: number, withBudget: boolean) =>
        campaigns.start({
          guildId: G,
          channelId: '950000000000000001',
          messageId,
          emoji,
          sparks,
          ...(withBudget ? { budget } : {}),
          defaultName: `crash test ${emoji}`,
          moderatorId: 'mod',
        }).id;
      return {
        budgeted: start('950000000000000002', '🔥', SPARKS, true),
        open: start('950000000000000003', '🎉', OPEN_SPARKS, false),
      };
    },
    async run(t, ctx, env) {
      const w = startWorker(
        { op: 'campaign-batch', ...t.where, campaignIds: [ctx.budgeted, ctx.open], users, thread },
        env,
      );
      await waitWorker(w, env);
    },
    check(t, ctx) {
      const budgeted = ctx.budgeted as number;
      const open = ctx.open as number;
      const db = t.reopen();
      return closing(db, () => {
        const problems = afterCrash(db);
        // Restart: reconciliation queues a grant for every member whose reaction is on
        // the message of each active campaign (all of them; those with a claim must be skipped).
        const ledger = new Ledger({ db });
        const campaigns = new CampaignService({
          db,
          ledger,
          audit: new AuditQueue(),
          clock: Date.now,
          logger: silentLogger,
        });
        const active = campaigns.allActive();
        ctx.outcome = active.some((c) => c.id === budgeted)
          ? 'rolled back, granted on reconcile'
          : 'committed, reconcile skipped every claim';
        for (const c of active)
          for (const u of users) campaigns.enqueueGrant(c, u, Date.now(), { reconcile: true });
        campaigns.flush();
        const balances = users.map((u) => ledger.reads.standing(G, u).balance);
        if (balances.some((b) => b !== SPARKS + OPEN_SPARKS)) problems.push(`balances ${balances.join(',')}`);
        const a = campaigns.byId(budgeted)!;
        const b = campaigns.byId(open)!;
        if (a.claims !== batch || a.granted !== batch * SPARKS)
          problems.push(`budgeted campaign counts ${a.claims} claims, ${a.granted} Sparks`);
        if (b.claims !== batch || b.granted !== batch * OPEN_SPARKS)
          problems.push(`open campaign counts ${b.claims} claims, ${b.granted} Sparks`);
        if (a.status !== 'ended' || a.endReason !== 'budget')
          problems.push(`budgeted campaign ${a.status} (${String(a.endReason)})`);
        if (b.status !== 'active') problems.push(`open campaign ${b.status}`);
        const left = ledger.reads.account(G, CAMPAIGN_BUDGET(budgeted))?.balance ?? 0;
        const returned = campaigns.summary(a).returned;
        if (left !== 0 || returned !== budget - batch * SPARKS)
          problems.push(`budget left ${left}, returned ${returned}`);
        problems.push(...stillWrong(db));
        return Promise.resolve(problems);
      });
    },
  };
}

// ---- a webhook event --------------------------------------------------------------------

const SECRET = `whsec_${Buffer.alloc(32, 'r').toString('base64')}`;
const REFERRER = '960000000000000001';
const INVITEE = '960000000000000002';
const EVENT_ID = 'evt_crash_1';
const TRADE = JSON.stringify({
  type: 'trade.executed',
  occurred_at: '2026-11-24T12:00:00Z',
  discord_user_id: INVITEE,
  volume_usd: '1234.56',
});

async function post(url: string): Promise<{ status: number; body: { status?: string } } | null> {
  const headers = {
    'content-type': 'application/json',
    'webhook-id': EVENT_ID,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': new Webhook(SECRET).sign(EVENT_ID, new Date(), TRADE),
  };
  try {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: TRADE });
    return { status: res.status, body: (await res.json()) as { status?: string } };
  } catch {
    return null; // the server died before answering
  }
}

const webhookFlow: Flow = {
  name: 'webhook trade with a referral share',
  setup(t) {
    const platform = new PlatformService({
      db: t.db,
      ledger: t.ledger,
      settings: new SettingsService({ db: t.db, defaults: DEFAULTS }),
    });
    const parsed = parseEvent(
      {
        type: 'referral.registered',
        occurred_at: '2026-11-24T12:00:00Z',
        referrer_discord_user_id: REFERRER,
        invitee_discord_user_id: INVITEE,
      },
      G,
    );
    if (!parsed.ok) throw new Error('bad referral');
    platform.apply('evt_referral', parsed.event);
    return {};
  },
  async run(t, ctx, env) {
    const w = startWorker({ op: 'webhook-server', ...t.where, secret: SECRET, guild: G }, env);
    const first = await w.lines.next();
    if (first.done) throw new Error('the webhook worker did not start');
    const { port } = JSON.parse(first.value) as { port: number };
    ctx.reply = await post(`http://127.0.0.1:${port}`);
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await waitWorker(w, env);
  },
  check(t, ctx, step) {
    const db = t.reopen();
    return closing(db, async () => {
      const problems = afterCrash(db);
      const first = ctx.reply as Awaited<ReturnType<typeof post>>;
      // No acknowledgement before the commit, and none from a process that died.
      if (step !== null && first !== null) problems.push(`answered ${first.status} before dying`);
      if (step === null && (first?.status !== 200 || first.body.status !== 'applied'))
        problems.push(`first delivery answered ${String(first?.status)} ${String(first?.body.status)}`);
      // Restart: a new server on the same database; the platform retries the same webhook-id.
      const ledger = new Ledger({ db });
      const server = await startWebhookServer(db, ledger, {
        secret: SECRET,
        guildId: G,
      });
      try {
        const retry = await post(server.url);
        const durable = step === null || step.startsWith('webhook.before-reply');
        const expected = durable ? 'duplicate' : 'applied';
        ctx.outcome = durable ? 'committed, retry duplicate' : 'rolled back, retry applied';
        if (retry?.status !== 200 || retry.body.status !== expected)
          problems.push(
            `retry answered ${String(retry?.status)} ${String(retry?.body.status)}, not ${expected}`,
          );
      } finally {
        await server.close();
      }
      const n = (sql: string) => rows<{ n: number }>(db, sql)[0]!.n;
      const entries = n(`SELECT COUNT(*) AS n FROM transfers WHERE ref = 'event:${EVENT_ID}'`);
      const events = n(`SELECT COUNT(*) AS n FROM platform_events WHERE id = '${EVENT_ID}'`);
      const invitee = ledger.reads.standing(G, INVITEE).balance;
      const referrer = ledger.reads.standing(G, REFERRER).balance;
      if (entries !== 2 || events !== 1 || invitee !== 123 || referrer !== 12)
        problems.push(`${entries} entries, ${events} event rows, invitee ${invitee}, referrer ${referrer}`);
      problems.push(...stillWrong(db));
      return problems;
    });
  },
};

// ---- a season's payout ------------------------------------------------------------------

const SEASON_ROLE = '920000000000000011';
const CLIMBERS = ['970000000000000001', '970000000000000002', '970000000000000003', '970000000000000004'];
/** Their season scores: the first two tie, the first reaching it first. */
const SCORES = [50, 50, 30, 10];
const PAID = [500, 200, 200, 0];

const allPresent = {
  standings: (_g: string, ids: readonly string[]) =>
    Promise.resolve(new Map(ids.map((id) => [id, 'present' as const]))),
};

const seasonFlow: Flow = {
  name: 'season payout (freeze, Sparks, role, end)',
  setup(t) {
    // The season ran an hour ago: started two hours back, ended one hour back.
    const past = Date.now() - 2 * 3_600_000;
    let tick = past;
    const clock = () => tick;
    const audit = new AuditQueue();
    const ledger = new Ledger({ db: t.db, clock });
    const seasons = new SeasonService({ db: t.db, ledger, clock, audit, flags: NO_FLAGS });
    const season = seasons.start({ guildId: G, name: 'Crash', ends: '1h', moderatorId: 'mod' });
    const prize = (rankFrom: number, rankTo: number, sparks: number, roleId: string | null = null) =>
      seasons.prize({ guildId: G, season: 'Crash', rankFrom, rankTo, sparks, roleId, moderatorId: 'mod' });
    prize(1, 1, 500, SEASON_ROLE);
    prize(2, 3, 200);
    CLIMBERS.forEach((userId, i) => {
      tick += 1000;
      ledger.credit({
        guildId: G,
        userId,
        source: 'platform',
        kind: 'platform.trade',
        amount: SCORES[i]!,
        key: `trade:${i}`,
        actor: { type: 'platform', id: 'p' },
      });
    });
    return { seasonId: season.id, roles: mkdtempSync(join(t.dir, 'roles-')) };
  },
  async run(t, ctx, env) {
    const w = startWorker(
      { op: 'season-finish', ...t.where, seasonId: ctx.seasonId, rolesDir: ctx.roles },
      env,
    );
    await waitWorker(w, env);
  },
  check(t, ctx) {
    const roles = ctx.roles as string;
    const seasonId = ctx.seasonId as number;
    const db = t.reopen();
    return closing(db, async () => {
      const problems = afterCrash(db);
      const ledger = new Ledger({ db });
      const seasons = new SeasonService({
        db,
        ledger,
        clock: Date.now,
        audit: new AuditQueue(),
        flags: NO_FLAGS,
      });
      const before = seasons.store.byId(seasonId)!.status;
      // Restart: the scheduler finishes whatever is due.
      const result = await seasons.finish(seasonId, { standings: allPresent, roles: fileGranter(roles) });
      ctx.outcome = `${before} at the crash`;
      if (result.state !== 'ended') problems.push(`season ${result.state} after the restart`);
      const balances = CLIMBERS.map((u) => ledger.reads.standing(G, u).balance);
      const expected = CLIMBERS.map((_, i) => SCORES[i]! + PAID[i]!);
      if (balances.join() !== expected.join())
        problems.push(`balances ${balances.join(',')}, not ${expected.join(',')}`);
      const minted = ledger.reads.account(G, ISSUANCE('season'))?.balance ?? 0;
      if (minted !== -900) problems.push(`season issuance ${minted}`);
      if (!holdsRole(roles, CLIMBERS[0]!, SEASON_ROLE)) problems.push('the winner lacks the role');
      const winners = seasons.winners(seasonId).map((r) => r.userId);
      if (winners.join() !== CLIMBERS.slice(0, 3).join()) problems.push(`winners ${winners.join(',')}`);
      problems.push(...stillWrong(db));
      return problems;
    });
  },
};

// ---- a raffle draw ----------------------------------------------------------------------

const RAFFLE_ROLE = '920000000000000012';
const ENTRANTS = Array.from({ length: 6 }, (_, i) => `98000000000000000${i}`);
const ENTRY_COST = 5;

function raffleServices(db: AppDb, ledger: Ledger) {
  const audit = new AuditQueue();
  const rewards = new RewardService({ db, clock: Date.now, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock: Date.now, audit });
  const raffles = new RaffleService({
    db,
    ledger,
    clock: Date.now,
    audit,
    flags: NO_FLAGS,
    rewards,
    redemptions,
    random: (n) => Buffer.alloc(n, 7),
  });
  return { rewards, redemptions, raffles };
}

const raffleFlow: Flow = {
  name: 'raffle draw (close, pick, settle, prize roles)',
  setup(t) {
    const { rewards, raffles } = raffleServices(t.db, t.ledger);
    const reward = rewards.add(G, 'mod', {
      name: 'Golden ticket',
      cost: 1000,
      kind: 'role',
      roleId: RAFFLE_ROLE,
    });
    const raffle = raffles.start({
      guildId: G,
      name: 'Crash raffle',
      reward: reward.name,
      winners: 2,
      entryCost: ENTRY_COST,
      maxEntriesPerMember: 3,
      ends: '7d',
      moderatorId: 'mod',
    });
    ENTRANTS.forEach((userId, i) => {
      t.ledger.credit({
        guildId: G,
        userId,
        source: 'award',
        kind: 'award',
        amount: 100,
        key: `fund:${i}`,
        actor: { type: 'system', id: 'seed' },
      });
      raffles.enter({
        guildId: G,
        raffle: String(raffle.id),
        userId,
        entries: 1 + (i % 3),
        key: `enter:${i}`,
        memberRoleIds: [],
        joinedAt: null,
      });
    });
    return { raffleId: raffle.id, roles: mkdtempSync(join(t.dir, 'roles-')) };
  },
  async run(t, ctx, env) {
    const w = startWorker(
      { op: 'raffle-draw', ...t.where, guild: G, raffleId: ctx.raffleId, rolesDir: ctx.roles },
      env,
    );
    await waitWorker(w, env);
  },
  check(t, ctx) {
    const roles = ctx.roles as string;
    const raffleId = ctx.raffleId as number;
    const db = t.reopen();
    return closing(db, async () => {
      const problems = afterCrash(db);
      const ledger = new Ledger({ db });
      const { redemptions, raffles } = raffleServices(db, ledger);
      const granter = fileGranter(roles);
      // Restart: the shop's recovery, then the raffle scheduler draws a raffle still open.
      await redemptions.recover(G, granter);
      const status = raffles.get(raffleId)!.status;
      ctx.outcome = status === 'open' ? 'drawn again on restart' : 'drawn before the crash';
      if (status === 'open') {
        const drawn = await raffles.draw(G, String(raffleId), 'system', {
          check: () => Promise.resolve('ok'),
        });
        for (const p of drawn.prizes)
          if (p.status === 'reserved') await redemptions.fulfil(p, granter, { notified: false });
      }
      const raffle = raffles.get(raffleId)!;
      const check = verifyDraw(raffle, raffles.entries(raffleId), raffles.draws(raffleId));
      if (!check.ok) problems.push(`draw does not verify: ${check.problems.join('; ')}`);
      if (check.winners.length !== 2) problems.push(`${check.winners.length} winners`);
      for (const u of check.winners)
        if (!holdsRole(roles, u, RAFFLE_ROLE)) problems.push(`winner ${u} lacks the role`);
      const prizes = rows<{ userId: string; status: string }>(
        db,
        `SELECT user_id AS "userId", status FROM redemptions WHERE source = 'raffle:${raffleId}'`,
      );
      if (prizes.length !== 2 || prizes.some((p) => p.status !== 'fulfilled'))
        problems.push(`prizes ${prizes.map((p) => p.status).join(',')}`);
      const balances = ENTRANTS.map((u) => ledger.reads.standing(G, u).balance);
      const expected = ENTRANTS.map((_, i) => 100 - ENTRY_COST * (1 + (i % 3)));
      if (balances.join() !== expected.join()) problems.push(`balances ${balances.join(',')}`);
      if ((ledger.reads.account(G, HOLDS)?.balance ?? 0) !== 0) problems.push('a hold is still open');
      problems.push(...stillWrong(db));
      return problems;
    });
  },
};

export const crashRedemption = (scale: CrashScale, target: Target = SQLITE) =>
  crashEveryStep(redemptionFlow, scale, target);
export const crashCampaignBatch = (scale: CrashScale, target: Target = SQLITE) =>
  crashEveryStep(campaignFlow(scale.batch), scale, target);
/**
 * The same batch with GRANT_WRITER=thread: crash points on both threads (writer.*). SQLite
 * only, as the writer thread is (the configuration refuses it with DATABASE_URL).
 */
export const crashCampaignBatchThread = (scale: CrashScale) =>
  crashEveryStep(campaignFlow(scale.batch, true), scale, SQLITE);
export const crashWebhook = (scale: CrashScale, target: Target = SQLITE) =>
  crashEveryStep(webhookFlow, scale, target);
export const crashSeasonPayout = (scale: CrashScale, target: Target = SQLITE) =>
  crashEveryStep(seasonFlow, scale, target);
export const crashRaffleDraw = (scale: CrashScale, target: Target = SQLITE) =>
  crashEveryStep(raffleFlow, scale, target);
