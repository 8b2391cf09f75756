export interface RestartBackoff {
  firstDelayMs: number;
  maxDelayMs: number;
  /** A server that ran at least this long before exiting starts a new streak at `firstDelayMs`. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = {
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

export interface NextRestart {
  /** Exits in a row without a stable run between them, this one included. */
  streak: number;
  delayMs: number;
}

/** When to restart a server that exited after running `upMs`, `streak` quick exits after the last stable run. */
export function nextRestart(
  streak: number,
  upMs: number,
  backoff: RestartBackoff = DEFAULT_RESTART_BACKOFF,
): NextRestart {
  const next = upMs >= backoff.stableAfterMs ? 1 : streak + 1;
  return {
    streak: next,
    delayMs: Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** (next - 1)),
  };
}
