import { Module } from '@nestjs/common';
import { SubscriptionActionsController } from './subscription-actions.controller';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsGrpcController } from './subscriptions.grpc';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  controllers: [
    SubscriptionsController,
    SubscriptionActionsController,
    SubscriptionsGrpcController,
  ],
  providers: [SubscriptionsService],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
