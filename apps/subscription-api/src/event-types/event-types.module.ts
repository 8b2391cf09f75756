import { Module } from '@nestjs/common';
import { EventTypesController } from './event-types.controller';
import { EventTypesGrpcController } from './event-types.grpc';
import { EventTypesService } from './event-types.service';
import { EventTypePreviewService } from './event-type-preview.service';

@Module({
  controllers: [EventTypesController, EventTypesGrpcController],
  providers: [EventTypesService, EventTypePreviewService],
  exports: [EventTypesService],
})
export class EventTypesModule {}
