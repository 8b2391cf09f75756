import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ConfigModule, type HeraldConfig } from '@herald/config';
import { KafkaModule } from '@herald/kafka';
import { PersistenceModule } from '@herald/persistence';
import { HealthController } from '@herald/runtime';
import { AuthGuard } from './auth/auth.guard';
import { DispatchModule } from './dispatch/dispatch.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { OpenApiController } from './openapi/openapi.controller';
import { OutboxModule } from './outbox/outbox.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { TenantsModule } from './tenants/tenants.module';

/** The admin API: one feature module per resource. */
@Module({})
export class SubscriptionApiModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: SubscriptionApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule,
        KafkaModule,
        DispatchModule,
        OutboxModule,
        TenantsModule,
        SubscriptionsModule,
      ],
      controllers: [HealthController, OpenApiController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
