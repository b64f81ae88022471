/**
 * `npm run build [-- <outdir>]` (npm start runs it first): bundles the bot into dist/ with
 * esbuild — dist/index.js (the bot), dist/worker.js (the card render worker) and
 * dist/writer-worker.js (the grant writer's thread, GRANT_WRITER=thread) and
 * dist/sync-worker.js (the PostgreSQL facade's connection thread, src/db/pg/sync.ts), each one
 * ES module with its dependencies inside. Measured with `npm run bench` against the
 * per-file tsc output it replaced: start-up 1.1 s → 0.7 s and 10–15 MB less RSS, because node
 * resolves, reads and keeps the source of two files instead of ~1,500.
 *
 * Type checking is not part of the build (`npm run typecheck`, `npm run check` and the
 * Dockerfile run tsc). Whitespace and syntax are minified but names kept, so stack traces
 * still name their functions; dist/*.js.map maps them back to the sources
 * (`node --enable-source-maps dist/index.js` applies it).
 *
 * The output folder must sit one level below the project root (dist/, or a test's
 * .build-test-*), as src/ does: src/paths.ts finds the migrations from there.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../paths.ts';

/** Loaded from node_modules at run time, never bundled. */
const EXTERNAL = [
  // Native addons.
  'better-sqlite3',
  '@napi-rs/canvas',
  // pino starts transports (pino-pretty) in a worker thread by file path.
  'pino',
  'pino-pretty',
  // Optional speed-ups discord.js tries to load; absent here.
  'zlib-sync',
  'bufferutil',
  'utf-8-validate',
];

/**
 * Bundles `entryPoints` (paths under the project) into `outdir`, one file per entry named
 * after it, with the options the bot ships with. Exported for the build test.
 */
export async function bundle(entryPoints: string[], outdir: string): Promise<void> {
  await build({
    entryPoints,
    outdir,
    entryNames: '[name]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    minifyWhitespace: true,
    minifySyntax: true,
    // Classes and functions keep their names: discord.js picks each cache's limit by its
    // manager's class name (Options.cacheWithLimits), and without this the bundler renamed
    // UserManager to UserManager2, so the users cache grew without bound.
    keepNames: true,
    sourcemap: 'linked',
    // Licence comments go to dist/*.LEGAL.txt: kept, and the bundle stays ASCII (a
    // non-ASCII character anywhere makes V8 hold the whole source as two-byte text).
    legalComments: 'external',
    charset: 'ascii',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module still call require() for node's builtins.
    banner: {
      js: "import { createRequire as __sparksRequire } from 'node:module'; const require = __sparksRequire(import.meta.url);",
    },
  });
}

export async function buildBot(outdir = join(ROOT, 'dist')): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await bundle(
    [
      join(ROOT, 'src/index.ts'),
      join(ROOT, 'src/cards/worker.ts'),
      join(ROOT, 'src/grants/writer-worker.ts'),
      join(ROOT, 'src/db/pg/sync-worker.ts'),
    ],
    outdir,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await buildBot(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
