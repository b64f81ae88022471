import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // End-to-end suites start a fake Discord and a bot per file; forks keep native
    // better-sqlite3 handles and sockets isolated between files.
    pool: 'forks',
    // Two files at a time on CI's 2 cores (vitest's default is cores - 1 = one): most files
    // wait on fsyncs, child processes, PostgreSQL and sockets rather than on a core, and with
    // every PostgreSQL suite running on both engines one file at a time no longer fits the
    // 20-minute budget (the suite's file durations sum to about 19 minutes).
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
