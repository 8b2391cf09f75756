/** What a circuit breaker says about the next delivery to an endpoint. */
export type CircuitDecision =
  | { kind: 'attempt' }
  /** The endpoint is failing: do not call it, try again at `retryAt` (epoch ms). */
  | { kind: 'skip'; retryAt: number };

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit stays open before one trial call is let through. */
  openMs: number;
  /** Endpoints remembered at most (least recently used are forgotten). */
  maxEndpoints?: number;
}

interface Circuit {
  failures: number;
  openUntil: number | null;
  trialUntil: number | null;
}

/**
 * Per-endpoint circuit breakers: after `failureThreshold` consecutive failures an endpoint's new
 * deliveries skip the call (they go to the retry path) for `openMs`; then one trial call is let
 * through — success closes the circuit, failure opens it again. Pure: time is passed in.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  decide(endpoint: string, now: number): CircuitDecision {
    const circuit = this.circuits.get(endpoint);
    if (!circuit || circuit.openUntil === null) return { kind: 'attempt' };
    if (now < circuit.openUntil) return { kind: 'skip', retryAt: circuit.openUntil };
    // Half-open: one trial at a time; others wait for its answer (or for the trial to time out).
    if (circuit.trialUntil !== null && now < circuit.trialUntil)
      return { kind: 'skip', retryAt: circuit.trialUntil };
    circuit.trialUntil = now + this.options.openMs;
    return { kind: 'attempt' };
  }

  succeeded(endpoint: string): void {
    this.circuits.delete(endpoint);
  }

  failed(endpoint: string, now: number): void {
    const circuit = this.circuits.get(endpoint) ?? {
      failures: 0,
      openUntil: null,
      trialUntil: null,
    };
    this.circuits.delete(endpoint);
    this.circuits.set(endpoint, circuit);
    circuit.failures++;
    circuit.trialUntil = null;
    if (circuit.failures >= this.options.failureThreshold)
      circuit.openUntil = now + this.options.openMs;
    const limit = this.options.maxEndpoints ?? 100_000;
    if (this.circuits.size > limit) {
      const oldest = this.circuits.keys().next().value;
      if (oldest !== undefined) this.circuits.delete(oldest);
    }
  }

  /** Endpoints whose circuit opened and has not closed again (open, or waiting for its trial). */
  openCount(): number {
    let open = 0;
    for (const circuit of this.circuits.values()) if (circuit.openUntil !== null) open++;
    return open;
  }

  /** Whether the endpoint's last call failed (whether or not its circuit opened yet). */
  isFailing(endpoint: string): boolean {
    return (this.circuits.get(endpoint)?.failures ?? 0) > 0;
  }

  isOpen(endpoint: string, now: number): boolean {
    const openUntil = this.circuits.get(endpoint)?.openUntil ?? null;
    return openUntil !== null && now < openUntil;
  }
}
