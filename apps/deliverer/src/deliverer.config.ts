import type { ConfigOf } from '@herald/config';
import type { KafkaModuleConfig } from '@herald/kafka';
import type { PersistenceConfig } from '@herald/persistence';
import type { RuntimeConfig } from '@herald/runtime';

/**
 * The config the deliverer reads: how to deliver, besides what its runtime, Kafka and database read.
 * Its classes take this type, so none of them reads e.g. the admin token.
 */
export type DelivererConfig = ConfigOf<'delivery'> &
  KafkaModuleConfig &
  PersistenceConfig &
  RuntimeConfig;
