import { Module } from '@nestjs/common';
import { DestinationTypesController } from './destination-types.controller';

@Module({ controllers: [DestinationTypesController] })
export class DestinationTypesModule {}
