import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';
import { injectTraceContext, producerSpan } from '@herald/observability';

export type MessageHeaders = Record<string, string>;

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
    this.connected ??= this.producer.connect();
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

  async sendRaw(
    topic: string,
    messages: readonly {
      key: string | Buffer | null;
      value: Buffer | null;
      headers?: MessageHeaders;
    }[],
  ): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.sendInSpan(topic, messages);
  }

  /** One PRODUCER span per batch; every message carries it as its trace parent. */
  private sendInSpan(
    topic: string,
    messages: readonly {
      key: string | Buffer | null;
      value: Buffer | null;
      headers?: MessageHeaders;
    }[],
  ): Promise<unknown> {
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
