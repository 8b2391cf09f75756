import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { HERALD_CONFIG, type ConfigOf, type DeliveryConfig } from '@herald/config';
import { allTopics } from '@herald/contracts';
import { Readiness, JsonLogger } from '@herald/observability';
import { ConsumerLagMetric, KAFKA_ADMIN } from './consumer-lag';
import { Consumers } from './consumers';
import { createKafkaClient, describeKafkaConnectFailure, KAFKA_CLIENT } from './kafka-client';
import { createMissingTopics } from './topic-admin';
import { TypedProducer } from './typed-producer';

/**
 * What the Kafka setup reads: the connection, the topic layout, the log level, and the retry schedule,
 * since every service creates the retry topics (one per distinct delay) and nothing else of delivery.
 */
export type KafkaModuleConfig = ConfigOf<'kafka' | 'telemetry'> & {
  delivery: Pick<DeliveryConfig, 'retrySchedule'>;
};

/**
 * The Kafka client, one shared producer and one admin client per service. The admin creates the
 * missing topics before the producer connects or a consumer subscribes, then serves readiness (the
 * cluster's metadata) and the consumer-lag metric.
 */
@Global()
@Module({
  providers: [
    {
      provide: KAFKA_CLIENT,
      inject: [HERALD_CONFIG],
      useFactory: (config: KafkaModuleConfig): Kafka =>
        createKafkaClient({
          brokers: config.kafka.brokers,
          clientId: config.kafka.clientId,
          logger: new JsonLogger('kafka', config.telemetry.logLevel),
          tls: config.kafka.tls,
          sasl: config.kafka.sasl,
        }),
    },
    {
      provide: KAFKA_ADMIN,
      inject: [KAFKA_CLIENT, HERALD_CONFIG, Readiness],
      useFactory: async (
        kafka: Kafka,
        config: KafkaModuleConfig,
        readiness: Readiness,
      ): Promise<Admin> => {
        const admin = kafka.admin();
        // The first connection of the service: a refused login or an untrusted broker stops the
        // start here, with what to check, instead of surfacing later as retries.
        await admin.connect().catch((error: unknown) => {
          throw describeKafkaConnectFailure(error, {
            brokers: config.kafka.brokers,
            tls: config.kafka.tls,
            sasl: config.kafka.sasl,
          });
        });
        await createMissingTopics(admin, allTopics(config.delivery.retrySchedule), {
          partitions: config.kafka.topicPartitions,
          replicationFactor: config.kafka.topicReplicationFactor,
        });
        readiness.register('kafka', async () => {
          await admin.describeCluster();
        });
        return admin;
      },
    },
    ConsumerLagMetric,
    Consumers,
    {
      provide: TypedProducer,
      // After the admin: the topics exist before anything is produced to them.
      inject: [KAFKA_CLIENT, KAFKA_ADMIN],
      useFactory: async (kafka: Kafka): Promise<TypedProducer> => {
        const producer = new TypedProducer(kafka);
        await producer.connect();
        return producer;
      },
    },
  ],
  exports: [KAFKA_CLIENT, KAFKA_ADMIN, TypedProducer, Consumers],
})
export class KafkaModule implements OnApplicationShutdown {
  constructor(
    @Inject(TypedProducer) private readonly producer: TypedProducer,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}
