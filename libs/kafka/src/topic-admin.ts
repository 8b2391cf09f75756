import type { Kafka } from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
}

/** Creates the topics that are missing; existing topics are left as they are. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicDefinition<unknown>[],
  layout: TopicLayout,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: layout.partitions,
        replicationFactor: layout.replicationFactor,
        configEntries: topic.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  } catch (error) {
    // Another service may create the same topic at the same moment.
    if (!(error instanceof Error && /already exists/i.test(JSON.stringify(error)))) throw error;
  } finally {
    await admin.disconnect();
  }
}
