import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Topics, fromAcceptedEventMessage, type AcceptedEventMessage } from '@herald/contracts';
import { ConsumerRunner, KAFKA_CLIENT, TypedProducer, ack, sendInvalidEvent } from '@herald/kafka';
import { MatchingService } from './matching.service';
import { SubscriptionIndexService } from './subscription-index.service';

/** Consumes `herald.events.accepted` and fans each event out to the subscriptions it matches. */
@Injectable()
export class AcceptedEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private runner: ConsumerRunner<AcceptedEventMessage> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly producer: TypedProducer,
    private readonly matching: MatchingService,
    private readonly index: SubscriptionIndexService,
  ) {
    this.logger = new JsonLogger('matcher', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    // No event is matched before the index holds every subscription.
    await this.index.ready;
    this.runner = new ConsumerRunner<AcceptedEventMessage>({
      kafka: this.kafka,
      groupId: 'herald.matcher',
      topics: [Topics.eventsAccepted],
      logger: this.logger,
      handle: async ({ message }) => {
        const event = fromAcceptedEventMessage(message);
        const result = await this.matching.match(event);
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
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
