import type { ConfigOf } from '@herald/config';
import type { KafkaModuleConfig } from '@herald/kafka';
import type { PersistenceConfig } from '@herald/persistence';
import type { RuntimeConfig } from '@herald/runtime';

/**
 * The config event-ingest reads: the largest event it accepts, besides what its runtime, Kafka and
 * database read. Matching reads nothing more: the subscriptions come from the database and the
 * changelog, and a delivery's retry schedule is the deliverer's.
 */
export type EventIngestConfig = ConfigOf<'ingest'> &
  KafkaModuleConfig &
  PersistenceConfig &
  RuntimeConfig;
