import { Injectable } from '@nestjs/common';
import { HeraldMetrics } from '@herald/observability';
import { DeliveriesRepository } from '@herald/persistence';

/** `herald_dead_letters_pending`: the DLQ's depth as people see it — dead and not yet redriven. */
@Injectable()
export class DeadLetterDepth {
  constructor(metrics: HeraldMetrics, deliveries: DeliveriesRepository) {
    metrics.gauge(
      {
        name: 'herald_dead_letters_pending',
        help: 'Dead deliveries not yet redriven, all tenants together.',
      },
      async () => [{ labels: {}, value: await deliveries.countPendingDeadLetters() }],
      15_000,
    );
  }
}
