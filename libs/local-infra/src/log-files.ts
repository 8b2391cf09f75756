import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import type { SupervisedProcess } from './supervised-process';

/** The last lines of a server log, for error messages. */
export async function tailOf(path: string, lines = 40): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return tail.length > 0 ? tail : '(log is empty)';
}

/** Keeps exactly one previous run's log next to the current one, so logs never grow unbounded. */
export async function rotateLog(path: string): Promise<void> {
  if (existsSync(path)) await rename(path, `${path}.1`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

/**
 * Waits until `notReadyBecause` answers undefined, polling every 100 ms. A server that exits
 * meanwhile, or stays not ready past `timeoutMs`, fails with the reason and the end of its log.
 */
export async function waitUntilReady(options: {
  /** As in messages: `Kafka`, `PostgreSQL`. */
  name: string;
  server: Pick<SupervisedProcess, 'exited' | 'isRunning'>;
  logFile: string;
  timeoutMs: number;
  /** How "not ready" reads, e.g. `did not become ready on 127.0.0.1:9092`. */
  notReadyAfter: string;
  notReadyBecause(): Promise<string | undefined>;
}): Promise<void> {
  const { name, server, logFile, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    if (!server.isRunning()) {
      const exit = await server.exited;
      throw new Error(
        `${name} exited during startup (code ${exit.code}, signal ${exit.signal}); ${logFile} ends with:\n` +
          (await tailOf(logFile)),
      );
    }
    const reason = await options.notReadyBecause();
    if (reason === undefined) return;
    lastError = reason;
    await delay(100);
  }
  throw new Error(
    `${name} ${options.notReadyAfter} within ${timeoutMs / 1000} s (last error: ${lastError}); ` +
      `${logFile} ends with:\n${await tailOf(logFile)}`,
  );
}
