/** What a message handler decided; the consumer runner acts on it and commits. */
export type HandlerOutcome =
  | { kind: 'ack' }
  | { kind: 'retry'; afterMs: number; reason: string }
  | { kind: 'deadLetter'; code: string; reason: string; field?: string };

export const ack = (): HandlerOutcome => ({ kind: 'ack' });
export const retry = (afterMs: number, reason: string): HandlerOutcome => ({
  kind: 'retry',
  afterMs,
  reason,
});
export const deadLetter = (code: string, reason: string, field?: string): HandlerOutcome => ({
  kind: 'deadLetter',
  code,
  reason,
  ...(field ? { field } : {}),
});
