import { Module } from '@nestjs/common';
import { EventTypesController } from './event-types.controller';
import { EventTypesGrpcController } from './event-types.grpc';
import { EventTypesService } from './event-types.service';

@Module({
  controllers: [EventTypesController, EventTypesGrpcController],
  providers: [EventTypesService],
  exports: [EventTypesService],
})
export class EventTypesModule {}
