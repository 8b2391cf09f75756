export * from './api-client';
export * from './wait-for';
export * from './webhook-receiver';
export * from './test-config';
export * from './topic-recorder';
export * from './sqs-queues';
export * from './closed-port';
