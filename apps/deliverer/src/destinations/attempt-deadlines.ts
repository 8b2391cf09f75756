import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, type DeliveryConfig } from '@herald/config';

/** Attempts that start within this long of each other share one deadline. */
export const DEADLINE_STEP_MS = 50;

/** Ends an attempt: what a watched call is handed when its time is up. */
export type Abort = (reason: Error) => void;

/** One step's attempts: their shared signal and the calls watched without a signal. */
interface Step {
  since: number;
  controller: AbortController | null;
  watched: Set<Abort>;
}

/**
 * When an attempt's HERALD_DELIVERY_TIMEOUT_MS is up. `AbortSignal.timeout` per request armed a timer
 * that outlived its request by the whole timeout (15 s of timers and signals at thousands a second,
 * promoted to the old generation and collected there) and cost about 23 µs a request in a keep-alive
 * POST loop; here attempts that start in the same DEADLINE_STEP_MS share one timer, so an attempt
 * gets between the timeout and the timeout plus the step, never less. Both forms end an attempt with
 * the same `TimeoutError` as `AbortSignal.timeout`: `signal()` for calls that take an AbortSignal,
 * and `watch()` for the webhook's own call, which is then a Set entry added and removed instead of a
 * listener on an EventTarget (whose removal walks every listener of a signal shared by hundreds).
 */
@Injectable()
export class AttemptDeadlines {
  private readonly timeoutMs: number;
  private current: Step | null = null;

  constructor(@Inject(HERALD_CONFIG) config: { delivery: Pick<DeliveryConfig, 'timeoutMs'> }) {
    this.timeoutMs = config.delivery.timeoutMs;
  }

  /** The signal for an attempt starting at `now`. */
  signal(now = Date.now()): AbortSignal {
    const step = this.stepAt(now);
    step.controller ??= new AbortController();
    return step.controller.signal;
  }

  /**
   * Calls `abort` once the time of an attempt starting at `now` is up, unless the returned function
   * is called first (when the call ended).
   */
  watch(abort: Abort, now = Date.now()): () => void {
    const { watched } = this.stepAt(now);
    watched.add(abort);
    return () => watched.delete(abort);
  }

  private stepAt(now: number): Step {
    if (this.current !== null && now - this.current.since < DEADLINE_STEP_MS) return this.current;
    const step: Step = { since: now, controller: null, watched: new Set() };
    this.current = step;
    // By then the step is long over: no later attempt is handed this step.
    setTimeout(() => {
      const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      step.controller?.abort(reason);
      for (const abort of step.watched) abort(reason);
      step.watched.clear();
    }, this.timeoutMs + DEADLINE_STEP_MS).unref();
    return step;
  }
}
