import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ConfigModule, type HeraldConfig } from '@herald/config';
import { PersistenceModule } from '@herald/persistence';
import { HealthController } from '@herald/runtime';
import { AuthGuard } from './auth/auth.guard';
import { ApiExceptionFilter } from './errors/api-exception.filter';
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
        TenantsModule,
        SubscriptionsModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
