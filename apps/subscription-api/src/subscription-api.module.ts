import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigModule } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ConsoleSessionsModule } from './console-sessions/console-sessions.module';
import { SafeInputInterceptor } from './common/safe-input.interceptor';
import { AuthGuard } from './auth/auth.guard';
import { ConsoleController } from './console/console.controller';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DestinationTypesModule } from './destination-types/destination-types.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { EventTypesModule } from './event-types/event-types.module';
import { EventsModule } from './events/events.module';
import { OpenApiController } from './openapi/openapi.controller';
import { OutboxModule } from './outbox/outbox.module';
import { RetentionModule } from './retention/retention.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { TenantsModule } from './tenants/tenants.module';
import type { SubscriptionApiConfig } from './subscription-api.config';

/** The admin API: one feature module per resource. */
@Module({})
export class SubscriptionApiModule {
  static forRoot(config: SubscriptionApiConfig): DynamicModule {
    return {
      module: SubscriptionApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule,
        KafkaModule,
        // Background work of their own besides what they export: the outbox relay's timer and the
        // retention purge. The feature modules that use them import them too.
        OutboxModule,
        RetentionModule,
        TenantsModule,
        ApiKeysModule,
        ConsoleSessionsModule,
        EventTypesModule,
        DestinationTypesModule,
        SubscriptionsModule,
        EventsModule,
        DeliveriesModule,
        DeadLettersModule,
      ],
      controllers: [OpenApiController, ConsoleController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: SafeInputInterceptor },
      ],
    };
  }
}
