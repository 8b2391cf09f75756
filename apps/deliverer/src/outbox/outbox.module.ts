import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { KAFKA_CLIENT, TypedProducer } from '@herald/kafka';
import { OutboxRelay, OutboxRepository } from '@herald/persistence';
import { JsonLogger } from '@herald/observability';

const OUTBOX_PRODUCER = Symbol('deliverer outbox producer');

/**
 * The deliverer writes to the outbox when it disables a subscription (`SubscriptionHealth`), and
 * relays it itself: the event-ingests hear of the disable whether or not an API replica runs. The relay
 * has a producer of its own, which connects only when there is something to publish, so its sends
 * never queue behind the deliveries' retries and dead letters, nor they behind it.
 */
@Module({
  providers: [
    {
      provide: OUTBOX_PRODUCER,
      inject: [KAFKA_CLIENT],
      useFactory: (kafka: Kafka) => new TypedProducer(kafka),
    },
    {
      provide: OutboxRelay,
      inject: [OutboxRepository, OUTBOX_PRODUCER, JsonLogger],
      useFactory: (outbox: OutboxRepository, producer: TypedProducer, logger: JsonLogger) =>
        new OutboxRelay(outbox, (topic, messages) => producer.sendRaw(topic, messages), logger),
    },
  ],
  exports: [OutboxRelay],
})
export class OutboxModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(OUTBOX_PRODUCER) private readonly producer: TypedProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.producer.disconnect();
  }
}
