import type { TestProject } from 'vitest/node';
import { chromiumExecutable } from '../testkit/browser.ts';
import { startPostgres } from './testkit/postgres.ts';

/**
 * Runs once before the test files: unpacks the browser the web tests use, so parallel
 * files never race to unpack it, and starts the one PostgreSQL server of the run
 * (tests/testkit/postgres.ts; about a second), whose URL test files `inject`. The returned
 * teardown stops the server and removes its data.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [, server] = await Promise.all([chromiumExecutable(), startPostgres()]);
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
