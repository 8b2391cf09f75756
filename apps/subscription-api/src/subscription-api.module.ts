import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ConfigModule, type HeraldConfig } from '@herald/config';
import { PersistenceModule } from '@herald/persistence';
import { HealthController } from '@herald/runtime';
import { AuthGuard } from './auth/auth.guard';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { TenantsController } from './tenants/tenants.controller';

@Module({})
export class SubscriptionApiModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: SubscriptionApiModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule],
      controllers: [HealthController, TenantsController, SubscriptionsController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
