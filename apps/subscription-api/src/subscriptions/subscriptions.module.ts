import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries';
import { DispatchModule } from '../dispatch/dispatch.module';
import { OutboxModule } from '../outbox/outbox.module';
import { SubscriptionActionsController } from './subscription-actions.controller';
import { SubscriptionActionsGrpcController } from './subscription-actions.grpc';
import { SubscriptionStatsController } from './subscription-stats.controller';
import { SubscriptionStatsGrpcController } from './subscription-stats.grpc';
import { SubscriptionStatsService } from './subscription-stats.service';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsGrpcController } from './subscriptions.grpc';
import { SubscriptionsService } from './subscriptions.service';
import { SubscriptionPreviewService } from './subscription-preview.service';
import { SubscriptionDeliveriesService } from './subscription-deliveries.service';

@Module({
  imports: [OutboxModule, DeliveriesModule, DispatchModule],
  controllers: [
    SubscriptionsController,
    SubscriptionActionsController,
    SubscriptionsGrpcController,
    SubscriptionActionsGrpcController,
    SubscriptionStatsController,
    SubscriptionStatsGrpcController,
  ],
  providers: [
    SubscriptionsService,
    SubscriptionPreviewService,
    SubscriptionStatsService,
    SubscriptionDeliveriesService,
  ],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
