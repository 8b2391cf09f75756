import type { KafkaModuleConfig } from '@herald/kafka';
import type { PersistenceConfig } from '@herald/persistence';
import type { RuntimeConfig } from '@herald/runtime';

/** The config the matcher reads: only what its runtime, Kafka and database read. */
export type MatcherConfig = KafkaModuleConfig & PersistenceConfig & RuntimeConfig;
