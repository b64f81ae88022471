/**
 * One worker process for the reliability scenarios: it runs a command through the
 * production code (Ledger, AwardService, RedemptionService, CampaignService, the webhook
 * server, on the real database: the SQLite file `db`, or the PostgreSQL database `url`)
 * and prints a JSON result line. Started by the scenarios, several at once standing in
 * for shards, or alone with a crash point armed.
 */
import { AuditQueue } from '../src/audit.ts';
import { isSparksError } from '../src/core/errors.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import type { RoleGranter } from '../src/shop/redemptions.ts';
import { DEFAULTS, openAt, type DatabaseLocation } from './support.ts';

type Command = DatabaseLocation &
  (
    | { op: 'spend'; db: string; guild: string; user: string; amount: number; count: number; tag: string }
    | {
        op: 'award';
        db: string;
        guild: string;
        moderator: string;
        amount: number;
        count: number;
        tag: string;
      }
    | {
        op: 'award-once';
        db: string;
        guild: string;
        moderator: string;
        user: string;
        amount: number;
        key: string;
      }
    | {
        op: 'redeem-many';
        db: string;
        guild: string;
        rewardId: number;
        cost: number;
        users: string[];
        tag: string;
      }
    | {
        op: 'redeem-once';
        db: string;
        guild: string;
        rewardId: number;
        cost: number;
        user: string;
        key: string;
        rolesDir: string;
      }
    | { op: 'campaign-batch'; db: string; campaignIds: number[]; users: string[]; thread?: boolean }
    | { op: 'webhook-server'; db: string; secret: string; guild: string }
    | { op: 'season-finish'; db: string; seasonId: number; rolesDir: string }
    | { op: 'raffle-draw'; db: string; guild: string; raffleId: number; rolesDir: string }
  );

const cmd = JSON.parse(process.argv[2]!) as Command;
const db = openAt(cmd);
const ledger = new Ledger({ db });
const audit = new AuditQueue();
const counts: Record<string, number> = { ok: 0 };
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

function classify(e: unknown): void {
  if (isSparksError(e)) bump(e.code);
  else if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) bump('busy');
  // A serialization failure or a deadlock that reached the caller (the facade retries them).
  else if (['40001', '40P01'].includes((e as { code?: string }).code ?? '')) bump('busy');
  else throw e;
}

function attempt(fn: () => unknown): void {
  try {
    fn();
    bump('ok');
  } catch (e) {
    classify(e);
  }
}

// Each operation imports what it needs: a worker starts in about a second, and the crash
// scenarios start dozens.
const shop = async () => {
  const [{ RedemptionService }, { RewardService }] = await Promise.all([
    import('../src/shop/redemptions.ts'),
    import('../src/shop/rewards.ts'),
  ]);
  const rewards = new RewardService({ db, clock: Date.now, audit });
  return new RedemptionService({ db, ledger, rewards, clock: Date.now, audit });
};
const silent = async () => (await import('../src/log.ts')).silentLogger;
const settingsService = async () => {
  const { SettingsService } = await import('../src/settings/settings.ts');
  return new SettingsService({ db, defaults: DEFAULTS });
};

/** A Discord that grants every role, a little later (another turn of the event loop). */
const grantsAll: RoleGranter = {
  grant: () => new Promise((resolve) => setImmediate(() => resolve({ ok: true }))),
  holds: () => Promise.resolve(true),
};

