import type { SendResult } from './attempt-outcome';

/** The most jitter added to a scheduled retry delay, as a fraction of it. */
export const RETRY_JITTER = 0.1;

export type NextStep =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; attempt: number }
  | { kind: 'dead'; reason: string };

/**
 * After attempt number `attemptsMade` (1-based) failed, the next step on the schedule: the delay for
 * the next try (never shorter than the receiver's Retry-After), or dead when the schedule is spent
 * or the failure is permanent. Up to 10 % jitter is added (never taken away), so receivers that
 * failed together are not all retried at the same instant.
 */
export function nextStep(
  result: SendResult,
  attemptsMade: number,
  schedule: readonly number[],
  random: () => number = Math.random,
): NextStep {
  if (result.ok) return { kind: 'done' };
  if (result.failure === 'permanent') return { kind: 'dead', reason: result.message };
  if (attemptsMade > schedule.length)
    return { kind: 'dead', reason: `gave up after ${attemptsMade} attempts` };
  const scheduled = schedule[attemptsMade - 1];
  const jittered = scheduled + Math.floor(scheduled * RETRY_JITTER * random());
  return {
    kind: 'retry',
    delayMs: Math.max(jittered, result.retryAfterMs ?? 0),
    attempt: attemptsMade,
  };
}

/**
 * The longest a delivery's retry schedule can take when every attempt is made: each delay with its
 * most jitter, and every attempt (the first, and one after each delay) running to its timeout.
 */
export function retryBudgetMs(schedule: readonly number[], attemptTimeoutMs: number): number {
  // As `nextStep` adds it: at most the whole milliseconds of RETRY_JITTER times the delay.
  const delays = schedule.reduce((sum, delay) => sum + delay + Math.floor(delay * RETRY_JITTER), 0);
  return delays + (schedule.length + 1) * attemptTimeoutMs;
}
