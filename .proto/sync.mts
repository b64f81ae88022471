import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import pg from 'pg';
import { startPostgres } from '../tests/testkit/postgres.ts';

const server = await startPostgres();
const workerSrc = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pg);
const { port, flag, url } = workerData;
const client = new pg.Client({ connectionString: url });
client.connect().then(() => {
  Atomics.store(flag, 0, 1); Atomics.notify(flag, 0);
  port.on('message', async ({ id, text, values }) => {
    let reply;
    try { const r = await client.query({ text, values }); reply = { id, rows: r.rows }; }
    catch (e) { reply = { id, error: { message: e.message, code: e.code } }; }
    port.postMessage(reply);
    Atomics.store(flag, 0, id); Atomics.notify(flag, 0);
  });
});`;
const { port1, port2 } = new MessageChannel();
const flag = new Int32Array(new SharedArrayBuffer(4));
const w = new Worker(workerSrc, { eval: true, workerData: { port: port2, flag, url: server.url, pg: '/work/wt/pg/node_modules/pg' }, transferList: [port2] });
Atomics.wait(flag, 0, 0);
let seq = 1;
function querySync(text: string, values: unknown[] = []) {
  const id = ++seq;
  port1.postMessage({ id, text, values });
  while (Atomics.load(flag, 0) !== id) Atomics.wait(flag, 0, Atomics.load(flag, 0), 5000);
  const m = receiveMessageOnPort(port1)!.message as { rows?: unknown[]; error?: { message: string } };
  if (m.error) throw new Error(m.error.message);
  return m.rows!;
}
const N = 5000;
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) querySync('SELECT $1::int AS x', [i]);
  const syncUs = ((performance.now() - t0) * 1000) / N;
  const c = new pg.Client({ connectionString: server.url }); await c.connect();
  t0 = performance.now();
  for (let i = 0; i < N; i++) await c.query({ text: 'SELECT $1::int AS x', values: [i] });
  const asyncUs = ((performance.now() - t0) * 1000) / N;
  await c.end();
  console.log(`sync facade ${syncUs.toFixed(1)} µs/query, async pg ${asyncUs.toFixed(1)} µs/query`);
}
await w.terminate();
await server.stop();
