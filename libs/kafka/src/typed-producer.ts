import type { Kafka, Producer } from 'kafkajs';
import { HeraldPartitioner } from './partitioner';
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

/** One caller's messages for one topic, waiting for the flush that carries them. */
interface Pending {
  topic: string;
  messages: RawOutgoing[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

const sizeOf = (messages: readonly RawOutgoing[]): number =>
  messages.reduce(
    (sum, message) => sum + (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64,
    0,
  );

/**
 * Sends typed messages: acks from all in-sync replicas and the idempotent producer, so a message
 * that `send` resolved for is durable and not duplicated by the producer's own retries.
 *
 * Sends coalesce: what callers send in the same turn of the event loop, or while a request is in
 * flight, goes out together in the next one (every topic in one produce request, up to
 * MAX_BATCH_BYTES), so a busy service makes a few
 * requests a second per broker instead of one per message. Never two requests at once — kafkajs
 * serialises idempotent requests anyway, and concurrent idempotent sends are how clients lose or
 * reorder messages. Messages go out in the order `send` was called; each caller resolves when the
 * request carrying its messages is acknowledged, or rejects with its error.
 */
export class TypedProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: HeraldPartitioner,
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
    const keyed = messages.map((message) => ({
      key: message.key === undefined ? topic.key(message.value) : message.key,
      value: topic.encode(message.value),
      headers: message.headers,
    }));
    await this.sendInSpan(topic.name, keyed);
  }

  async sendRaw(topic: string, messages: readonly RawOutgoing[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sendInSpan(topic, messages);
  }

  /** One PRODUCER span per call, until its messages are acknowledged; each message names it as parent. */
  private sendInSpan(topic: string, messages: readonly RawOutgoing[]): Promise<void> {
    return producerSpan(topic, messages, () => {
      const traced = messages.map((message) => ({
        ...message,
        headers: injectTraceContext(message.headers),
      }));
      // A send larger than one batch goes as several requests, in order, queued at once so that
      // what is sent after it cannot overtake its later part.
      return Promise.all(splitForBatches(traced).map((run) => this.enqueue(topic, run))).then(
        () => undefined,
      );
    });
  }

  private enqueue(topic: string, messages: RawOutgoing[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, bytes: sizeOf(messages), resolve, reject });
      if (this.flushing) return;
      // Starts at the end of the turn, so that what a batch sends message by message (each in its
      // own trace context) goes in its first request, not the first message alone and the rest after.
      this.flushing = true;
      setImmediate(() => void this.flush());
    });
  }

  /** Sends what is queued, one request at a time, until nothing is. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const taken = this.takeRequest();
        try {
          await this.connect();
          await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(taken) });
          taken.forEach((pending) => pending.resolve());
        } catch (error) {
          taken.forEach((pending) => pending.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The queued sends that fit one request: at least one, then while they stay under the batch limit. */
  private takeRequest(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = this.queue[count];
      if (count > 0 && bytes + next.bytes > MAX_BATCH_BYTES) break;
      bytes += next.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

/** One entry per topic, in the order of first appearance, each topic's messages in send order. */
function byTopic(pending: readonly Pending[]): { topic: string; messages: RawOutgoing[] }[] {
  const topics = new Map<string, RawOutgoing[]>();
  for (const { topic, messages } of pending) {
    const list = topics.get(topic);
    if (list) list.push(...messages);
    else topics.set(topic, [...messages]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
