import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

// No Docker engine runs here, so these keep the image honest about the project instead:
// it must install and start exactly as the README says.
describe('the container image', () => {
  it('builds with the lockfile (npm ci) and ships production dependencies only', () => {
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
  });

  it('runs what npm start runs, as a non-root user, with the database on a volume', () => {
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)![1]!.replace(/"/g, '').split(/,\s*/);
    expect(pkg.scripts.start).toMatch(/^node (--[\w-]+(=\S+)? )*dist\/index\.js$/);
    expect(pkg.scripts.prestart).toBe('npm run build --silent');
    expect(cmd).toEqual(pkg.scripts.start!.split(' '));
    expect(dockerfile).toMatch(/RUN .*npm run build/);
    expect(dockerfile).toMatch(/COPY --from=build .* \/app\/dist \.\/dist/);
    // npm start builds (esbuild, run by tsx), so both are production dependencies; the type
    // checker is not part of the build.
    expect(pkg.scripts.build).toBe('tsx src/scripts/build.ts');
    expect(pkg.dependencies.esbuild).toBeDefined();
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(pkg.dependencies.typescript).toBeUndefined();
    expect(dockerfile).toMatch(/^USER sparks$/m);
    expect(dockerfile).toMatch(/DATABASE_PATH=\/data\/sparks.db/);
    expect(dockerfile).toMatch(/VOLUME \["\/data"\]/);
  });

  it('checks health on /healthz', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });
});
