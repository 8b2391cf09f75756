export * from './consumer-runner';
export * from './invalid-events';
export * from './kafka-client';
export * from './kafka.module';
export * from './outcome';
export * from './topic-admin';
export * from './typed-producer';
