import { Module } from '@nestjs/common';
import { KafkaModule } from '@herald/kafka';
import { DispatchModule } from '../dispatch/dispatch.module';
import { RetentionModule } from '../retention/retention.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesGrpcController } from './deliveries.grpc';
import { DeliveriesService } from './deliveries.service';
import { Redelivery } from './redelivery.service';

/**
 * The delivery history and sending again, exporting only what dead letters and the subscription
 * actions (test, recover) build on: `Redelivery`. Code outside imports from `deliveries/index.ts`.
 */
@Module({
  imports: [KafkaModule, DispatchModule, RetentionModule],
  controllers: [DeliveriesController, DeliveriesGrpcController],
  providers: [DeliveriesService, Redelivery],
  exports: [Redelivery],
})
export class DeliveriesModule {}