async function main(): Promise<void> {
  switch (cmd.op) {
    case 'spend':
      for (let i = 0; i < cmd.count; i++) {
        attempt(() =>
          ledger.hold({
            guildId: cmd.guild,
            userId: cmd.user,
            amount: cmd.amount,
            key: `${cmd.tag}-${i}`,
            actor: { type: 'member', id: cmd.user },
          }),
        );
      }
      break;
    case 'award':
    case 'award-once': {
      const { AwardService } = await import('../src/moderation/awards.ts');
      const awards = new AwardService({
        db,
        ledger,
        settings: await settingsService(),
        clock: Date.now,
      });
      if (cmd.op === 'award-once') {
        attempt(() =>
          awards.award({
            guildId: cmd.guild,
            moderatorId: cmd.moderator,
            userId: cmd.user,
            amount: cmd.amount,
            reason: 'crash test',
            key: cmd.key,
          }),
        );
        break;
      }
      for (let i = 0; i < cmd.count; i++) {
        attempt(() =>
          awards.award({
            guildId: cmd.guild,
            moderatorId: cmd.moderator,
            userId: `m${i % 20}`,
            amount: cmd.amount,
            reason: 'load',
            key: `${cmd.tag}-${i}`,
          }),
        );
      }
      break;
    }
    case 'redeem-many': {
      const redemptions = await shop();
      // A barrier: say ready, then wait for the scenario's "go" (sent once every worker is
      // ready), so the workers' attempts run at the same time.
      console.log(JSON.stringify({ ready: 1 }));
      await new Promise((resolve) => process.stdin.once('data', resolve));
      process.stdin.destroy();
      // The members of this worker confirm a few milliseconds apart, as interactions arrive:
      // their reserves (synchronous writes) race the other workers' for the write lock and
      // interleave with the fulfilments in flight.
      await Promise.all(
        cmd.users.map(async (user, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 2));
          counts.first = Math.min(counts.first ?? Infinity, Date.now());
          try {
            const { redemption } = redemptions.reserve({
              guildId: cmd.guild,
              userId: user,
              rewardId: cmd.rewardId,
              confirmedCost: cmd.cost,
              key: `confirm:${cmd.tag}:${user}`,
              memberRoleIds: [],
            });
            const result = await redemptions.fulfil(redemption, grantsAll, { notified: true });
            bump(result.status);
          } catch (e) {
            classify(e);
          }
          counts.last = Math.max(counts.last ?? 0, Date.now());
        }),
      );
      break;
    }
    case 'redeem-once': {
      const redemptions = await shop();
      const { fileGranter } = await import('./granter.ts');
      const { redemption } = redemptions.reserve({
        guildId: cmd.guild,
        userId: cmd.user,
        rewardId: cmd.rewardId,
        confirmedCost: cmd.cost,
        key: cmd.key,
        memberRoleIds: [],
      });
      bump((await redemptions.fulfil(redemption, fileGranter(cmd.rolesDir), { notified: true })).status);
      break;
    }
    case 'campaign-batch': {
      const [{ CampaignService }, { GrantQueue }, { GrantWriter }] = await Promise.all([
        import('../src/campaigns/campaigns.ts'),
        import('../src/grants/queue.ts'),
        import('../src/grants/writer-thread.ts'),
      ]);
      const logger = await silent();
      const grants = new GrantQueue({ db, logger });
      // thread: GRANT_WRITER=thread, the batch written by the writer's worker thread (SQLite
      // only: the configuration refuses it with DATABASE_URL).
      if (cmd.thread && db.engine !== 'sqlite') throw new Error('the writer thread is SQLite-only');
      const writer = cmd.thread
        ? new GrantWriter({ path: cmd.db, queue: grants, ledger, clock: Date.now, logger })
        : undefined;
      const campaigns = new CampaignService({ db, ledger, audit, clock: Date.now, logger, grants, writer });
      const active = cmd.campaignIds.map((id) => campaigns.allActive().find((c) => c.id === id)!);
      // Each member reacted to every campaign: one batch holds them all, interleaved.
      for (const user of cmd.users) for (const c of active) campaigns.enqueueGrant(c, user, Date.now());
      campaigns.flush();
      counts.ok = campaigns.stats.granted;
      campaigns.close();
      break;
    }
    case 'season-finish': {
      const [{ SeasonService }, { NO_FLAGS }, { fileGranter }] = await Promise.all([
        import('../src/seasons/seasons.ts'),
        import('../src/members/flags.ts'),
        import('./granter.ts'),
      ]);
      const seasons = new SeasonService({ db, ledger, clock: Date.now, audit, flags: NO_FLAGS });
      const result = await seasons.finish(cmd.seasonId, {
        standings: {
          standings: (_g, ids) => Promise.resolve(new Map(ids.map((id) => [id, 'present' as const]))),
        },
        roles: fileGranter(cmd.rolesDir),
      });
      bump(result.state);
      break;
    }
    case 'raffle-draw': {
      const [{ RaffleService }, { NO_FLAGS }, { fileGranter }, { RewardService }, { RedemptionService }] =
        await Promise.all([
          import('../src/raffles/raffles.ts'),
          import('../src/members/flags.ts'),
          import('./granter.ts'),
          import('../src/shop/rewards.ts'),
          import('../src/shop/redemptions.ts'),
        ]);
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
      });
      const roles = fileGranter(cmd.rolesDir);
      const drawn = await raffles.draw(cmd.guild, String(cmd.raffleId), 'mod', {
        check: () => Promise.resolve('ok'),
      });
      for (const prize of drawn.prizes)
        if (prize.status === 'reserved') await redemptions.fulfil(prize, roles, { notified: false });
      bump('drawn');
      break;
    }
    case 'webhook-server': {
      const { startWebhookServer } = await import('./webhook-server.ts');
      const server = await startWebhookServer(db, ledger, {
        secret: cmd.secret,
        guildId: cmd.guild,
      });
      console.log(JSON.stringify({ port: server.port }));
      // Serves until the scenario stops it (SIGTERM), kills it, or 30 s pass.
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGTERM', done);
        setTimeout(done, 30_000);
      });
      await server.close();
      break;
    }
  }
}

await main();
db.close();
console.log(JSON.stringify(counts));
process.exit(0);
