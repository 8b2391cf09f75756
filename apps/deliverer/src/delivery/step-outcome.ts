import type { DeliveryStatus, NextStep } from '@herald/domain';
import { ack, deadLetter, retry, type HandlerOutcome } from '@herald/kafka';

/** What an attempt's next step means to each that records it. */
export interface StepOutcome {
  /** The delivery's status in its history. */
  status: Extract<DeliveryStatus, 'succeeded' | 'retrying' | 'dead'>;
  /** The `outcome` label of `herald_deliveries_total`. */
  metric: 'delivered' | 'retry_scheduled' | 'dead_lettered';
  /** What the consumer runner makes durable. */
  handler: HandlerOutcome;
}

export function outcomeOf(step: NextStep): StepOutcome {
  switch (step.kind) {
    case 'done':
      return { status: 'succeeded', metric: 'delivered', handler: ack() };
    case 'retry':
      return {
        status: 'retrying',
        metric: 'retry_scheduled',
        handler: retry(step.delayMs, `attempt ${step.attempt} failed`),
      };
    case 'dead':
      return {
        status: 'dead',
        metric: 'dead_lettered',
        handler: deadLetter('exhausted', step.reason),
      };
  }
}
