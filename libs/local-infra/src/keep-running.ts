import { appendFileSync } from 'node:fs';
import { DEFAULT_RESTART_BACKOFF, nextRestart, type RestartBackoff } from './restart-backoff';
import {
  startSupervised,
  type ServerExit,
  type SupervisedProcess,
  type SupervisedSpec,
} from './supervised-process';

/** One run of a server: what keepRunning watches, and stops on `stop()`. */
export type ServerRun = Pick<SupervisedProcess, 'pid' | 'exited' | 'isRunning' | 'stop'>;

/** A server keepRunning can start again and again: same command, ports and data each time. */
export interface RestartableServer {
  /** As printed: `kafka exited (…); restarting in 1 s (restart 1)`. */
  name: string;
  /** Named in the restart line, and marked where one run ends and the next begins. */
  logFile?: string;
  /** Starts one run; resolves once the process exists (readiness is `isReady`'s to tell). */
  start(): Promise<ServerRun>;
}

export interface RestartPolicy {
  backoff?: RestartBackoff;
  /** Once aborted, an exit is no longer followed by a restart: whoever aborts is stopping it all. */
  signal?: AbortSignal;
}

export interface KeepRunningOptions extends RestartPolicy {
  /** Polled after each restart until it answers true, to report the server healthy again. */
  isReady: () => Promise<boolean>;
  log: (line: string) => void;
  /** A first run the caller started (and waited for) itself; otherwise keepRunning starts one. */
  running?: ServerRun;
}

export interface KeptProcess {
  /** pid of the current run (of the last one while a restart is pending). */
  readonly pid: number;
  /** Stops the server and any restart to come; resolves once the server is gone. */
  stop(): Promise<void>;
}

const READY_POLL_MS = 500;

/**
 * A server run once, without restarts: an exit nobody asked for is logged (`Kafka exited
 * unexpectedly (code …, signal …); see <log>`), and `stop()` stops it.
 */
export function runOnce(
  run: ServerRun,
  name: string,
  logFile: string,
  log: (line: string) => void,
): KeptProcess {
  let stopping = false;
  void run.exited.then((exit) => {
    if (!stopping)
      log(`${name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); see ${logFile}`);
  });
  return {
    pid: run.pid,
    stop: async () => {
      stopping = true;
      await run.stop();
    },
  };
}

/** A server started under supervisor.cjs from the same spec on every run. */
export function supervisedServer(spec: SupervisedSpec): RestartableServer {
  return { name: spec.name, logFile: spec.logFile, start: () => startSupervised(spec) };
}

/** Where one run ends and the next begins, for whoever reads the (shared) log file. */
function markRestart(logFile: string, line: string): void {
  try {
    appendFileSync(logFile, `[herald] ${new Date().toISOString()} ${line}\n`);
  } catch {
    // the restart matters more than the marker
  }
}

/**
 * Runs `server` and starts it again whenever it exits until `stop()` (or `signal` aborts),
 * waiting `nextRestart`'s backoff in between. It never gives up: for a local stack, one server
 * failing over and over (retried at least every 30 s, each attempt printed) is better than
 * stopping the others. Rejects only if the first start fails.
 */
export async function keepRunning(
  server: RestartableServer,
  opts: KeepRunningOptions,
): Promise<KeptProcess> {
  let current: ServerRun | undefined = opts.running ?? (await server.start());
  let pid = current.pid;
  let stopping = false;
  const halted = (): boolean => stopping || opts.signal?.aborted === true;
  let wake = (): void => undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((done) => {
      const timer = setTimeout(done, ms);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });
  const onAbort = (): void => wake();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const reportReady = async (restarted: ServerRun, restarts: number): Promise<void> => {
    while (!halted() && restarted.isRunning()) {
      if (await opts.isReady().catch(() => false)) {
        opts.log(`${server.name} is healthy again (pid ${restarted.pid}, restart ${restarts})`);
        return;
      }
      await new Promise((done) => setTimeout(done, READY_POLL_MS));
    }
  };

  const watch = async (): Promise<void> => {
    let streak = 0;
    let restarts = 0;
    for (;;) {
      const startedAt = Date.now();
      const exit: ServerExit | string = current ? await current.exited : 'could not be started';
      if (halted()) return;
      const next = nextRestart(
        streak,
        Date.now() - startedAt,
        opts.backoff ?? DEFAULT_RESTART_BACKOFF,
      );
      streak = next.streak;
      restarts += 1;
      const why =
        typeof exit === 'string' ? exit : `exited (code ${exit.code}, signal ${exit.signal})`;
      opts.log(
        `${server.name} ${why}; restarting in ${next.delayMs / 1000} s (restart ${restarts})` +
          (server.logFile ? ` — see ${server.logFile}` : ''),
      );
      if (server.logFile) markRestart(server.logFile, `${why}; restart ${restarts} follows`);
      await pause(next.delayMs);
      if (halted()) return;
      try {
        current = await server.start();
        pid = current.pid;
      } catch (err) {
        current = undefined;
        opts.log(`${server.name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (halted()) {
        await current.stop();
        return;
      }
      void reportReady(current, restarts);
    }
  };
  const watching = watch().finally(() => opts.signal?.removeEventListener('abort', onAbort));

  return {
    get pid() {
      return pid;
    },
    stop: async () => {
      stopping = true;
      wake();
      await current?.stop();
      await watching;
    },
  };
}
