/**
 * What the reliability scenarios share: the result row, worker processes on one database
 * file, temporary databases, a seeded random source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase, type Db } from '../src/db/open.ts';
import { formatReport, verifyLedger } from '../src/db/verify.ts';
import { Ledger } from '../src/ledger/ledger.ts';

export interface ScenarioResult {
  scenario: string;
  runs: number;
  figure: string;
  pass: boolean;
}

export const ROOT = join(import.meta.dirname, '..');
export const G = '910000000000000001';
export const DEFAULTS = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  result: Record<string, number> | null;
}

export interface RunningWorker {
  child: ChildProcess;
  /** Resolves with each JSON line the worker prints, in order. */
  lines: AsyncIterator<string>;
  exited: Promise<WorkerRun>;
}

/** Starts reliability/worker.ts with `command`; its stdout lines are JSON. */
export function startWorker(
  command: object,
  env: Record<string, string> = {},
  options: { stdin?: boolean } = {},
): RunningWorker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'reliability/worker.ts'), JSON.stringify(command)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
    },
  );
  const seen: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => seen.push(line));
  const exited = new Promise<WorkerRun>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let readline hand over what was left in the pipe.
      setImmediate(() => {
        const last = seen.filter(Boolean).at(-1);
        resolve({ code, signal, result: last ? (JSON.parse(last) as Record<string, number>) : null });
      });
    });
  });
  return { child, lines: reader[Symbol.asyncIterator](), exited };
}

export function runWorker(command: object, env: Record<string, string> = {}): Promise<WorkerRun> {
  return startWorker(command, env).exited;
}

export interface TempDatabase {
  dir: string;
  file: string;
  db: Db;
  ledger: Ledger;
  dispose: () => void;
}

export function tempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'sparks-rel-'));
  const file = join(dir, 'sparks.db');
  const db = openDatabase(file);
  return {
    dir,
    file,
    db,
    ledger: new Ledger({ db }),
    dispose: () => (db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

export const sum = (runs: WorkerRun[], key: string) => runs.reduce((n, r) => n + (r.result?.[key] ?? 0), 0);

/** verifyLedger (which runs PRAGMA integrity_check too): '' when clean, else what failed. */
export function ledgerProblems(db: Db): string {
  const report = verifyLedger(db.sqlite);
  if (report.ok) return '';
  return formatReport(report)
    .split('\n')
    .filter((l) => l.includes('FAIL') || l.includes(' - '))
    .join(' ')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}

/** mulberry32: a small, fast PRNG; the same seed always gives the same sequence. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    shuffle<T>(items: T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

/** Runs `fn` on up to `width` items at once. */
export async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
