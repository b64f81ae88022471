import { fileURLToPath } from 'node:url';

/**
 * The project root: one level above this file's folder. That holds both where this module
 * runs from source (src/paths.ts) and where it runs bundled into dist/index.js (see
 * src/scripts/build.ts), so paths to files shipped beside the code — the migrations —
 * are resolved from here and nowhere else.
 */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
