import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { Headers, Topics, retryTopic, retryTopics, type DeliveryMessage } from '@herald/contracts';
import { ConsumerRunner, KAFKA_CLIENT, TypedProducer, ack, deadLetter, retry } from '@herald/kafka';
import { DeliveryService } from './delivery.service';

/**
 * Consumes `herald.deliveries` and the retry topics. A failed attempt moves to the retry topic of
 * its delay with a `not-before` header; when the schedule is spent it goes to the DLQ.
 */
@Injectable()
export class DeliveriesConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: JsonLogger;
  private runner: ConsumerRunner<DeliveryMessage> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly producer: TypedProducer,
    private readonly delivery: DeliveryService,
  ) {
    this.logger = new JsonLogger('deliverer', config.logLevel);
  }

  async onApplicationBootstrap(): Promise<void> {
    const delays = [...new Set(this.config.retrySchedule)].sort((a, b) => a - b);
    this.runner = new ConsumerRunner<DeliveryMessage>({
      kafka: this.kafka,
      groupId: 'herald.deliverer',
      topics: [Topics.deliveries, ...retryTopics(delays)],
      logger: this.logger,
      laneConcurrency: 32,
      dueAt: (raw) => {
        const notBefore = raw.headers[Headers.notBefore];
        return notBefore ? Number(notBefore) : null;
      },
      handle: async ({ message }) => {
        const step = await this.delivery.attempt(message);
        switch (step.kind) {
          case 'done':
            return ack();
          case 'retry':
            return retry(step.delayMs, `attempt ${step.attempt} failed`);
          case 'dead':
            return deadLetter('exhausted', step.reason);
        }
      },
      retry: async ({ message, key }, outcome) => {
        // The shortest retry topic that waits at least as long, so each topic's due times only grow.
        const delay =
          delays.find((candidate) => candidate >= outcome.afterMs) ?? delays[delays.length - 1];
        await this.producer.send(retryTopic(delay), [
          {
            key,
            value: { ...message, attempt: message.attempt + 1 },
            headers: { [Headers.notBefore]: String(Date.now() + outcome.afterMs) },
          },
        ]);
      },
      deadLetter: async (raw, outcome) => {
        await this.producer.sendRaw(Topics.deliveriesDlq.name, [
          {
            key: raw.key,
            value: raw.value,
            headers: { [Headers.reasonCode]: outcome.code, [Headers.reason]: outcome.reason },
          },
        ]);
      },
    });
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
