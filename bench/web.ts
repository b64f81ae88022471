/**
 * Web figures at scale: the bot's HTTP server with the web on (createHttpServer, as the
 * composition root builds it) over a copy of the scale database, requests sent through
 * fastify's `inject` (routing, hooks, guards, rendering, headers — no socket). The Discord
 * directory is a stub that answers at once: what is measured is the server's own work,
 * each page next to the service read behind it (the baseline), timed in the same rounds.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Signer } from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/open.ts';
import { createHttpServer } from '../src/http/server.ts';
import type { WebDirectory } from '../src/http/web/directory.ts';
import type { WebDeps } from '../src/http/web/index.ts';
import { WEB_LEADERBOARD_PAGE_SIZE } from '../src/http/web/pages/leaderboard.ts';
import { encodeSession, SESSION_COOKIE, SESSION_TTL_MS } from '../src/http/web/session.ts';
import { createLogger } from '../src/log.ts';
import { AdminAnalytics } from '../src/moderation/analytics.ts';
import { LedgerExplorer, type ExplorerQuery } from '../src/moderation/ledger-explorer.ts';
import { DAY_MS } from '../src/core/clock.ts';
import { ROLLUP_CHUNK } from '../src/moderation/ledger-rollup.ts';
import { createServices } from '../src/services.ts';
import { G, memberId } from './ledger.ts';
import { median, p99Row, percentile, rng, type Row } from './lib.ts';

const SESSION_SECRET = 'bench-session-secret-that-is-long-enough-0123456789';
const TARGET_MS = 50;
const TARGET_KB = 150;

/** The one visitor the stub lets manage the guild (the admin pages' visitor). */
const ADMIN = memberId(0);

/** The bot's view of the bench guild, answered from memory: every member is there, no roles; ADMIN manages it. */
function stubDirectory(): WebDirectory {
  const avatar = (userId: string) => `https://cdn.discordapp.com/avatars/${userId}/a1b2c3d4e5f6.png?size=64`;
  return {
    guild: (guildId) =>
      Promise.resolve(guildId === G ? { id: G, name: 'Sparks bench', iconUrl: null } : null),
    member: (_guildId, userId) =>
      Promise.resolve({
        userId,
        displayName: `Member ${userId.slice(-6)}`,
        avatarUrl: avatar(userId),
        roleIds: [],
        managesGuild: userId === ADMIN,
      }),
    names: (_guildId, userIds) =>
      Promise.resolve(
        new Map(userIds.map((id) => [id, { displayName: `Member ${id.slice(-6)}`, avatarUrl: avatar(id) }])),
      ),
    roleNames: () => Promise.resolve(new Map()),
    roles: () => Promise.resolve([]),
    channels: () => Promise.resolve([]),
    notifyRedemption: () => Promise.resolve(false),
    rerank: () => Promise.resolve(),
  };
}

/** The measured pages only read: an action reaching the bot here is a bench bug. */
const notMeasured = (what: string) => () => Promise.reject(new Error(`${what} is not part of the web bench`));

interface Probe {
  figure: string;
  /** The page, for this visitor. */
  url: (userId: string) => string;
  /** The service read the page is built on, for the same visitor. */
  raw: (userId: string) => unknown;
  /** One visitor for every sample (an admin page) instead of random members. */
  visitor?: string;
  /** The visitors to take turns with instead of random members. */
  visitors?: readonly string[];
  /** Whose session visits, when not the sample's member (an admin looking a member up). */
  session?: string;
  /** The server it is sent to, when not the scale database's; and its clock. */
  server?: Awaited<ReturnType<typeof serve>>;
  now?: number;
  /** What the row's note says the sample is, when not a random logged-in member. */
  who?: string;
}

/** Wall time of each `inject` of a GET, in ms; throws unless every answer is a 200. */
async function timePage(
  app: FastifyInstance,
  n: number,
  visit: (i: number) => { url: string; cookie: string },
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const { url, cookie } = visit(i);
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url, headers: { cookie } });
    out.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`bench web: GET ${url} answered ${res.statusCode}`);
  }
  return out;
}

/** Size of a response as sent: status line, headers and body (no compression). */
function wireBytes(res: {
  statusCode: number;
  headers: Record<string, unknown>;
  rawPayload: Buffer;
}): number {
  let head = `HTTP/1.1 ${res.statusCode} OK\r\n`;
  for (const [name, value] of Object.entries(res.headers))
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  return Buffer.byteLength(`${head}\r\n`) + res.rawPayload.length;
}

