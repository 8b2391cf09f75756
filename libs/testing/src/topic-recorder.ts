import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
// For its fix of kafkajs's idle 1 ms timer loop (libs/kafka/src/request-queue-fix.ts).
import '@herald/kafka';

export interface RecordedMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Reads a topic from its beginning in a consumer group of its own and keeps what `keep` returns for
 * each message, so a test can wait for what Herald published.
 */
export class TopicRecorder<T> {
  readonly messages: T[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start<T>(
    brokers: string[],
    topic: string,
    keep: (message: RecordedMessage) => T | undefined,
  ): Promise<TopicRecorder<T>> {
    const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({
      groupId: `test-recorder-${randomUUID()}`,
    });
    const recorder = new TopicRecorder<T>(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        // Other tests' messages share the topic; one `keep` cannot read must not stall the reader.
        try {
          const kept = keep({
            key: message.key?.toString() ?? null,
            value: message.value,
            headers,
          });
          if (kept !== undefined) recorder.messages.push(kept);
        } catch {
          // not one of ours
        }
        return Promise.resolve();
      },
    });
    return recorder;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
