export {
  ensureElasticMqJars,
  startLocalElasticMq,
  type LocalElasticMq,
  type LocalElasticMqOptions,
} from './elasticmq-server';
export {
  startLocalKafka,
  type LocalKafka,
  type LocalKafkaOptions,
  type SecuredListeners,
} from './kafka-broker';
export { ensureKafkaJars } from './kafka-jars';
export {
  startLocalPostgres,
  type LocalPostgres,
  type LocalPostgresOptions,
} from './postgres-server';
export {
  keepRunning,
  supervisedServer,
  type KeepRunningOptions,
  type KeptProcess,
  type RestartableServer,
  type RestartPolicy,
  type ServerRun,
} from './keep-running';
export { findFreePort } from './ports';
export { createTestCertificates, type TestCertificates } from './test-certificates';
export { checkPrerequisites } from './prerequisites';
export { SERVICE_HEAP_MB, serviceEnvironment, serviceNodeOptions } from './service-heap';
export { DEFAULT_RESTART_BACKOFF, nextRestart, type RestartBackoff } from './restart-backoff';
export {
  startSupervised,
  type ServerExit,
  type SupervisedProcess,
  type SupervisedSpec,
} from './supervised-process';
