import { Module } from '@nestjs/common';
import { KafkaModule } from '@herald/kafka';
import { DispatchModule } from '../dispatch/dispatch.module';
import { RetentionModule } from '../retention/retention.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesGrpcController } from './deliveries.grpc';
import { DeliveriesService } from './deliveries.service';
import { Redelivery } from './redelivery.service';
import { SubscriptionDeliveriesService } from './subscription-deliveries.service';

/**
 * The delivery history and sending again, exporting only the two services that dead letters and the
 * subscription actions (test, recover) build on: a module that needs them imports this one.
 */
@Module({
  imports: [KafkaModule, DispatchModule, RetentionModule],
  controllers: [DeliveriesController, DeliveriesGrpcController],
  providers: [DeliveriesService, Redelivery, SubscriptionDeliveriesService],
  exports: [Redelivery, SubscriptionDeliveriesService],
})
export class DeliveriesModule {}
