import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { supervisorScript } from './paths';

export interface SupervisedSpec {
  /** Used in error messages only. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** stdout and stderr of the server are appended here. */
  logFile?: string;
  /** What asks the server for a graceful shutdown (PostgreSQL: SIGINT = fast shutdown). */
  stopSignal?: 'SIGTERM' | 'SIGINT';
  killAfterMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: string | null;
}

export interface SupervisedProcess {
  /** pid of the server itself, not of the supervisor. */
  readonly pid: number;
  /** Settles when the server has exited (and the supervisor with it). */
  readonly exited: Promise<ServerExit>;
  isRunning(): boolean;
  /** Graceful stop; resolves only once the server process is gone. Idempotent. */
  stop(): Promise<void>;
}

type SupervisorEvent =
  | { event: 'started'; pid: number }
  | { event: 'exited'; code: number | null; signal: string | null }
  | { event: 'error'; message: string };

const DEFAULT_KILL_AFTER_MS = 10_000;

/** Supervisors still running, told to stop when this process exits normally. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible here; the supervisor finishes the shutdown on its own.
  process.on('exit', () => {
    for (const supervisor of live) supervisor.kill('SIGTERM');
  });
}

/** True while `pid` runs; a zombie (exited, not yet reaped by a lazy init) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** What the supervisor would have done, for when it was killed before it could. */
async function stopOrphan(pid: number, signal: NodeJS.Signals, killAfterMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitUntilGone(pid, killAfterMs)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitUntilGone(pid, 2_000);
}

function parseEvent(line: string): SupervisorEvent | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'event' in parsed) {
      return parsed as SupervisorEvent;
    }
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * Starts `spec.command` under supervisor.cjs. Resolves once the server process exists (not when
 * it is ready to serve: readiness is protocol specific and checked by the callers).
 */
export function startSupervised(spec: SupervisedSpec): Promise<SupervisedProcess> {
  installExitHook();
  const killAfterMs = spec.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  const supervisor = spawn(
    process.execPath,
    [
      supervisorScript(),
      JSON.stringify({
        ownerPid: process.pid,
        command: spec.command,
        args: spec.args,
        cwd: spec.cwd,
        uid: spec.uid,
        gid: spec.gid,
        logFile: spec.logFile,
        stopSignal: spec.stopSignal ?? 'SIGTERM',
        killAfterMs,
      }),
    ],
    { env: spec.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  live.add(supervisor);

  let serverPid = 0;
  let running = false;
  let stderr = '';
  let lastExit: ServerExit = { code: null, signal: null };
  supervisor.stderr?.setEncoding('utf8');
  supervisor.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let serverExitReported = false;
  // 'close', not 'exit': it comes after the last line of stdout, so the exit report is in.
  const supervisorGone = new Promise<void>((resolveGone) => {
    supervisor.once('close', () => {
      live.delete(supervisor);
      resolveGone();
    });
  });
  // Settles only when the server is gone too, even if someone SIGKILLed the supervisor itself.
  const serverGone = supervisorGone.then(async () => {
    if (serverPid > 0 && !serverExitReported && isAlive(serverPid)) {
      await stopOrphan(serverPid, spec.stopSignal ?? 'SIGTERM', killAfterMs);
    }
    running = false;
  });

  return new Promise<SupervisedProcess>((resolveStarted, rejectStarted) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      rejectStarted(new Error(`${spec.name}: ${message}${stderr ? `\n${stderr.trim()}` : ''}`));
    };

    const lines = createInterface({ input: supervisor.stdout });
    lines.on('line', (line) => {
      const event = parseEvent(line);
      if (!event) return;
      if (event.event === 'started') {
        serverPid = event.pid;
        running = true;
        settled = true;
        resolveStarted(handle);
      } else if (event.event === 'exited') {
        running = false;
        serverExitReported = true;
        lastExit = { code: event.code, signal: event.signal };
      } else {
        fail(`could not start ${spec.command}: ${event.message}`);
      }
    });
    supervisor.once('error', (err) => fail(`could not start the supervisor: ${err.message}`));
    supervisor.once('close', (code, signal) =>
      fail(`supervisor exited early (code ${code}, signal ${signal})`),
    );

    const exited = serverGone.then(() => lastExit);
    let stopping: Promise<void> | undefined;

    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (supervisor.exitCode === null && supervisor.signalCode === null) {
          supervisor.kill('SIGTERM');
          // Should the supervisor hang, do its job from here.
          const fallback = setTimeout(() => supervisor.kill('SIGKILL'), killAfterMs + 5_000);
          await supervisorGone;
          clearTimeout(fallback);
        }
        await serverGone;
      })();
      return stopping;
    };

    const handle: SupervisedProcess = {
      get pid() {
        return serverPid;
      },
      exited,
      isRunning: () => running,
      stop,
    };
  });
}
