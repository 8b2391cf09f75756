export * from './create-service';
export * from './health.controller';
