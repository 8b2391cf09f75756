import type { Admin, Kafka } from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
}

/** Creates the topics that are missing, with its own admin connection for the while. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicDefinition<unknown>[],
  layout: TopicLayout,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createMissingTopics(admin, topics, layout);
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics that are missing through a connected admin; existing ones are left as they are. */
export async function createMissingTopics(
  admin: Admin,
  topics: readonly TopicDefinition<unknown>[],
  layout: TopicLayout,
): Promise<void> {
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
  }
}
