import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';

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
