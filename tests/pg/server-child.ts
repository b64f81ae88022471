/**
 * Starts a test server in a process of its own and prints where it is, then waits to be
 * killed: tests/pg/server.test.ts checks that the server goes away with this process.
 */
import { startPostgres } from '../testkit/postgres.ts';

const server = await startPostgres();
process.stdout.write(`${JSON.stringify({ url: server.url, dataDir: server.dataDir, port: server.port })}\n`);
setInterval(() => {}, 60_000);
