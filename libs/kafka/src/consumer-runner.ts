import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';
import type { JsonLogger } from '@herald/config';
import type { HandlerOutcome } from './outcome';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface ConsumedMessage<T> extends RawMessage {
  message: T;
}

export interface ConsumerRunnerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: readonly TopicDefinition<T>[];
  logger: JsonLogger;
  handle(message: ConsumedMessage<T>): Promise<HandlerOutcome>;
  /** Makes a dead-lettered message durable elsewhere (an invalid-events topic, a DLQ). */
  deadLetter(
    message: RawMessage,
    outcome: Extract<HandlerOutcome, { kind: 'deadLetter' }>,
  ): Promise<void>;
  /** Makes a retry durable (a retry topic); without it a retry outcome is dead-lettered. */
  retry?(
    message: ConsumedMessage<T>,
    outcome: Extract<HandlerOutcome, { kind: 'retry' }>,
  ): Promise<void>;
  /**
   * When a message may be handled (epoch ms), or null for now. A partition whose next message is not
   * due yet is paused until it is, instead of sleeping in the handler.
   */
  dueAt?(message: RawMessage): number | null;
  /** How many keys of one batch are handled at once; one key is always handled in order. */
  laneConcurrency?: number;
  /** How many partitions' batches are handled at once. */
  partitionConcurrency?: number;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

function toRaw(topic: string, partition: number, message: KafkaMessage): RawMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value: message.value,
    headers: headersOf(message.headers),
    timestamp: message.timestamp,
  };
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Runs a consumer group whose handlers return outcomes. The runner owns offsets: it resolves and
 * commits only the contiguous prefix of a batch whose outcomes are durable, so nothing is lost
 * when a handler or the infrastructure fails half-way. Messages of one key are handled in order;
 * different keys run concurrently, so one slow key does not hold back the others of its batch.
 */
export class ConsumerRunner<T> {
  private readonly consumer: Consumer;
  private backoffMs = 0;

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      // A resumed partition is only fetched by the next fetch, so a long poll would delay retries.
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics.map((topic) => topic.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionConcurrency ?? 4,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const definition = this.options.topics.find((topic) => topic.name === batch.topic);
    if (!definition || batch.messages.length === 0) return;

    const { due, pauseUntil } = this.splitDue(batch.topic, batch.partition, batch.messages);
    const lanes = new Map<string, KafkaMessage[]>();
    for (const message of due) {
      const lane = message.key ? message.key.toString() : `offset:${message.offset}`;
      const queue = lanes.get(lane);
      if (queue) queue.push(message);
      else lanes.set(lane, [message]);
    }

    const done = new Set<string>();
    let failure: unknown = null;
    const queue = [...lanes.values()];
    const workers = Array.from(
      { length: Math.min(this.options.laneConcurrency ?? 16, queue.length) },
      async () => {
        for (let lane = queue.shift(); lane; lane = queue.shift()) {
          for (const message of lane) {
            if (failure !== null || !payload.isRunning() || payload.isStale()) return;
            try {
              await this.handleMessage(definition, toRaw(batch.topic, batch.partition, message));
              done.add(message.offset);
              await payload.heartbeat();
            } catch (error) {
              failure = error;
              return;
            }
          }
        }
      },
    );
    await Promise.all(workers);

    let committed: string | null = null;
    for (const message of due) {
      if (!done.has(message.offset)) break;
      payload.resolveOffset(message.offset);
      committed = message.offset;
    }
    if (committed !== null) {
      await this.consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(committed) + 1n).toString(),
        },
      ]);
    }

    if (failure !== null) {
      // Infrastructure trouble (database, producer): hand the rest back and try again after a pause,
      // without sleeping in the handler, so the group keeps heartbeating.
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, this.backoffMs * 2));
      this.options.logger.event('error', 'handler failed; partition paused', {
        topic: batch.topic,
        partition: batch.partition,
        backoff_ms: this.backoffMs,
        error: describe(failure),
      });
      const resume = payload.pause();
      setTimeout(resume, this.backoffMs).unref();
    } else {
      this.backoffMs = 0;
      if (pauseUntil !== null) {
        const resume = payload.pause();
        setTimeout(resume, Math.max(0, pauseUntil - Date.now())).unref();
      }
    }
  }

  /** The leading messages that are due, and when the first one that is not becomes due. */
  private splitDue(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): { due: KafkaMessage[]; pauseUntil: number | null } {
    if (!this.options.dueAt) return { due: messages, pauseUntil: null };
    const now = Date.now();
    for (let index = 0; index < messages.length; index++) {
      const dueAt = this.options.dueAt(toRaw(topic, partition, messages[index]));
      if (dueAt !== null && dueAt > now)
        return { due: messages.slice(0, index), pauseUntil: dueAt };
    }
    return { due: messages, pauseUntil: null };
  }

  private async handleMessage(definition: TopicDefinition<T>, raw: RawMessage): Promise<void> {
    const decoded = definition.decode(raw.value);
    if (!decoded.ok) {
      await this.options.deadLetter(raw, {
        kind: 'deadLetter',
        code: 'undecodable',
        reason: decoded.reason,
      });
      return;
    }
    const consumed: ConsumedMessage<T> = { ...raw, message: decoded.value };
    const outcome = await this.options.handle(consumed);
    switch (outcome.kind) {
      case 'ack':
        return;
      case 'deadLetter':
        await this.options.deadLetter(raw, outcome);
        return;
      case 'retry':
        if (this.options.retry) await this.options.retry(consumed, outcome);
        else
          await this.options.deadLetter(raw, {
            kind: 'deadLetter',
            code: 'retry_unsupported',
            reason: outcome.reason,
          });
        return;
    }
  }
}

/** Errors may come from another realm (jest), where `instanceof Error` fails. */
function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
