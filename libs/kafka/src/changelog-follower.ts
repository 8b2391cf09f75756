import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { Topics, type SubscriptionChangeMessage } from '@herald/contracts';
import type { JsonLogger } from '@herald/observability';

/**
 * Follows `herald.subscriptions.changelog` in a consumer group of this process's own that never
 * commits — every instance must see every change — from the beginning (to rebuild state) or from
 * now (to drop what it keeps). Resolves once it runs; `stop` disconnects.
 */
export async function followChangelog(
  kafka: Kafka,
  options: {
    group: string;
    fromBeginning: boolean;
    logger: JsonLogger;
    onChange(change: SubscriptionChangeMessage): void;
  },
): Promise<{ stop(): Promise<void> }> {
  const consumer: Consumer = kafka.consumer({
    groupId: `${options.group}.${randomUUID()}`,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({
    topic: Topics.subscriptionsChangelog.name,
    fromBeginning: options.fromBeginning,
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: ({ message }) => {
      const decoded = Topics.subscriptionsChangelog.decode(message.value);
      if (decoded.ok) options.onChange(decoded.value);
      else
        options.logger.event('warn', 'unreadable changelog message', {
          reason: decoded.reason,
          offset: message.offset,
        });
      return Promise.resolve();
    },
  });
  return { stop: () => consumer.disconnect() };
}
