/**
 * `npm run demo:web [-- --port 3000]`: the web on a populated demo guild, to click through
 * in a browser. It starts the project's fake Discord and the real bot on 127.0.0.1 (no
 * Discord application needed, nothing leaves this machine), prints the address and who to
 * log in as, and runs until Ctrl-C or 30 minutes without a request to the site.
 *
 * `npm run demo:web -- --check`: starts the same world, fetches the leaderboard page,
 * prints OK and exits 0 (1 when the page is not what it should be).
 */
import { startDemoWeb, type DemoWeb } from './demo/web-world.ts';

const IDLE_MS = 30 * 60_000;

function portOption(argv: string[]): number | undefined {
  const i = argv.indexOf('--port');
  if (i < 0) return undefined;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`--port wants a port number, not "${argv[i + 1] ?? ''}"`);
  return port;
}

/** The leaderboard answers 200 and names the demo's members. */
async function check(demo: DemoWeb): Promise<number> {
  const res = await fetch(demo.boardUrl);
  const body = await res.text();
  if (res.status !== 200 || !body.includes('Alice')) {
    console.error(`demo:web check failed: GET ${demo.boardUrl} answered ${res.status}`);
    return 1;
  }
  console.log('OK');
  return 0;
}

/** Resolves on Ctrl-C (or SIGTERM), or once the site has had no request for IDLE_MS. */
function untilStopped(demo: DemoWeb): Promise<string> {
  let last = Date.now();
  demo.world.app.http?.app.server.on('request', () => (last = Date.now()));
  return new Promise((resolve) => {
    const done = (why: string) => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(why);
    };
    const onSignal = () => done('stopping');
    const timer = setInterval(() => {
      if (Date.now() - last >= IDLE_MS) done('no visit for 30 minutes: stopping');
    }, 10_000);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

async function main(): Promise<number> {
  const demo = await startDemoWeb({ port: portOption(process.argv) });
  try {
    if (process.argv.includes('--check')) return await check(demo);
    const { admin, members } = demo.logins;
    console.log(
      [
        'Sparks web demo: the real bot and a local fake Discord on 127.0.0.1 (nothing leaves this machine)',
        '',
        `  Open ${demo.boardUrl}`,
        '  Click "Log in with Discord"; on the fake Discord\'s page pick who you are:',
        `    ${admin}: the demo admin (Manage Server), who also sees the dashboard`,
        `    ${members.join(', ')}: demo members with Sparks (so is every other name there but "owner",`,
        '    who owns the guild and is an admin too)',
        '',
        '  Ctrl-C stops it; so do 30 minutes without a visit.',
      ].join('\n'),
    );
    console.log(await untilStopped(demo));
    return 0;
  } finally {
    await demo.stop();
  }
}

process.exitCode = await main();
