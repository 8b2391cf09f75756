export * from './data-source';
export * from './persistence.module';
export * from './repositories/deliveries.repository';
export * from './repositories/events.repository';
export * from './repositories/outbox.repository';
export * from './repositories/subscriptions.repository';
export * from './repositories/tenants.repository';
export * from './rows';
