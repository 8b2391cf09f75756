import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { TypedProducer } from '@herald/kafka';
import { OutboxRepository, type OutboxMessage } from '@herald/persistence';

const POLL_MS = 500;
const BATCH = 200;

/**
 * Publishes what the outbox holds: right after a change (`nudge`) and on a short timer, so a
 * change committed while Kafka was away is published once it is back. Never loses a change and
 * may, after a crash between publish and delete, publish one twice (consumers are idempotent).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly outbox: OutboxRepository,
    private readonly producer: TypedProducer,
  ) {
    this.logger = new JsonLogger('subscription-api', config.logLevel);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), POLL_MS);
    this.timer.unref();
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
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
   * Relays now and waits, at most `withinMs`, until what is queued is on Kafka — so the matcher
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

  /** Resolves once everything queued so far has been published (tests, graceful shutdown). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.outbox.relay(BATCH, (messages) => this.publish(messages))) === BATCH) {
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
      await this.producer.sendRaw(
        topic,
        batch.map((message) => ({
          key: message.key,
          value: Buffer.from(JSON.stringify(message.value)),
        })),
      );
    }
  }
}
