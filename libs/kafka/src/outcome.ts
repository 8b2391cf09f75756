import type { DeadLetterCode } from '@herald/contracts';

/** What a message handler decided; the consumer runner acts on it and commits. */
export type HandlerOutcome =
  | { kind: 'ack' }
  /** Failed; try again after `afterMs` (counts as an attempt). */
  | { kind: 'retry'; afterMs: number; reason: string }
  /** Not attempted now (rate limit, open circuit, a backed-up lane); try again after `afterMs`. */
  | { kind: 'defer'; afterMs: number; reason: string }
  | { kind: 'deadLetter'; code: DeadLetterCode; reason: string; field?: string };

export type LaterOutcome = Extract<HandlerOutcome, { kind: 'retry' | 'defer' }>;

export const ack = (): HandlerOutcome => ({ kind: 'ack' });
export const retry = (afterMs: number, reason: string): HandlerOutcome => ({
  kind: 'retry',
  afterMs,
  reason,
});
export const defer = (afterMs: number, reason: string): HandlerOutcome => ({
  kind: 'defer',
  afterMs,
  reason,
});
export const deadLetter = (
  code: DeadLetterCode,
  reason: string,
  field?: string,
): HandlerOutcome => ({
  kind: 'deadLetter',
  code,
  reason,
  ...(field ? { field } : {}),
});
