import { Module } from '@nestjs/common';
import { KafkaModule } from '@herald/kafka';
import { DispatchModule } from '../dispatch/dispatch.module';
import { RetentionModule } from '../retention/retention.module';
import { EventsController } from './events.controller';
import { EventsGrpcController } from './events.grpc';
import { EventsService } from './events.service';

@Module({
  imports: [KafkaModule, DispatchModule, RetentionModule],
  controllers: [EventsController, EventsGrpcController],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
