import { chromiumExecutable } from '../testkit/browser.ts';

/**
 * Runs once before the test files: unpacks the browser the web tests use, so parallel
 * files never race to unpack it.
 */
export default async function setup(): Promise<void> {
  await chromiumExecutable();
}
