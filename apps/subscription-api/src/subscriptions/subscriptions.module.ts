import { Module } from '@nestjs/common';
import { SubscriptionActionsController } from './subscription-actions.controller';
import { SubscriptionActionsGrpcController } from './subscription-actions.grpc';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsGrpcController } from './subscriptions.grpc';
import { SubscriptionsService } from './subscriptions.service';
import { SubscriptionPreviewService } from './subscription-preview.service';

@Module({
  controllers: [
    SubscriptionsController,
    SubscriptionActionsController,
    SubscriptionsGrpcController,
    SubscriptionActionsGrpcController,
  ],
  providers: [SubscriptionsService, SubscriptionPreviewService],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
