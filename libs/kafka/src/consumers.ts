import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, type ConfigOf } from '@herald/config';
import { HandlingSummary, HeraldMetrics, messageObserver, Readiness } from '@herald/observability';
import { ConsumerLagMetric } from './consumer-lag';
import { ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner';
import { KAFKA_CLIENT } from './kafka-client';
import { isPermanentFailure } from './permanent-failure';

/**
 * What a stage that handles whole batches (event-ingest) holds and takes at once.
 * Fetched batches queue while one is handled (the next handling takes them all together), so a
 * fetch is not held up by the last batch's round trips; memory stays bounded however many
 * partitions it holds (a burst spread over all of them); and 250 at a time lets a burst's first
 * events go on to the next stage while the rest are handled. A batch's memory grows with its fan-out
 * (ten subscriptions: 2,500 deliveries to store and produce): at 500, event-ingest peaked at 229–255
 * MB RSS in a 100,000-delivery fan-out, at 250 at 212–233, with the same rates there and in the
 * single-subscription burst (measured 2026-12-04; 2,000 in flight instead of 4,000 saved no more).
 */
export const BATCH_STAGE_LIMITS = {
  maxInFlightPerPartition: 10_000,
  maxInFlightTotal: { messages: 4_000, bytes: 16 * 1024 * 1024 },
  maxBatchMessages: 250,
} as const satisfies Partial<ConsumerRunnerOptions<unknown>>;

/**
 * Creates a service's consumer groups, observed: each message in a span and counted by outcome, the
 * group's lag reported, the service ready only while the group is joined, and not live once the
 * consumer failed for good. And guarded: a message that fails for a reason of its own is
 * dead-lettered — at once when the error says so, else after a few failures while PostgreSQL and
 * Kafka answer — instead of holding its partition.
 */
@Injectable()
export class Consumers {
  private readonly runners: { groupId: string; runner: ConsumerRunner<unknown> }[] = [];

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(HERALD_CONFIG) private readonly config: ConfigOf<'kafka'>,
    private readonly metrics: HeraldMetrics,
    private readonly readiness: Readiness,
    private readonly lag: ConsumerLagMetric,
  ) {
    metrics.gauge(
      {
        name: 'herald_consumer_oldest_due_seconds',
        help: 'How long the longest-waiting due message of a topic has waited in this process (a retry counts from its time, others from their fetch); near zero unless a partition stalls or a backlog waits.',
        labelNames: ['group', 'topic'],
      },
      () =>
        Promise.resolve(
          this.runners.flatMap(({ groupId, runner }) =>
            [...runner.oldestDueAges()].map(([topic, seconds]) => ({
              labels: { group: groupId, topic },
              value: seconds,
            })),
          ),
        ),
      0,
    );
  }

  create<T>(
    options: Omit<ConsumerRunnerOptions<T>, 'kafka' | 'observe' | 'dependenciesUp'>,
  ): ConsumerRunner<T> {
    const runner = new ConsumerRunner<T>({
      isPermanent: isPermanentFailure,
      fetchLingerMs: this.config.kafka.fetchLingerMs,
      ...options,
      kafka: this.kafka,
      observe: messageObserver(
        this.metrics,
        options.groupId,
        new HandlingSummary((window) =>
          options.logger.event('info', 'messages handled', { group: options.groupId, ...window }),
        ),
      ),
      dependenciesUp: () => this.readiness.dependenciesUp(),
    });
    this.runners.push({ groupId: options.groupId, runner });
    this.lag.watch(
      options.groupId,
      options.topics.map((topic) => topic.name),
    );
    this.readiness.register(
      `consumer ${options.groupId}`,
      () =>
        runner.isJoined
          ? Promise.resolve()
          : Promise.reject(new Error('not (yet) a member of its consumer group')),
      { dependency: false },
    );
    this.readiness.registerLiveness(`consumer ${options.groupId}`, () => runner.failed);
    return runner;
  }
}
