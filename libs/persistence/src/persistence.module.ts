import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, type ConfigOf } from '@herald/config';
import { Readiness } from '@herald/observability';
import { dataSourceOptions } from './data-source';
import { ConsoleSessionsRepository } from './repositories/console-sessions.repository';
import { DeliveriesRepository } from './repositories/deliveries.repository';
import { EventTypesRepository } from './repositories/event-types.repository';
import { EventsRepository } from './repositories/events.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { RetentionRepository } from './repositories/retention.repository';
import { StrictOrderRepository } from './repositories/strict-order.repository';
import { SubscriptionStatsRepository } from './repositories/subscription-stats.repository';
import { SubscriptionsRepository } from './repositories/subscriptions.repository';
import { SubscriptionChanges } from './subscription-changes';
import { TenantsRepository } from './repositories/tenants.repository';

/** What the persistence layer reads: where the database is, and the key of the secrets at rest. */
export type PersistenceConfig = ConfigOf<'database' | 'secrets'>;

const POSTGRES_READINESS = Symbol('POSTGRES_READINESS');

/** The database connection and the repositories; every query a service makes goes through these. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [HERALD_CONFIG],
      useFactory: (config: PersistenceConfig) =>
        dataSourceOptions(config.database.url, config.database.caFile),
    }),
  ],
  providers: [
    {
      provide: POSTGRES_READINESS,
      inject: [DataSource, Readiness],
      useFactory: (db: DataSource, readiness: Readiness): true => {
        readiness.register('postgres', async () => {
          await db.query('SELECT 1');
        });
        return true;
      },
    },
    {
      provide: TenantsRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new TenantsRepository(db),
    },
    {
      provide: EventTypesRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new EventTypesRepository(db),
    },
    {
      provide: EventsRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new EventsRepository(db),
    },
    {
      provide: OutboxRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new OutboxRepository(db),
    },
    {
      provide: DeliveriesRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new DeliveriesRepository(db),
    },
    {
      provide: RetentionRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new RetentionRepository(db),
    },
    {
      provide: StrictOrderRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new StrictOrderRepository(db),
    },
    {
      provide: ConsoleSessionsRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new ConsoleSessionsRepository(db),
    },
    {
      provide: SubscriptionStatsRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new SubscriptionStatsRepository(db),
    },
    {
      provide: SubscriptionsRepository,
      inject: [DataSource, HERALD_CONFIG],
      useFactory: (db: DataSource, config: PersistenceConfig) =>
        new SubscriptionsRepository(db, config.secrets.encryptionKey),
    },
    {
      provide: SubscriptionChanges,
      inject: [DataSource, SubscriptionsRepository],
      useFactory: (db: DataSource, subscriptions: SubscriptionsRepository) =>
        new SubscriptionChanges(db, subscriptions),
    },
  ],
  exports: [
    TenantsRepository,
    EventTypesRepository,
    OutboxRepository,
    EventsRepository,
    DeliveriesRepository,
    SubscriptionsRepository,
    SubscriptionChanges,
    SubscriptionStatsRepository,
    StrictOrderRepository,
    RetentionRepository,
    ConsoleSessionsRepository,
  ],
})
export class PersistenceModule {}
