export * from './create-service';
export * from './management-server';
export * from './heap-growth';
