import { appendFileSync } from 'node:fs';
import { DEFAULT_RESTART_BACKOFF, nextRestart, type RestartBackoff } from './restart-backoff';
import {
  startSupervised,
  type ServerExit,
  type SupervisedProcess,
  type SupervisedSpec,
} from './supervised-process';

export interface KeepRunningOptions {
  /** Polled after each restart until it answers true, to report the server healthy again. */
  isReady: () => Promise<boolean>;
  log: (line: string) => void;
  backoff?: RestartBackoff;
}

export interface KeptProcess {
  /** Stops the server and any restart to come; resolves once the server is gone. */
  stop(): Promise<void>;
}

const READY_POLL_MS = 500;

/** Where one run ends and the next begins, for whoever reads the (shared) log file. */
function markRestart(logFile: string, line: string): void {
  try {
    appendFileSync(logFile, `[herald] ${new Date().toISOString()} ${line}\n`);
  } catch {
    // the restart matters more than the marker
  }
}

/**
 * Starts `spec` under supervisor.cjs and restarts it whenever it exits until `stop()`, waiting
 * `nextRestart`'s backoff in between. It never gives up: for a local stack, one server failing
 * over and over (retried at least every 30 s, each attempt printed) is better than stopping the
 * others. Rejects only if the first start fails.
 */
export async function keepRunning(
  spec: SupervisedSpec,
  opts: KeepRunningOptions,
): Promise<KeptProcess> {
  let server: SupervisedProcess | undefined = await startSupervised(spec);
  let stopping = false;
  let wake = (): void => undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((done) => {
      const timer = setTimeout(done, ms);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });

  const reportReady = async (restarted: SupervisedProcess, restarts: number): Promise<void> => {
    while (!stopping && restarted.isRunning()) {
      if (await opts.isReady().catch(() => false)) {
        opts.log(`${spec.name} is healthy again (pid ${restarted.pid}, restart ${restarts})`);
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
      const exit: ServerExit | string = server ? await server.exited : 'could not be started';
      if (stopping) return;
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
        `${spec.name} ${why}; restarting in ${next.delayMs / 1000} s (restart ${restarts})` +
          (spec.logFile ? ` — see ${spec.logFile}` : ''),
      );
      if (spec.logFile) markRestart(spec.logFile, `${why}; restart ${restarts} follows`);
      await pause(next.delayMs);
      if (stopping) return;
      try {
        server = await startSupervised(spec);
      } catch (err) {
        server = undefined;
        opts.log(`${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (stopping) {
        await server.stop();
        return;
      }
      void reportReady(server, restarts);
    }
  };
  const watching = watch();

  return {
    stop: async () => {
      stopping = true;
      wake();
      await server?.stop();
      await watching;
    },
  };
}
