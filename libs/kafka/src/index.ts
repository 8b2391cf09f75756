// First, before anything loads kafkajs (see the file).
import './producer-grouping-fix';
// And its records encoded in one exact buffer each, their batches checksummed faster.
import './record-encoding-fix';
export * from './changelog-follower';
export * from './consumer-lag';
export * from './consumer-runner';
export * from './consumers';
export * from './invalid-events';
export * from './kafka-client';
export * from './kafka.module';
export * from './outcome';
export * from './permanent-failure';
export * from './topic-admin';
export * from './typed-producer';
