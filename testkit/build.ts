import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/**
 * The node arguments of `npm start` (package.json's start script: `node <flags> dist/index.js`)
 * with another built entry, so tests and the bench run the bot exactly as npm start does.
 */
export function startArgs(entry = 'dist/index.js'): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [node, ...args] = pkg.scripts.start.split(' ');
  if (node !== 'node' || args.at(-1) !== 'dist/index.js')
    throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return [...args.slice(0, -1), entry];
}

/**
 * The bot built as `npm start` builds it (`npm run build`: src/scripts/build.ts), into a
 * folder of its own beside dist/ so test files never race over one output and the
 * migrations resolve as they do from dist/. Returns the entry to run with plain `node`.
 */
export function buildBot(): { entry: string; args: string[]; dispose: () => void } {
  const dir = mkdtempSync(join(root, '.build-test-'));
  execFileSync(process.execPath, ['--import', 'tsx', 'src/scripts/build.ts', dir], {
    cwd: root,
    stdio: 'pipe',
  });
  const entry = join(dir, 'index.js');
  return { entry, args: startArgs(entry), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
