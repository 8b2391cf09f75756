import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';
import { injectTraceContext, producerSpan } from '@herald/observability';

export type MessageHeaders = Record<string, string>;

/**
 * The most one send puts in a partition's record batch. Kafka refuses a batch over its message limit
 * (1 MiB by default) as a whole, so a fan-out of large messages is sent in several requests, in order.
 */
const MAX_BATCH_BYTES = 900 * 1024;

type RawOutgoing = { key: string | Buffer | null; value: Buffer | null; headers?: MessageHeaders };

/** Splits messages, in order, into runs whose bytes stay under MAX_BATCH_BYTES (a larger one alone). */
export function splitForBatches<M extends RawOutgoing>(messages: readonly M[]): M[][] {
  const runs: M[][] = [];
  let run: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64;
    if (run.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(message);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

export interface OutgoingMessage<T> {
  value: T;
  headers?: MessageHeaders;
  /** Overrides the topic's key function, e.g. to keep the key a message arrived with. */
  key?: string | null;
}

/**
 * Sends typed messages: acks from all in-sync replicas and the idempotent producer, so a message
 * that `send` resolved for is durable and not duplicated by the producer's own retries.
 */
export class TypedProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    // A failed connect is forgotten, so the next send tries again once Kafka is back.
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    return this.connected;
  }

  async send<T>(topic: TopicDefinition<T>, messages: readonly OutgoingMessage<T>[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const keyed = messages.map((message) => ({
      key: message.key === undefined ? topic.key(message.value) : message.key,
      value: topic.encode(message.value),
      headers: message.headers,
    }));
    await this.sendInSpan(topic.name, keyed);
  }

  async sendRaw(topic: string, messages: readonly RawOutgoing[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.sendInSpan(topic, messages);
  }

  private async sendInSpan(topic: string, messages: readonly RawOutgoing[]): Promise<void> {
    for (const run of splitForBatches(messages)) await this.sendRun(topic, run);
  }

  /** One PRODUCER span per request; every message carries it as its trace parent. */
  private sendRun(topic: string, messages: readonly RawOutgoing[]): Promise<unknown> {
    return producerSpan(topic, messages, () =>
      this.producer.send({
        topic,
        acks: -1,
        messages: messages.map((message) => ({
          ...message,
          headers: injectTraceContext(message.headers),
        })),
      }),
    );
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}
