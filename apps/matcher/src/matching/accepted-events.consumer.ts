import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Topics, fromAcceptedEventMessage, type AcceptedEventMessage } from '@herald/contracts';
import {
  Consumers,
  type ConsumerRunner,
  TypedProducer,
  ack,
  sendInvalidEvent,
} from '@herald/kafka';
import { HeraldMetrics } from '@herald/observability';
import { MatchingService } from './matching.service';
import { SubscriptionIndexService } from './subscription-index.service';

/** Consumes `herald.events.accepted` and fans each event out to the subscriptions it matches. */
@Injectable()
export class AcceptedEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: JsonLogger;
  private runner: ConsumerRunner<AcceptedEventMessage> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly consumers: Consumers,
    private readonly producer: TypedProducer,
    private readonly matching: MatchingService,
    private readonly index: SubscriptionIndexService,
    private readonly metrics: HeraldMetrics,
  ) {
    this.logger = new JsonLogger('matcher', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    // No event is matched before the index holds every subscription.
    await this.index.ready;
    this.runner = this.consumers.create<AcceptedEventMessage>({
      groupId: 'herald.matcher',
      topics: [Topics.eventsAccepted],
      logger: this.logger,
      handle: async ({ message }) => {
        const event = fromAcceptedEventMessage(message);
        const result = await this.matching.match(event);
        this.metrics.deliveriesCreated.inc(result.emitted);
        this.logger.event('info', 'event matched', {
          event_id: event.id,
          tenant_id: event.tenantId,
          type: event.type,
          ...result,
        });
        return ack();
      },
      // An accepted event that cannot be decoded is Herald's own fault; park it where people look.
      deadLetter: async (raw, outcome) => {
        await sendInvalidEvent(this.producer, raw, outcome.code, outcome.reason);
      },
    });
    this.runner.startInBackground();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
