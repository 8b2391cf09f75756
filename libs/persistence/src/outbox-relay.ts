import type { OutboxMessage, OutboxRepository } from './repositories/outbox.repository';
import type { JsonLogger } from '@herald/observability';

/** Sends one topic's relayed messages to Kafka (a service's producer). */
export type OutboxPublish = (
  topic: string,
  messages: { key: string | null; value: Buffer }[],
) => Promise<void>;

const POLL_MS = 500;
const BATCH = 200;

/**
 * Publishes what the outbox holds: right after a change (`nudge`) and on a short timer, so a change
 * committed while Kafka was away is published once it is back. Never loses a change and may, after a
 * crash between publish and delete, publish one twice (consumers are idempotent).
 *
 * Every service that writes to the outbox runs one — the subscription API for its changes, the
 * deliverer for the subscriptions it disables — so no change waits for another service to be up.
 * Relays of several services and replicas take turns under one advisory lock
 * (`OutboxRepository.relay`), which keeps the messages of one key in the order they were queued.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Flushes run one after another, each holding at most one connection while it waits. */
  private flushes: Promise<void> = Promise.resolve();
  /** A flush queued but not started yet: callers that come meanwhile share it. */
  private queuedFlush: Promise<void> | null = null;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publishTo: OutboxPublish,
    private readonly logger: JsonLogger,
    private readonly pollMs = POLL_MS,
  ) {}

  /** Relays now and then on the timer, until `stop`. */
  start(): void {
    this.timer ??= setInterval(() => this.nudge(), this.pollMs);
    this.timer.unref();
    this.nudge();
  }

  /** Stops the timer and waits for the relay in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Relays now, or right after the relay in progress. */
  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /**
   * Relays now and waits, at most `withinMs`, until what is queued is on Kafka — so event-ingest
   * hears of a subscription change before the API answers, and events published after that answer
   * are matched with it. With Kafka away the answer comes after `withinMs` and the relay keeps trying.
   */
  async publishSoon(withinMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, withinMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Resolves once everything queued so far has been published — by this relay, or by another
   * service's or replica's that held the lock meanwhile (it waits for that one to end).
   */
  flush(): Promise<void> {
    if (this.queuedFlush) return this.queuedFlush;
    const flush = this.flushes.then(async () => {
      this.queuedFlush = null;
      while (this.running) await this.running;
      await this.drain(true);
    });
    this.queuedFlush = flush;
    this.flushes = flush;
    return flush;
  }

  private async drain(wait = false): Promise<void> {
    try {
      while (
        (await this.outbox.relay(BATCH, (messages) => this.publish(messages), wait)) === BATCH
      ) {
        // a full batch: there may be more
      }
    } catch (error) {
      this.logger.event('warn', 'outbox relay failed; will retry', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async publish(messages: OutboxMessage[]): Promise<void> {
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const message of messages)
      byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
    for (const [topic, batch] of byTopic) {
      await this.publishTo(
        topic,
        batch.map((message) => ({
          key: message.key,
          value: Buffer.from(JSON.stringify(message.value)),
        })),
      );
    }
  }
}
