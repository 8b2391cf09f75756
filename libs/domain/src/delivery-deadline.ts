/**
 * A delivery's deadline (epoch ms): the one it carries, or `now + budgetMs` for a delivery that
 * carries none yet (first seen by the deliverer) or one that does not read as a time.
 */
export function deliveryDeadline(
  carried: string | undefined,
  now: number,
  budgetMs: number,
): number {
  const deadline = carried === undefined ? NaN : Date.parse(carried);
  return Number.isFinite(deadline) ? deadline : now + budgetMs;
}

export type CircuitWait = { kind: 'defer'; afterMs: number } | { kind: 'dead'; reason: string };

export interface CircuitWaitInput {
  /** When the open circuit lets a call through again (epoch ms). */
  retryAt: number;
  deadline: number;
  now: number;
  /** Calls made for this delivery so far. */
  attemptsMade: number;
}

/**
 * What an open circuit does with a delivery that came up: it waits for the circuit to let a call
 * through, but never past its deadline; once that has passed, the delivery is dead. Deferrals use no
 * attempts, so without the deadline an endpoint that keeps failing would hold its deliveries for
 * ever, the trial calls spending one attempt of one delivery per open period.
 */
export function waitForCircuit({
  retryAt,
  deadline,
  now,
  attemptsMade,
}: CircuitWaitInput): CircuitWait {
  if (now >= deadline) {
    const made = `${attemptsMade} ${attemptsMade === 1 ? 'attempt' : 'attempts'} made`;
    return {
      kind: 'dead',
      reason: `retry schedule spent while the endpoint's circuit was open (${made})`,
    };
  }
  return { kind: 'defer', afterMs: Math.max(0, Math.min(retryAt, deadline) - now) };
}
