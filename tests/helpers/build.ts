import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

/**
 * The bot built as `npm start` builds it (`npm run build`: tsconfig.build.json), into a
 * folder of its own beside dist/ so test files never race over one output and the
 * migrations resolve as they do from dist/. Returns the entry to run with plain `node`.
 */
export function buildBot(): { entry: string; dispose: () => void } {
  const dir = mkdtempSync(join(root, '.build-test-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dir], {
    cwd: root,
    stdio: 'pipe',
  });
  return { entry: join(dir, 'index.js'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
