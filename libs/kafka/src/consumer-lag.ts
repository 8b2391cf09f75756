import { Inject, Injectable } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { HeraldMetrics } from '@herald/observability';

export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');

export interface TopicLag {
  topic: string;
  /** Messages on the topic's partitions after the group's committed offsets. */
  lag: number;
}

/**
 * How far a consumer group is behind, per topic: the sum over partitions of the end offset minus the
 * committed one (a partition the group never committed counts from its first retained message).
 */
export async function consumerLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<TopicLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  return Promise.all(
    topics.map(async (topic) => {
      const ends = await admin.fetchTopicOffsets(topic);
      const positions = new Map(
        (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((partition) => [
          partition.partition,
          BigInt(partition.offset),
        ]),
      );
      let lag = 0n;
      for (const end of ends) {
        const position = positions.get(end.partition) ?? -1n;
        const from = position < 0n ? BigInt(end.low) : position;
        const behind = BigInt(end.high) - from;
        if (behind > 0n) lag += behind;
      }
      return { topic, lag: Number(lag) };
    }),
  );
}

/** Reports `herald_consumer_lag{group,topic}` for the consumer groups this service runs. */
@Injectable()
export class ConsumerLagMetric {
  private readonly groups = new Map<string, readonly string[]>();

  constructor(@Inject(KAFKA_ADMIN) admin: Admin, metrics: HeraldMetrics) {
    metrics.gauge(
      {
        name: 'herald_consumer_lag',
        help: 'Messages not yet consumed by a consumer group, per topic (the retry topics show the retry ladder depth).',
        labelNames: ['group', 'topic'],
      },
      async () => {
        const reports = await Promise.all(
          [...this.groups].map(async ([group, topics]) =>
            (await consumerLag(admin, group, topics)).map(({ topic, lag }) => ({
              labels: { group, topic },
              value: lag,
            })),
          ),
        );
        return reports.flat();
      },
    );
  }

  watch(group: string, topics: readonly string[]): void {
    this.groups.set(group, topics);
  }
}
