import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ConsumerGroups, Topics } from '@herald/contracts';

/** How long a group may keep members (a killed child's session running out) before it is left as is. */
const EMPTY_WITHIN_MS = 15_000;

/**
 * Moves the consumer groups that every in-process Herald shares to the end of every Herald topic, so
 * an e2e test file starts where the last one's messages end instead of handling them again.
 *
 * Why: the files of a run share one Kafka and one database. What an earlier file left unfinished —
 * a retry not yet due, a backlog for a receiver that is gone, messages past a watermark a slow one
 * held — was otherwise consumed again by each later file's Herald, sent to receivers that no longer
 * exist, and re-queued: a fuzzed subscription's SQS deliveries, a no-loss backlog, circuit deferrals.
 * Each restart redid what the last one had not committed, so the churn grew along the run (one
 * delivery was attempted 54 times across five files), and a later file's deliveries waited behind
 * it: its partitions' budgets were full of them. Each file now starts clean; within a file, its
 * Heralds share the groups as before.
 */
export async function skipLeftovers(brokers: string[]): Promise<void> {
  const kafka = new Kafka({
    brokers,
    clientId: 'herald-test-leftovers',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // The changelog is read whole, from its beginning, by each service's own follower group.
    const topics = (await admin.listTopics()).filter(
      (topic) => topic.startsWith('herald.') && topic !== Topics.subscriptionsChangelog.name,
    );
    const ends = (
      await Promise.all(
        topics.map(async (topic) =>
          (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
            topic,
            partition,
            offset: high,
          })),
        ),
      )
    ).flat();
    for (const groupId of Object.values(ConsumerGroups)) {
      if (await untilEmpty(admin, groupId)) await commitAsMember(kafka, groupId, topics, ends);
      else
        process.stderr.write(
          `[test-infra] consumer group ${groupId} still has members; its leftovers stay\n`,
        );
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Commits `offsets` for an empty group by joining it for a moment (kafkajs's `admin.setOffsets`
 * does the same one topic at a time, and waits out a 5 s fetch for each).
 */
async function commitAsMember(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  offsets: { topic: string; partition: number; offset: string }[],
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async () => {},
    });
    consumer.pause(topics.map((topic) => ({ topic })));
    await joined;
    await consumer.commitOffsets(offsets);
  } finally {
    await consumer.disconnect();
  }
}

async function untilEmpty(admin: Admin, groupId: string): Promise<boolean> {
  const deadline = Date.now() + EMPTY_WITHIN_MS;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    if ((groups[0]?.members.length ?? 0) === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
