import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildBot } from '../../testkit/build.ts';

const root = join(import.meta.dirname, '../..');

export type Cleanups = (() => Promise<void> | void)[];

/** A list the file's tests push cleanups to; after each test they run, last pushed first. */
export function cleanupAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return cleanups;
}

/** The bot built once for the file (testkit/build.ts's buildBot), removed after its tests. */
export function builtBotForFile(): () => ReturnType<typeof buildBot> {
  let build: ReturnType<typeof buildBot> | undefined;
  beforeAll(() => {
    build = buildBot();
  });
  afterAll(() => build?.dispose());
  return () => {
    if (!build) throw new Error('the bot is built in beforeAll; read it inside a test');
    return build;
  };
}

export interface BotProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr together, in arrival order. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `node <args>` (a built bot's start arguments) from the project root with exactly `env`,
 * its output captured; SIGKILLed at cleanup if it is still running.
 */
export function spawnBot(args: string[], env: Record<string, string>, cleanups: Cleanups): BotProcess {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let all = '';
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (all += d.toString())));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), (all += d.toString())));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, stderr: () => err, output: () => all, exited };
}
