export * from './config.module';
export * from './herald-config';
export * from './logger';
export * from './connection-security';
