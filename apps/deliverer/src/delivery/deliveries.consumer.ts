import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Headers, Topics, retryTopics, type DeliveryMessage } from '@herald/contracts';
import { Consumers, type ConsumerRunner } from '@herald/kafka';
import { DeliveryFlow } from './delivery-flow';
import { DeliveryRouter } from './delivery-router';

/**
 * Consumes `herald.deliveries` and the retry topics. A failed attempt moves to the retry topic of
 * its delay with a `not-before` header; when the schedule is spent it goes to the DLQ.
 */
@Injectable()
export class DeliveriesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: JsonLogger;
  private runner: ConsumerRunner<DeliveryMessage> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly consumers: Consumers,
    private readonly flow: DeliveryFlow,
    private readonly router: DeliveryRouter,
  ) {
    this.logger = new JsonLogger('deliverer', config.logLevel);
  }

  onApplicationBootstrap(): void {
    this.runner = this.consumers.create<DeliveryMessage>({
      groupId: 'herald.deliverer',
      topics: [Topics.deliveries, ...retryTopics(this.router.delays)],
      logger: this.logger,
      laneConcurrency: 64,
      // Due retries start within a quarter second of their time rather than a second.
      maxWaitTimeInMs: 250,
      dueAt: (raw) => {
        const notBefore = raw.headers[Headers.notBefore];
        return notBefore ? Number(notBefore) : null;
      },
      handle: ({ message }) => this.flow.handle(message),
      overflow: ({ message }) => this.flow.overflow(message),
      retry: ({ message }, outcome) => this.router.later(message, outcome),
      deadLetter: (raw, outcome) =>
        this.router.deadLetter(raw.key, raw.value, outcome.code, outcome.reason),
    });
    this.runner.startInBackground();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
