import type { ConfigOf, DeliveryConfig } from '@herald/config';
import type { KafkaModuleConfig } from '@herald/kafka';
import type { PersistenceConfig } from '@herald/persistence';
import type { RuntimeConfig } from '@herald/runtime';

/**
 * The config subscription-api reads, besides what its runtime, Kafka and database read: who may
 * call it, how it presents the console, the largest event, retention, and of delivery only the
 * attempt timeout (a test delivery is awaited that long).
 */
export type SubscriptionApiConfig = ConfigOf<'auth' | 'console' | 'ingest' | 'retention'> & {
  delivery: Pick<DeliveryConfig, 'timeoutMs'>;
} & KafkaModuleConfig &
  PersistenceConfig &
  RuntimeConfig;
