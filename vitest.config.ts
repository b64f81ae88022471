import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // End-to-end suites start a fake Discord and a bot per file; forks keep native
    // better-sqlite3 handles and sockets isolated between files.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
