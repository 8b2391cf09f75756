import { Module } from '@nestjs/common';
import { DestinationTypesController } from './destination-types.controller';
import { DestinationTypesGrpcController } from './destination-types.grpc';

@Module({ controllers: [DestinationTypesController, DestinationTypesGrpcController] })
export class DestinationTypesModule {}
