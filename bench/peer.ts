/**
 * The peer figures: discord-economy-super (bench/peer, installed apart from the bot's own
 * tree) adding balance to distinct users and reading a top-10 leaderboard, each in a child
 * process (bench/peer/child.mts), against our figures for the same work measured in this run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summary, type Row } from './lib.ts';

const PEER = join(import.meta.dirname, 'peer');
const ROOT = join(import.meta.dirname, '..');

/** Installs the peer from its own lock file if it is missing (a fresh clone); false if that fails. */
export function ensurePeer(): boolean {
  if (existsSync(join(PEER, 'node_modules', 'discord-economy-super'))) return true;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PEER,
    stdio: 'inherit',
    timeout: 180_000,
  });
  return r.status === 0 && existsSync(join(PEER, 'node_modules', 'discord-economy-super'));
}

function child<T>(args: string[]): T {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-peer-'));
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(PEER, 'child.mts'), ...args, dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Ours {
  /** Our durable grants/s for distinct members (group commit), measured in this run. */
  groupCommitPerSecond: number;
  /** Our durable grants/s one per transaction (awards), measured in this run. */
  singlePerSecond: number;
  /** Our top-10 all-time leaderboard read, median ms, at `boardMembers` members. */
  leaderboardMs: number;
  boardMembers: number;
}

export function peer(o: { quick: boolean; ours: Ours }): Row[] {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (!ensurePeer()) {
    const missing = (figure: string, target: string): Row => ({
      figure,
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      unit: '—',
      baseline: null,
      ratio: null,
      target,
      pass: null,
      note: 'peer not installed and `npm ci` in bench/peer failed (offline?): run it there, then the bench',
    });
    return [
      missing('peer: adds to distinct users', '≥ 30×'),
      missing('peer: top-10 leaderboard', '≥ 1,000×'),
    ];
  }
  const adds = o.quick ? 1000 : 10_000;
  const segment = o.quick ? 200 : 1000;
  const { segments } = child<{ segments: number[] }>(['adds', String(adds), String(segment)]);
  const rates = segments.map((ms) => (segment * 1000) / ms);
  const addRate = (adds * 1000) / segments.reduce((a, b) => a + b, 0);
  const users = o.ours.boardMembers;
  const { ms } = child<{ ms: number[] }>(['leaderboard', String(users), o.quick ? '3' : '7']);
  const board = summary(ms);
  const ratioAdds = o.ours.groupCommitPerSecond / addRate;
  const ratioBoard = board.median / o.ours.leaderboardMs;
  return [
    {
      figure: `peer: balance adds, ${fmt(adds)} distinct users from an empty file`,
      median: addRate,
      min: Math.min(...rates),
      max: Math.max(...rates),
      unit: 'adds/s',
      baseline: o.ours.groupCommitPerSecond,
      ratio: ratioAdds,
      target: 'ours ≥ 30× (durable)',
      pass: ratioAdds >= 30,
      fullScaleOnly: true,
      note:
        `median = all ${fmt(adds)} adds; min–max over each ${fmt(segment)} (it slows as the file grows: every add ` +
        `reads, parses and rewrites the whole file, without fsync). Baseline: our campaign group commit, ` +
        `durable; one grant per durable transaction is ${fmt(Math.round(o.ours.singlePerSecond))}/s ` +
        `(${(o.ours.singlePerSecond / addRate).toFixed(1)}×)`,
    },
    {
      figure: `peer: top-10 leaderboard, ${fmt(users)} users`,
      ...board,
      unit: 'ms',
      baseline: o.ours.leaderboardMs,
      ratio: ratioBoard,
      target: 'ours ≥ 1,000× faster',
      pass: ratioBoard >= 1000,
      fullScaleOnly: true,
      note: `baseline: our all-time top-10 median at ${fmt(users)} members. The peer is started on an empty file and the file filled afterwards: at start it re-reads the file once per stored user (2,000 users take over a minute)`,
    },
  ];
}
