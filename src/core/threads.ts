/**
 * Starting a worker thread whose entry is one of the bot's modules, the same way from the
 * TypeScript sources and from the bundle. Built (npm start runs dist/), every entry is a
 * plain JavaScript file next to dist/index.js (src/scripts/build.ts bundles each one). From
 * the sources (tests, scripts under tsx), tsx's API compiles the entry in the worker
 * thread, whether the process runs under tsx or under vitest (whose transform workers do
 * not inherit).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, workerData, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then(({ tsImport }) => tsImport(workerData.entry, workerData.entry))
  .catch((error) => setImmediate(() => { throw error; }));
`;

/**
 * Starts the entry `name` (without extension) that sits beside the module `from` (its
 * `import.meta.url`): `<name>.ts` in the sources, `<name>.js` in the bundle. `data`
 * reaches the entry through `threadData()`; ports in it go in `options.transferList`.
 */
export function startThread(
  from: string,
  name: string,
  data: unknown,
  options: Omit<WorkerOptions, 'eval' | 'workerData'> = {},
): Worker {
  if (from.endsWith('.js'))
    return new Worker(new URL(`./${name}.js`, from), { ...options, workerData: { data } });
  return new Worker(BOOTSTRAP, {
    ...options,
    eval: true,
    workerData: {
      tsx: pathToFileURL(
        createRequire(from)
          .resolve('tsx/esm/api')
          .replace(/\.cjs$/, '.mjs'),
      ).href,
      entry: new URL(`./${name}.ts`, from).href,
      data,
    },
  });
}

/** Inside an entry started by `startThread`: the `data` it was given. */
export function threadData<T>(): T {
  return (workerData as { data: T }).data;
}
