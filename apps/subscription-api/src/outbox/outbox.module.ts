import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TypedProducer } from '@herald/kafka';
import { OutboxRelay, OutboxRepository } from '@herald/persistence';
import { JsonLogger } from '@herald/observability';

/**
 * Publishes what the subscription and API-key changes wrote to the outbox, on the service's producer
 * (the API's sends are few): the modules that write to it import this one (one relay per process: a
 * module is a singleton).
 */
@Module({
  providers: [
    {
      provide: OutboxRelay,
      inject: [OutboxRepository, TypedProducer, JsonLogger],
      useFactory: (outbox: OutboxRepository, producer: TypedProducer, logger: JsonLogger) =>
        new OutboxRelay(outbox, (topic, messages) => producer.sendRaw(topic, messages), logger),
    },
  ],
  exports: [OutboxRelay],
})
export class OutboxModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay) {}

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
