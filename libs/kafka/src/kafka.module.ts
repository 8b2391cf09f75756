import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HERALD_CONFIG, JsonLogger, type HeraldConfig } from '@herald/config';
import { allTopics } from '@herald/contracts';
import { createKafkaClient } from './kafka-client';
import { ensureTopics } from './topic-admin';
import { TypedProducer } from './typed-producer';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/** The Kafka client and one shared producer per service; topics are created before either is used. */
@Global()
@Module({
  providers: [
    {
      provide: KAFKA_CLIENT,
      inject: [HERALD_CONFIG],
      useFactory: async (config: HeraldConfig): Promise<Kafka> => {
        const kafka = createKafkaClient({
          brokers: config.kafkaBrokers,
          clientId: config.kafkaClientId,
          logger: new JsonLogger('kafka', config.logLevel),
        });
        await ensureTopics(kafka, allTopics(config.retrySchedule), {
          partitions: config.topicPartitions,
          replicationFactor: config.topicReplicationFactor,
        });
        return kafka;
      },
    },
    {
      provide: TypedProducer,
      inject: [KAFKA_CLIENT],
      useFactory: async (kafka: Kafka): Promise<TypedProducer> => {
        const producer = new TypedProducer(kafka);
        await producer.connect();
        return producer;
      },
    },
  ],
  exports: [KAFKA_CLIENT, TypedProducer],
})
export class KafkaModule implements OnApplicationShutdown {
  constructor(@Inject(TypedProducer) private readonly producer: TypedProducer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}
