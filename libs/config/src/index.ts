export * from './config.module';
export * from './herald-config';
export * from './connection-security';
