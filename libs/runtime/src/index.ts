export * from './create-service';
export * from './management-server';
