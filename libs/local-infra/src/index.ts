export {
  ensureElasticMqJars,
  startLocalElasticMq,
  type LocalElasticMq,
  type LocalElasticMqOptions,
} from './elasticmq-server';
export { startLocalKafka, type LocalKafka, type LocalKafkaOptions } from './kafka-broker';
export { ensureKafkaJars } from './kafka-jars';
export {
  startLocalPostgres,
  type LocalPostgres,
  type LocalPostgresOptions,
} from './postgres-server';
export { findFreePort } from './ports';
export { checkPrerequisites } from './prerequisites';
export {
  startSupervised,
  type ServerExit,
  type SupervisedProcess,
  type SupervisedSpec,
} from './supervised-process';
