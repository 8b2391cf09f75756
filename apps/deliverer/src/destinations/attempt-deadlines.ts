import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type DeliveryConfig } from '@herald/config';

/** Attempts that start within this long of each other share one deadline signal. */
export const DEADLINE_STEP_MS = 50;

/**
 * The abort signal that ends an attempt after HERALD_DELIVERY_TIMEOUT_MS. `AbortSignal.timeout` per
 * request armed a timer that outlived its request by the whole timeout (15 s of timers and signals
 * at thousands a second, promoted to the old generation and collected there) and cost about 23 µs a
 * request in a keep-alive POST loop; here attempts that start in the same DEADLINE_STEP_MS share one
 * controller and one timer, so an attempt gets between the timeout and the timeout plus the step,
 * never less. The signal aborts with the same `TimeoutError` as `AbortSignal.timeout`.
 */
@Injectable()
export class AttemptDeadlines {
  private readonly timeoutMs: number;
  private current: AbortController | null = null;
  private currentSince = 0;

  constructor(@Inject(HERALD_CONFIG) config: { delivery: Pick<DeliveryConfig, 'timeoutMs'> }) {
    this.timeoutMs = config.delivery.timeoutMs;
  }

  /** The signal for an attempt starting at `now`. */
  signal(now = Date.now()): AbortSignal {
    if (this.current !== null && now - this.currentSince < DEADLINE_STEP_MS) {
      return this.current.signal;
    }
    const controller = new AbortController();
    this.current = controller;
    this.currentSince = now;
    // By then the step is long over: no later attempt is handed this signal.
    setTimeout(
      () =>
        controller.abort(
          new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
        ),
      this.timeoutMs + DEADLINE_STEP_MS,
    ).unref();
    return controller.signal;
  }
}