/** The bot's HTTP server with the web on, over a private copy of `file`, as the composition root builds it. */
export async function serve(file: string, now: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-web-bench-'));
  const dbFile = join(dir, 'sparks.db');
  copyFileSync(file, dbFile);
  const config = loadConfig({ DATABASE_PATH: dbFile, LOG_LEVEL: 'silent' });
  const db = openDatabase(dbFile);
  const logger = createLogger({ level: 'silent', secrets: [SESSION_SECRET] });
  const clock = () => now;
  const services = createServices({ config, db, clock, logger });
  // Every dependency a page module may take under its service's name, from the same services.
  const web: WebDeps = {
    ...services,
    web: {
      publicUrl: 'http://127.0.0.1:8080',
      clientSecret: 'bench-client-secret',
      sessionSecret: SESSION_SECRET,
      secureCookies: false,
    },
    clientId: '900000000000000009',
    apiBase: 'http://127.0.0.1:9/api',
    directory: stubDirectory(),
    redeem: notMeasured('redeem'),
    pushLinkedRole: notMeasured('linked role push'),
    campaignControl: { start: notMeasured('campaign start'), end: notMeasured('campaign end') },
    questControl: {
      create: notMeasured('quest create'),
      addStep: notMeasured('quest step'),
      publish: notMeasured('quest publish'),
      end: notMeasured('quest end'),
      review: notMeasured('quest review'),
    },
    explorer: new LedgerExplorer({ db }),
    analytics: new AdminAnalytics({ db, clock, rollup: services.rollup }),
    referrals: services.platform.referrals,
  };
  const app = createHttpServer({
    ...services,
    config: { webhookSecrets: [], defaultGuildId: undefined, platformApiToken: undefined },
    web,
  });
  await app.ready();
  const members = (
    db.sqlite.prepare(`SELECT COUNT(*) AS n FROM accounts WHERE type = 'member'`).get() as { n: number }
  ).n;
  return {
    app,
    db,
    services,
    web,
    members,
    async close() {
      await app.close();
      services.memory.stop();
      await services.cards.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `file`: the scale database (members' pages); `adminFile`: the dashboard's, a journal
 * that mixes every source with referrals, redemptions and campaigns (bench/admin-data.ts),
 * for the admin pages and the members with most history.
 */
export async function webAtScale(o: {
  file: string;
  adminFile: string;
  now: number;
  adminNow: number;
  quick: boolean;
  rounds: number;
  samples: number;
}): Promise<Row[]> {
  const scale = await serve(o.file, o.now);
  const admin = await serve(o.adminFile, o.adminNow);
  try {
    const signer = new Signer(SESSION_SECRET);
    const cookieOf = (userId: string, now: number) =>
      `${SESSION_COOKIE}=${signer.sign(
        encodeSession({
          userId,
          name: `Member ${userId.slice(-6)}`,
          avatar: null,
          guildIds: [G],
          expiresAt: now + SESSION_TTL_MS,
        }),
      )}`;
    const { members } = scale.services;
    const ranked = members.leaderboard(G, 'all', 1, null, WEB_LEADERBOARD_PAGE_SIZE).pages;
    const deep = Math.max(1, Math.floor(ranked / 2));
    const board = `/g/${G}/leaderboard`;
    const probes: Probe[] = [
      {
        figure: 'web leaderboard page, all-time page 1',
        url: () => `${board}?period=all`,
        raw: (u) => members.leaderboard(G, 'all', 1, u, WEB_LEADERBOARD_PAGE_SIZE),
      },
      {
        figure: 'web leaderboard page, week page 1',
        url: () => `${board}?period=week`,
        raw: (u) => members.leaderboard(G, 'week', 1, u, WEB_LEADERBOARD_PAGE_SIZE),
      },
      {
        figure: `web leaderboard page, all-time page ${deep.toLocaleString('en-US')} of ${ranked.toLocaleString('en-US')}`,
        url: () => `${board}?period=all&page=${deep}`,
        raw: (u) => members.leaderboard(G, 'all', deep, u, WEB_LEADERBOARD_PAGE_SIZE),
      },
      {
        figure: 'web member page (/g/:id/me)',
        url: () => `/g/${G}/me`,
        raw: (u) => (members.profile(G, u), members.history(G, u), members.earningsBySource(G, u)),
      },
    ];
    // The dashboard's rollup is caught up the way the timer does after an upgrade, before
    // anything is timed; the page then folds only what arrived since (nothing, here).
    const foldStart = performance.now();
    const fold = admin.services.rollup.catchUp();
    const foldMs = performance.now() - foldStart;
    const { analytics, explorer } = admin.web;
    const adminProbe = (p: Omit<Probe, 'server' | 'now'>): Probe => ({
      ...p,
      server: admin,
      now: o.adminNow,
    });
    probes.push(
      adminProbe({
        figure: 'admin analytics page',
        url: () => `/g/${G}/admin/analytics`,
        raw: () => {
          analytics.catchUp();
          analytics.flows(G);
          analytics.activeEarnersDaily(G);
          analytics.activeEarnersWeekly(G);
          analytics.redemptionsByReward(G);
          analytics.campaignParticipation(G);
          analytics.referralFunnel(G);
        },
        visitor: ADMIN,
        who: `the guild's admin, rollup caught up (the first catch-up folded ${fold.folded.toLocaleString('en-US')} entries in ${(foldMs / 1000).toFixed(1)} s, ${ROLLUP_CHUNK.toLocaleString('en-US')} per transaction)`,
      }),
    );
    // The members with the most history: the member page's costliest visitors.
    const heavy = (
      admin.db.sqlite
        .prepare(`SELECT ref FROM accounts WHERE type = 'member' ORDER BY lifetime_earned DESC LIMIT 200`)
        .all() as { ref: string }[]
    ).map((r) => r.ref);
    const adminMembers = admin.services.members;
    probes.push(
      adminProbe({
        figure: 'web member page, the 200 members with most history',
        url: () => `/g/${G}/me`,
        raw: (u) => (
          adminMembers.profile(G, u),
          adminMembers.history(G, u),
          adminMembers.earningsBySource(G, u)
        ),
        visitors: heavy,
        who: 'one of the 200 members who earned most (the longest history; earnings by source)',
      }),
    );
    // The ledger explorer: the newest page, and filters that find few entries in a big journal.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const oldDay = Math.floor((o.adminNow - 60 * DAY_MS) / DAY_MS) * DAY_MS;
    const open: ExplorerQuery = { userId: null, kind: null, source: null, from: null, to: null };
    const explorerProbes: [string, string, (u: string) => ExplorerQuery][] = [
      ['newest entries', '', () => open],
      [
        'a kind with no entries (campaign.return)',
        'kind=campaign.return',
        () => ({ ...open, kind: 'campaign.return' }),
      ],
      ['a rare kind (revoke)', 'kind=revoke', () => ({ ...open, kind: 'revoke' })],
      [
        `one day 60 days back (${day(oldDay)})`,
        `from=${day(oldDay)}&to=${day(oldDay)}`,
        () => ({ ...open, from: oldDay, to: oldDay + DAY_MS }),
      ],
    ];
    for (const [what, search, query] of explorerProbes)
      probes.push(
        adminProbe({
          figure: `admin ledger explorer, ${what}`,
          url: () => `/g/${G}/admin/ledger?${search}`,
          raw: () => explorer.page(G, query(ADMIN)),
          visitor: ADMIN,
          who: "the guild's admin",
        }),
      );
    probes.push(
      adminProbe({
        figure: 'admin ledger explorer, one of the heaviest members',
        url: (u) => `/g/${G}/admin/ledger?member=${u}`,
        raw: (u) => explorer.page(G, { ...open, userId: u }),
        visitors: heavy,
        session: ADMIN,
        who: "the guild's admin, filtering by one of the 200 members who earned most",
      }),
    );
    // The other pages, each next to the service read it is built on.
    const { rewards, redemptions, settings, tiers, campaigns } = admin.services;
    const pending = () => redemptions.pendingManual(G, { offset: 0, limit: 25 });
    const others: [string, string, () => unknown, boolean][] = [
      ['shop', '/shop', () => rewards.list(G, { enabledOnly: true }), false],
      ['admin home', '/admin', pending, true],
      ['admin shop', '/admin/shop', () => rewards.list(G), true],
      ['admin redemption queue', '/admin/redemptions', pending, true],
      ['admin award', '/admin/award', () => settings.get(G), true],
      ['admin tiers', '/admin/tiers', () => (tiers.list(G), tiers.grantedCounts(G)), true],
      ['admin settings', '/admin/settings', () => settings.get(G), true],
      ['admin campaigns', '/admin/campaigns', () => campaigns.list(G), true],
    ];
    for (const [what, path, raw, isAdmin] of others)
      probes.push(
        adminProbe({
          figure: `web ${what} page`,
          url: () => `/g/${G}${path}`,
          raw,
          ...(isAdmin ? { visitor: ADMIN, who: "the guild's admin" } : {}),
        }),
      );

    const random = rng(23);
    const pageLat = probes.map(() => [] as number[][]);
    const rawLat = probes.map(() => [] as number[][]);
    for (let r = 0; r < o.rounds; r++) {
      for (const [q, probe] of probes.entries()) {
        const server = probe.server ?? scale;
        const now = probe.now ?? o.now;
        const pick = () => memberId(Math.floor(random() * server.members));
        const users = Array.from(
          { length: o.samples },
          (_, i) => probe.visitor ?? probe.visitors?.[i % probe.visitors.length] ?? pick(),
        );
        const visit = (i: number) => ({
          url: probe.url(users[i]!),
          cookie: cookieOf(probe.session ?? users[i]!, now),
        });
        // Warm the JIT and the page cache on this query before timing it.
        await timePage(server.app, 50, (i) => visit(i % users.length));
        for (let i = 0; i < 50; i++) probe.raw(users[i % users.length]!);
        const raw: number[] = [];
        for (const u of users) {
          const t0 = performance.now();
          probe.raw(u);
          raw.push(performance.now() - t0);
        }
        rawLat[q]!.push(raw);
        pageLat[q]!.push(await timePage(server.app, o.samples, visit));
      }
    }
    const judged = (server: { members: number }) => {
      const scaleText = `${server.members.toLocaleString('en-US')} members`;
      return o.quick
        ? `judged at quick scale (${scaleText}, not the 100,000 of the full run)`
        : `at full scale (${scaleText})`;
    };
    const rows: Row[] = probes.map((probe, q) =>
      p99Row(
        `${probe.figure}: server time (p99)`,
        pageLat[q]!,
        median(rawLat[q]!.map((l) => percentile(l, 99))),
        TARGET_MS,
        `≤ ${TARGET_MS} ms p99`,
        `fastify inject, ${probe.who ?? 'logged-in member (own rank shown)'}, stub directory; ${probe.server ? 'the dashboard database (every source, referrals, redemptions)' : 'the scale database'}; median (min–max) of the p99 of ${o.rounds} rounds of ${o.samples}; p50 ${percentile(pageLat[q]!.flat(), 50).toFixed(2)} ms; baseline: the service read alone (p99; p50 ${percentile(rawLat[q]!.flat(), 50).toFixed(2)} ms); ${judged(probe.server ?? scale)}`,
      ),
    );
    rows.push(await firstVisit(scale.app, board));
    return rows;
  } finally {
    await scale.close();
    await admin.close();
  }
}

/**
 * An anonymous first visit to the leaderboard: the page and every same-site stylesheet,
 * script and image it references, as sent (uncompressed: the server does not compress).
 */
async function firstVisit(app: FastifyInstance, board: string): Promise<Row> {
  const page = await app.inject({ method: 'GET', url: `${board}?period=all` });
  if (page.statusCode !== 200) throw new Error(`bench web: the leaderboard answered ${page.statusCode}`);
  const refs = [
    ...page.body.matchAll(
      /<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="(\/[^"]*)"/g,
    ),
  ].map((m) => m[1]!);
  let bytes = wireBytes(page);
  let gzip = gzipSync(page.rawPayload).length;
  const parts = [`HTML ${(page.rawPayload.length / 1000).toFixed(1)}`];
  for (const url of new Set(refs)) {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) throw new Error(`bench web: ${url} answered ${res.statusCode}`);
    bytes += wireBytes(res);
    gzip += gzipSync(res.rawPayload).length;
    parts.push(`${url.split('.').at(-1)!.toUpperCase()} ${(res.rawPayload.length / 1000).toFixed(1)}`);
  }
  const kb = bytes / 1000;
  return {
    figure: 'first visit to the leaderboard: bytes transferred (uncompressed)',
    median: kb,
    min: kb,
    max: kb,
    unit: 'kB',
    baseline: null,
    ratio: null,
    target: `< ${TARGET_KB} KB`,
    pass: kb < TARGET_KB,
    note: `HTML + the CSS and JS it references, headers included, anonymous, 25 rows; bodies ${parts.join(' + ')} kB (1 kB = 1,000 bytes); no compression on the server (@fastify/compress is not installed); gzip would make the bodies ${(gzip / 1000).toFixed(1)} kB`,
  };
}
