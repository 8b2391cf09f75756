export * from './health.controller';
export * from './management';
export * from './message-observer';
export * from './metrics';
export * from './observability.module';
export * from './readiness';
export * from './tracing';
export * from './handling-summary';
